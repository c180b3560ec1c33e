from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import VersionedModelForm
from seccoop.core.markings import TLP
from seccoop.core.money import CURRENCIES, RateMissing, to_usd
from seccoop.core.policy import get_policy
from seccoop.core.wizard import UploadForm
from seccoop.framework.models import Organisation, Party

from .models import AssessmentCycle, Need
from .services import AUTHOR_STATUSES, entry_errors


class NeedForm(VersionedModelForm):
    currency = forms.ChoiceField(label=_("currency"), choices=[(c, c) for c in sorted(CURRENCIES)])

    class Meta:
        model = Need
        fields = [
            "cycle",
            "state",
            "category",
            "reference",
            "sub_area",
            "description",
            "severity",
            "gap_type",
            "amount",
            "currency",
            "priority_rank",
            "evidence",
            "status",
            "tlp",
            "releasable_to",
            "caveat",
        ]
        widgets = {
            "releasable_to": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = get_policy().allowed_owners(Need, self.user)
        self.fields["state"].queryset = Party.objects.restrict(self.user, "view").filter(
            organisation__in=owners
        )
        self.fields["cycle"].queryset = AssessmentCycle.objects.restrict(self.user, "view").filter(
            status=AssessmentCycle.Status.OPEN
        )
        self.fields["releasable_to"].queryset = Organisation.objects.restrict(
            self.user, "view"
        ).filter(
            kind__in=[Organisation.Kind.PARTY, Organisation.Kind.BODY, Organisation.Kind.PARTNER]
        )
        self.fields["tlp"].choices = [c for c in TLP.choices if c[0] != TLP.RED]
        # An author saves a draft or submits; validating and returning are the Commission's.
        status = self.fields["status"]
        status.choices = [c for c in Need.Status.choices if c[0] in AUTHOR_STATUSES]
        status.help_text = _("Submitting releases the need to the Commission, which reviews it.")
        status.error_messages["invalid_choice"] = _(
            "Only the Commission's secretariat validates or returns a need; save it as draft or "
            "submitted."
        )
        if self.instance.pk and self.instance.status not in AUTHOR_STATUSES:
            self.initial["status"] = Need.Status.SUBMITTED
        if not self.instance.pk:
            self.fields["tlp"].initial = Need.default_tlp
            self.fields["status"].initial = Need.Status.DRAFT

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        amount, currency, cycle = data.get("amount"), data.get("currency"), data.get("cycle")
        if amount is not None and amount < 0:
            self.add_error("amount", _("A cost cannot be negative."))
        elif amount is not None and currency and cycle:
            try:
                self.instance.amount_usd = to_usd(amount, currency, cycle.valuation_date)
            except RateMissing as exc:
                self.add_error("currency", exc.messages[0])
        state = data.get("state")
        if state is not None:
            self.instance.owner_id = state.organisation_id
        status, tlp = data.get("status"), data.get("tlp")
        if status and tlp:
            probe = Need(status=status, tlp=tlp)
            for name, message in entry_errors(probe).items():
                self.add_error(name, message)
        return data


class ImportForm(UploadForm):
    """The needs import wizard's upload: an open cycle and the workbook."""

    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=AssessmentCycle.objects.none())
    field_order = ["cycle", "file"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["cycle"].queryset = AssessmentCycle.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            status=AssessmentCycle.Status.OPEN
        )

    def options(self) -> dict[str, Any]:
        cycle = self.cleaned_data["cycle"]
        return {"cycle": cycle.pk, "year": cycle.year}


class CycleForm(VersionedModelForm):
    class Meta:
        model = AssessmentCycle
        fields = ["owner", "year", "status", "valuation_date"]
        widgets = {"valuation_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_policy().allowed_owners(AssessmentCycle, self.user)
        self.instance.tlp = TLP.CLEAR
