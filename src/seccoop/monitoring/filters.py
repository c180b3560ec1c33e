from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet
from seccoop.core.markings import TLP

from .models import Indicator, Target, Value


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


class ValueFilterSet(BaseFilterSet):
    search_fields = ("indicator__code", "state__iso3", "period", "comment")

    indicator = django_filters.CharFilter(
        field_name="indicator__code", lookup_expr="iexact", label=_("Indicator (code)")
    )
    state = django_filters.CharFilter(
        field_name="state__iso3", lookup_expr="iexact", label=_("State (ISO alpha-3)")
    )
    period = django_filters.CharFilter(lookup_expr="iexact", label=_("Period"))
    disaggregation = django_filters.CharFilter(label=_("Disaggregation ('' for totals)"))
    status = django_filters.ChoiceFilter(choices=Value.Status.choices, label=_("Status"))
    tlp = django_filters.ChoiceFilter(choices=TLP.choices, label=_("TLP"))

    class Meta:
        model = Value
        fields = ["q", "indicator", "state", "period", "disaggregation", "status", "tlp"]


class TargetFilterSet(BaseFilterSet):
    search_fields = ("indicator__code", "state__iso3", "period", "note")

    indicator = django_filters.CharFilter(
        field_name="indicator__code", lookup_expr="iexact", label=_("Indicator (code)")
    )
    state = django_filters.CharFilter(
        field_name="state__iso3", lookup_expr="iexact", label=_("State (ISO alpha-3)")
    )
    period = django_filters.CharFilter(lookup_expr="iexact", label=_("Period"))

    class Meta:
        model = Target
        fields = ["q", "indicator", "state", "period"]
