from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import BoundedForm, VersionedModelForm
from seccoop.framework.models import Organisation, Party
from seccoop.needs.models import Need

from .models import Measure, MeasureVersion, PlanVersion

LANGS = [code for code, _name in settings.LANGUAGES]


def frozen_message(plan: PlanVersion) -> str:
    return str(
        _("{label} is {status} and frozen; start the next version to change it.").format(
            label=plan.label, status=plan.get_status_display().lower()
        )
    )


def ended_message(measure: Measure) -> str:
    return str(
        _("{measure} was ended by {label}; its record is closed.").format(
            measure=measure, label=measure.ended_by
        )
    )


CONTENT_FORM_FIELDS = [
    "code",
    *[f"title_{lang}" for lang in LANGS],
    *[f"description_{lang}" for lang in LANGS],
    "category",
    "order",
]


class MeasureForm(VersionedModelForm):
    """What happens to a measure, across plan versions: editable until a version ends it."""

    class Meta:
        model = Measure
        fields = [
            "kind",
            "lead",
            "twg",
            "implementing_agencies",
            "partners",
            "participating_states",
            "needs",
            "start",
            "end",
            "status",
        ]
        widgets = {
            **{f"description_{lang}": forms.Textarea(attrs={"rows": 3}) for lang in LANGS},
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
            "participating_states": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = Organisation.objects.restrict(self.user, "view")
        self.fields["lead"].queryset = orgs
        self.fields["twg"].queryset = orgs.filter(kind=Organisation.Kind.BODY)
        self.fields["implementing_agencies"].queryset = orgs
        self.fields["partners"].queryset = orgs.filter(kind=Organisation.Kind.PARTNER)
        self.fields["participating_states"].queryset = Party.objects.restrict(
            self.user, "view"
        ).select_related("organisation")
        needs = Need.objects.restrict(self.user, "view").select_related("state", "category")
        if self.instance.pk:
            needs = needs.filter(pk__in=self.instance.needs.values("pk")) | needs.filter(
                category=self.instance.category_id
            )
        self.fields["needs"].queryset = needs

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.ended_by_id is not None:
            raise ValidationError(ended_message(self.instance))
        return data


class MeasureAddForm(MeasureForm):
    """A new measure proposed in a draft: its content in that version and what happens to it."""

    class Meta(MeasureForm.Meta):
        fields = [*CONTENT_FORM_FIELDS, *MeasureForm.Meta.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        plan = self.instance.plan if self.instance.plan_id else None
        if plan is not None and plan.is_frozen:
            raise ValidationError(frozen_message(plan))
        code = data.get("code")
        if plan is not None and code and plan.entries.filter(code=code).exists():
            self.add_error("code", _("This plan version already has a measure with this code."))
        return data


class MeasureVersionForm(VersionedModelForm):
    """What a draft says about a measure; an adopted version is frozen."""

    class Meta:
        model = MeasureVersion
        fields = CONTENT_FORM_FIELDS
        widgets = {f"description_{lang}": forms.Textarea(attrs={"rows": 3}) for lang in LANGS}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        plan = self.instance.plan if self.instance.plan_id else None
        if plan is not None and plan.is_frozen:
            raise ValidationError(frozen_message(plan))
        code = data.get("code")
        duplicate = MeasureVersion.objects.filter(plan=plan, code=code).exclude(pk=self.instance.pk)
        if plan is not None and code and duplicate.exists():
            self.add_error("code", _("This plan version already has a measure with this code."))
        return data


class AdoptForm(BoundedForm):
    """Adoption is a decision of a Dialogue that has been held: the form names that meeting (the
    held Dialogues the user may record decisions for) and the decision's text; the version is
    adopted as of the Dialogue's first day."""

    meeting = forms.TypedChoiceField(
        label=_("Decision of the Dialogue"),
        coerce=int,
        choices=[],
        help_text=_("A plan version is adopted by a decision of a Dialogue that has been held."),
    )
    text = forms.CharField(
        label=_("Text of the decision"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty for “The Dialogue adopts the …”."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .services import adopting_meetings

        self.meetings = adopting_meetings(user)
        self.fields["meeting"].choices = [(m.id, m.label) for m in self.meetings]


class NextVersionForm(BoundedForm):
    year = forms.IntegerField(label=_("Year"), min_value=2010, max_value=2100)
    label = forms.CharField(label=_("Label"), max_length=120)

    def __init__(self, *args: Any, base: PlanVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if base is not None:
            self.fields["year"].initial = base.year + 1
            self.fields["label"].initial = f"Plan of Action {base.year + 1}"


class DiffForm(BoundedForm):
    a = forms.ModelChoiceField(label=_("From"), queryset=PlanVersion.objects.none())
    b = forms.ModelChoiceField(label=_("To"), queryset=PlanVersion.objects.none())

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = PlanVersion.objects.restrict(user, "view")
        self.fields["a"].queryset = versions
        self.fields["b"].queryset = versions


class MilestoneForm(VersionedModelForm):
    class Meta:
        from .models import Milestone

        model = Milestone
        fields = ["title", "due", "completed_on", "evidence"]
        widgets = {
            "due": forms.DateInput(attrs={"type": "date"}),
            "completed_on": forms.DateInput(attrs={"type": "date"}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        measure = self.instance.measure if self.instance.measure_id else None
        if measure is not None and measure.ended_by_id is not None:
            raise ValidationError(ended_message(measure))
        return data


class BenchmarkForm(VersionedModelForm):
    class Meta:
        from .models import Benchmark

        model = Benchmark
        fields = ["description", "value", "proposed_by", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposed_by"].queryset = Organisation.objects.restrict(
            self.user, "view"
        ).filter(kind=Organisation.Kind.BODY)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.measure_id and self.instance.measure.ended_by_id is not None:
            raise ValidationError(ended_message(self.instance.measure))
        return data
