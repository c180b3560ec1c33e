from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import VersionedModelForm, https_urls
from seccoop.core.markings import TLP
from seccoop.core.policy import get_policy
from seccoop.core.wizard import UploadForm
from seccoop.framework.models import Organisation, Party

from .models import Baseline, Indicator, Target, ValidationRule
from .periods import PeriodError


class IndicatorForm(VersionedModelForm):
    class Meta:
        model = Indicator
        formfield_callback = https_urls
        fields = [
            "owner",
            "code",
            "name",
            "definition",
            "unit",
            "measure_type",
            "direction",
            "aggregation",
            "period_type",
            "fy_start_month",
            "disaggregations",
            "means_of_verification",
            "level",
            "category",
            "measures",
            "decimals",
            "suppression_threshold",
            "source",
            "source_url",
            "tlp",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_policy().allowed_owners(Indicator, self.user)
        from seccoop.plan.models import Measure

        self.fields["measures"].queryset = Measure.objects.restrict(
            self.user, "view"
        ).select_related("plan")
        self.fields["tlp"].choices = [c for c in TLP.choices if c[0] != TLP.RED]

    def clean_disaggregations(self) -> Any:
        data = self.cleaned_data.get("disaggregations") or {}
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in data.items()
        ):
            raise ValidationError(_('Write dimensions as {"sex": ["female", "male"]}.'))
        return data


class _PointForm(VersionedModelForm):
    """A baseline or a target: indicator, state, period and value; owned by the state."""

    period_text = forms.CharField(label=_("Period"), max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self._meta.model
        self.fields["indicator"].queryset = Indicator.objects.restrict(self.user, "view")
        owners = get_policy().allowed_owners(model, self.user)
        states = Party.objects.restrict(self.user, "view").select_related("organisation")
        if (
            not getattr(self.user, "is_superuser", False)
            and not owners.filter(code="COMMISSION").exists()
        ):
            states = states.filter(organisation__in=owners)
        self.fields["state"].queryset = states
        if self.instance.pk:
            self.fields["period_text"].initial = self.instance.period
            for name in ("indicator", "state"):
                self.fields[name].disabled = True

    def clean(self) -> Any:
        data = super().clean()
        indicator = data.get("indicator")
        if indicator is not None and data.get("period_text"):
            try:
                self.instance.set_period(indicator.parse_period(data["period_text"]))
            except PeriodError as exc:
                self.add_error("period_text", str(exc))
        return data

    def save(self, commit: bool = True) -> Any:
        obj = super().save(commit=False)
        if obj.owner_id is None:
            obj.owner_id = obj.state.organisation_id
            obj.steward = Organisation.objects.filter(code="COMMISSION").first()
        if commit:
            obj.save()
        return obj


class TargetForm(_PointForm):
    class Meta:
        model = Target
        fields = ["indicator", "state", "period_text", "value", "note"]


class BaselineForm(_PointForm):
    class Meta:
        model = Baseline
        fields = ["indicator", "state", "period_text", "value", "note"]


class RuleForm(VersionedModelForm):
    class Meta:
        model = ValidationRule
        fields = [
            "owner",
            "indicator",
            "code",
            "kind",
            "severity",
            "minimum",
            "maximum",
            "operator",
            "other",
            "tolerance",
            "description",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_policy().allowed_owners(ValidationRule, self.user)
        indicators = Indicator.objects.restrict(self.user, "view")
        self.fields["indicator"].queryset = indicators
        self.fields["other"].queryset = indicators


class ImportForm(UploadForm):
    """The values import wizard's upload: the workbook."""
