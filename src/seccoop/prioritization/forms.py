from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import User
from seccoop.core.forms import BoundedForm
from seccoop.plan.models import PlanVersion

from .methods import MAX_SAMPLES
from .models import PrioritizationCycle, Run


class StartCycleForm(BoundedForm):
    """Start a year's prioritisation of a draft plan version's measures."""

    plan = forms.ModelChoiceField(label=_("Plan version"), queryset=PlanVersion.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2010, max_value=2100)
    aggregation = forms.ChoiceField(
        label=_("Aggregation rule"), choices=PrioritizationCycle.Aggregation.choices
    )
    assessors = forms.ModelMultipleChoiceField(
        label=_("Assessors"),
        queryset=User.objects.none(),
        help_text=_("Each assessor scores every measure of the version."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        # The page also shows the list's filter form, which has a year too: ids of their own.
        kwargs.setdefault("auto_id", "start_%s")
        super().__init__(*args, **kwargs)
        drafts = PlanVersion.objects.restrict(user, "view").filter(status=PlanVersion.Status.DRAFT)
        self.fields["plan"].queryset = drafts
        latest = drafts.order_by("-year", "-pk").first()
        if latest is not None:
            self.fields["plan"].initial = latest.pk
            self.fields["year"].initial = latest.year
        self.fields["assessors"].queryset = User.objects.filter(is_active=True).order_by("username")


class RunForm(BoundedForm):
    method = forms.ChoiceField(label=_("Method"), choices=Run.Method.choices)
    samples = forms.IntegerField(
        label=_("Samples (SMAA)"),
        min_value=1,
        max_value=MAX_SAMPLES,
        initial=10_000,
        required=False,
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=2**32 - 1, initial=2010)


class WeightsForm(BoundedForm):
    def __init__(
        self, *args: Any, criteria: list[Any], initial_weights: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            w = initial_weights.get(c.code)
            for part, label, default in (
                ("value", _("weight"), None),
                ("lower", _("lower bound"), 0),
                ("upper", _("upper bound"), 1),
            ):
                self.fields[f"{c.code}_{part}"] = forms.DecimalField(
                    label=f"{c.code}. {c.short_name}: {label}",
                    min_value=0,
                    max_value=1,
                    decimal_places=4,
                    initial=getattr(w, part) if w is not None else default,
                )


class AssessorsForm(BoundedForm):
    """Ask more people to score every measure of an open cycle."""

    assessors = forms.ModelMultipleChoiceField(
        label=_("Assessors to add"),
        queryset=User.objects.none(),
        help_text=_("Each assessor scores every measure of the version."),
    )

    def __init__(self, *args: Any, cycle: PrioritizationCycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(assignments__cycle=cycle)
            .order_by("username")
        )


class UnassignForm(BoundedForm):
    """Withdraw one assessor (who has not scored yet) from an open cycle."""

    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=User.objects.none())

    def __init__(self, *args: Any, cycle: PrioritizationCycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = User.objects.filter(assignments__cycle=cycle).distinct()
