from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, YearFilter, visible
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Party

from .models import AssessmentCycle, Need


class NeedFilterSet(BaseFilterSet):
    search_fields = ("reference", "description", "sub_area", "state__iso3", "category__code")

    cycle = YearFilter(field_name="cycle__year", label=_("Cycle (year)"))
    cycle_id = IdChoiceFilter(
        field_name="cycle", label=_("Cycle (id)"), queryset=visible(AssessmentCycle)
    )
    state = django_filters.CharFilter(
        field_name="state__iso3", lookup_expr="iexact", label=_("State (ISO alpha-3)")
    )
    state_id = IdChoiceFilter(field_name="state", label=_("State (id)"), queryset=visible(Party))
    category = django_filters.CharFilter(
        field_name="category__code", lookup_expr="iexact", label=_("Category (code)")
    )
    category_id = IdChoiceFilter(
        field_name="category", label=_("Category (id)"), queryset=visible(Category)
    )
    status = django_filters.ChoiceFilter(choices=Need.Status.choices, label=_("Status"))
    gap_type = django_filters.ChoiceFilter(choices=Need.GapType.choices, label=_("Gap type"))
    tlp = django_filters.ChoiceFilter(choices=TLP.choices, label=_("TLP"))

    class Meta:
        model = Need
        fields = ["q", "cycle", "state", "category", "status", "gap_type", "tlp"]
