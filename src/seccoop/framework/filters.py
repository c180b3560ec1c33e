from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, visible

from .models import Body, Category, Organisation, Party, StrategicPriority


class CategoryFilterSet(BaseFilterSet):
    search_fields = ("code", "name", "objective")
    priority_id = IdChoiceFilter(
        field_name="priority",
        label=_("Strategic priority (id)"),
        queryset=visible(StrategicPriority),
    )
    priority = django_filters.CharFilter(
        field_name="priority__code", label=_("Strategic priority (code)"), lookup_expr="iexact"
    )

    class Meta:
        model = Category
        fields = ["q", "priority_id", "priority"]


class OrganisationFilterSet(BaseFilterSet):
    search_fields = ("code", "name", "short_name")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Organisation.Kind.choices)
    side = django_filters.ChoiceFilter(
        label=_("Side"), choices=Organisation._meta.get_field("side").choices
    )
    parent_id = IdChoiceFilter(
        field_name="parent", label=_("Part of (id)"), queryset=visible(Organisation)
    )
    parent = django_filters.CharFilter(
        field_name="parent__code", label=_("Part of (code)"), lookup_expr="iexact"
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "side", "parent_id", "parent"]


class PartyFilterSet(BaseFilterSet):
    search_fields = ("iso3", "iso2", "organisation__name")
    side = django_filters.CharFilter(field_name="organisation__side", label=_("Side"))
    language = django_filters.CharFilter(
        field_name="languages", lookup_expr="icontains", label=_("Language")
    )
    currency = django_filters.CharFilter(
        field_name="currencies", lookup_expr="icontains", label=_("Currency")
    )

    class Meta:
        model = Party
        fields = ["q", "side", "language", "currency"]


class BodyFilterSet(BaseFilterSet):
    search_fields = ("organisation__code", "organisation__name", "mandate")
    body_type = django_filters.ChoiceFilter(label=_("Type"), choices=Body.BodyType.choices)

    class Meta:
        model = Body
        fields = ["q", "body_type"]
