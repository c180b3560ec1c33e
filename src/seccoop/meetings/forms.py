"""Secretariat forms: a meeting (times in the venue's time zone), its agenda, decisions and action
items, and a working group's members. The services do the writing; these forms only read and
check what was typed."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import User
from seccoop.core.forms import BoundedForm, VersionedModelForm, https_urls
from seccoop.framework.models import Body, Organisation, Party
from seccoop.plan.models import Benchmark, Measure, PlanVersion
from seccoop.prioritization.models import Run

from .models import ActionItem, AgendaItem, Decision, Meeting
from .scheduling import time_zone_choices
from .services import check_time_zone

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _parties(user: Any) -> Any:
    return Party.objects.restrict(user, "view").select_related("organisation")


def _measures(user: Any) -> Any:
    return (
        Measure.objects.restrict(user, "view")
        .select_related("plan")
        .order_by("-plan__year", "plan", "order", "code")
    )


class MeetingForm(VersionedModelForm):
    """A meeting. Its start and end are typed as the venue's wall-clock time in its time zone
    (10:00 in Port of Spain); the database keeps the instant in UTC."""

    start_date = forms.DateField(label=_("First day"), widget=DATE)
    start_time = forms.TimeField(label=_("Starts at (venue time)"), widget=TIME)
    end_date = forms.DateField(label=_("Last day"), widget=DATE)
    end_time = forms.TimeField(label=_("Ends at (venue time)"), widget=TIME)

    class Meta:
        model = Meeting
        fields = [
            "body",
            "title",
            "start_date",
            "start_time",
            "end_date",
            "end_time",
            "time_zone",
            "venue_city",
            "host",
            "format",
            "status",
            "delegations",
            "participants",
            "minutes",
            "tlp",
        ]
        help_texts = {
            "time_zone": _("The venue's time zone; the parties' own zones come first."),
            "participants": _("A TLP:RED meeting is visible to its participants only."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.restrict(self.user, "view").select_related(
            "organisation"
        )
        self.fields["host"].queryset = _parties(self.user)
        self.fields["delegations"].queryset = _parties(self.user)
        self.fields["participants"].queryset = User.objects.filter(is_active=True).order_by(
            "username"
        )
        self.initial["time_zone"] = self.initial.get("time_zone") or "America/Port_of_Spain"
        current = (self.data.get(self.add_prefix("time_zone")) if self.is_bound else None) or (
            self.instance.time_zone or "America/Port_of_Spain"
        )
        self.fields["time_zone"].widget = forms.Select(
            choices=time_zone_choices(self.user, str(current)[:60])
        )
        meeting = self.instance
        if meeting.pk:
            start, end = meeting.local_start, meeting.local_end
            self.initial.update(
                start_date=start.date(),
                start_time=start.time().replace(tzinfo=None),
                end_date=end.date(),
                end_time=end.time().replace(tzinfo=None),
            )
        else:
            self.initial.update(start_time=time(9, 0), end_time=time(17, 0))

    def clean_time_zone(self) -> str:
        value = (self.cleaned_data.get("time_zone") or "").strip()
        try:
            check_time_zone(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["time_zone"]) from None
        return value

    def clean(self) -> Any:
        data = super().clean()
        zone = data.get("time_zone")
        parts = [data.get(k) for k in ("start_date", "start_time", "end_date", "end_time")]
        if zone and all(p is not None for p in parts):
            tz = check_time_zone(zone)
            start = datetime.combine(parts[0], parts[1], tzinfo=tz)
            end = datetime.combine(parts[2], parts[3], tzinfo=tz)
            if end <= start:
                self.add_error("end_time", _("A meeting must end after it starts."))
            else:
                self.instance.start, self.instance.end = start, end
        return data


class AgendaItemForm(VersionedModelForm):
    class Meta:
        model = AgendaItem
        formfield_callback = https_urls
        fields = ["order", "title", "measures", "plan_version", "document_url"]
        help_texts = {"order": _("Leave empty to put the item at the end.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["measures"].queryset = _measures(self.user)
        self.fields["plan_version"].queryset = PlanVersion.objects.restrict(self.user, "view")


class DecisionForm(VersionedModelForm):
    number = forms.IntegerField(
        label=_("Number"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Leave empty for the next free number."),
    )

    class Meta:
        model = Decision
        fields = ["number", "kind", "text", "plan_version", "measures", "benchmark", "run"]
        help_texts = {
            "plan_version": _("For an adoption: the plan version this decision adopts."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan_version"].queryset = PlanVersion.objects.restrict(self.user, "view")
        self.fields["measures"].queryset = _measures(self.user)
        self.fields["benchmark"].queryset = Benchmark.objects.restrict(self.user, "view")
        self.fields["run"].queryset = Run.objects.restrict(self.user, "view").select_related(
            "cycle"
        )

    def clean(self) -> Any:
        data = super().clean()
        if data.get("kind") == Decision.Kind.ADOPT_PLAN and not data.get("plan_version"):
            self.add_error("plan_version", _("Name the plan version this decision adopts."))
        return data


class ActionItemForm(VersionedModelForm):
    class Meta:
        model = ActionItem
        fields = ["title", "owner_party", "owner_body", "owner_user", "due"]
        widgets = {"due": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_party"].queryset = _parties(self.user)
        self.fields["owner_body"].queryset = Body.objects.restrict(
            self.user, "view"
        ).select_related("organisation")
        self.fields["owner_user"].queryset = User.objects.filter(is_active=True).order_by(
            "username"
        )

    # An item without an owner is refused by the model's constraint, with its message.


class MemberForm(BoundedForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    note = forms.CharField(label=_("Note"), max_length=250, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind__in=[Organisation.Kind.PARTY, Organisation.Kind.PARTNER, Organisation.Kind.NGO]
        ).order_by("kind", "name")
