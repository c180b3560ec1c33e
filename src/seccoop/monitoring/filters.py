from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet
from seccoop.core.markings import TLP
from seccoop.framework.models import Party

from .models import Indicator, Target, Value
from .periods import PeriodError, parse


class ExactCodes(BaseFilterSet):
    """Indicator, state and period filters that match exactly on indexed columns: codes are
    upper-cased and periods written in their canonical form (2019q3 is 2019-Q3) first."""

    indicator = django_filters.CharFilter(method="by_indicator", label=_("Indicator (code)"))
    state = django_filters.CharFilter(method="by_state", label=_("State (ISO alpha-3)"))
    period = django_filters.CharFilter(method="by_period", label=_("Period"))

    def by_indicator(self, queryset: Any, name: str, value: str) -> Any:
        codes = Indicator.objects.filter(code=value.strip().upper()[:30]).values("pk")
        return queryset.filter(indicator_id__in=codes)

    def by_state(self, queryset: Any, name: str, value: str) -> Any:
        states = Party.objects.filter(iso3=value.strip().upper()[:3]).values("pk")
        return queryset.filter(state_id__in=states)

    def by_period(self, queryset: Any, name: str, value: str) -> Any:
        try:
            return queryset.filter(period=str(parse(value[:20])))
        except PeriodError:
            return queryset.none()


class IndicatorFilterSet(BaseFilterSet):
    search_fields = ("code", "name", "definition", "source")

    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="iexact", label=_("Category (code)")
    )
    level = django_filters.ChoiceFilter(choices=Indicator.Level.choices, label=_("Level"))
    period_type = django_filters.ChoiceFilter(
        choices=Indicator.PeriodType.choices, label=_("Period type")
    )
    measure_type = django_filters.ChoiceFilter(
        choices=Indicator.MeasureType.choices, label=_("Measure type")
    )
    is_demo = django_filters.BooleanFilter(label=_("Demo data"))

    class Meta:
        model = Indicator
        fields = ["q", "category", "level", "period_type", "measure_type", "is_demo"]


class ValueFilterSet(ExactCodes):
    search_fields = ("indicator__code", "state__iso3", "period", "comment")
    disaggregation = django_filters.CharFilter(label=_("Disaggregation ('' for totals)"))
    status = django_filters.ChoiceFilter(choices=Value.Status.choices, label=_("Status"))
    tlp = django_filters.ChoiceFilter(choices=TLP.choices, label=_("TLP"))

    class Meta:
        model = Value
        fields = ["q", "indicator", "state", "period", "disaggregation", "status", "tlp"]


class TargetFilterSet(ExactCodes):
    search_fields = ("indicator__code", "state__iso3", "period", "note")

    class Meta:
        model = Target
        fields = ["q", "indicator", "state", "period"]
