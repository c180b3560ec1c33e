from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, YearFilter, visible
from seccoop.framework.models import Category

from .models import Measure, PlanVersion


class PlanVersionFilterSet(BaseFilterSet):
    search_fields = ("label", "notes")
    status = django_filters.ChoiceFilter(choices=PlanVersion.Status.choices, label=_("Status"))
    year = YearFilter(label=_("Year"))

    class Meta:
        model = PlanVersion
        fields = ["q", "status", "year"]


class MeasureFilterSet(BaseFilterSet):
    search_fields = ("code", "title", "description")
    version = IdChoiceFilter(
        field_name="versions__plan",
        label=_("Plan version (id)"),
        queryset=visible(PlanVersion),
        distinct=True,
    )
    ended = django_filters.BooleanFilter(
        field_name="ended_by", lookup_expr="isnull", exclude=True, label=_("Ended")
    )
    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="iexact", label=_("Category (code)")
    )
    category_id = IdChoiceFilter(
        field_name="category", label=_("Category (id)"), queryset=visible(Category)
    )
    status = django_filters.ChoiceFilter(choices=Measure.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Measure.Kind.choices, label=_("Kind"))
    state = django_filters.CharFilter(
        field_name="participating_states__iso3",
        lookup_expr="iexact",
        label=_("Participating state (ISO alpha-3)"),
        distinct=True,
    )

    class Meta:
        model = Measure
        fields = ["q", "version", "ended", "category", "status", "kind", "state"]
