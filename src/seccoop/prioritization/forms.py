from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import BoundedForm

from .methods import MAX_SAMPLES
from .models import Run


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
