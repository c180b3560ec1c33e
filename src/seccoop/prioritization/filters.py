"""FilterSets of the prioritisation lists: one per model serves the list page, the API and the
export (``q`` searches, ``ordering`` sorts, every value bounded by ``core.filters``)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, IdFilter, YearFilter, visible

from .models import PrioritizationCycle, Run


class CycleFilterSet(BaseFilterSet):
    search_fields = ("plan__label",)

    year = YearFilter(field_name="year", label=_("Year"))
    plan_id = IdFilter(field_name="plan", label=_("Plan version (id)"))
    aggregation = django_filters.ChoiceFilter(
        choices=PrioritizationCycle.Aggregation.choices, label=_("Aggregation rule")
    )
    is_open = django_filters.BooleanFilter(label=_("Open for scoring"))
    ordering = django_filters.OrderingFilter(
        fields=(("year", "year"), ("plan__label", "plan")), label=_("Order by")
    )

    class Meta:
        model = PrioritizationCycle
        fields = ["q", "year", "plan_id", "aggregation", "is_open"]


class RunFilterSet(BaseFilterSet):
    search_fields = ("cycle__plan__label", "method")

    cycle = YearFilter(field_name="cycle__year", label=_("Cycle (year)"))
    cycle_id = IdChoiceFilter(
        field_name="cycle", label=_("Cycle (id)"), queryset=visible(PrioritizationCycle)
    )
    method = django_filters.ChoiceFilter(choices=Run.Method.choices, label=_("Method"))
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("cycle__year", "cycle"), ("method", "method")),
        label=_("Order by"),
    )

    class Meta:
        model = Run
        fields = ["q", "cycle", "cycle_id", "method"]
