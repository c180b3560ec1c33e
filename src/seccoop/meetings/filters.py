"""Meetings filters: one FilterSet per list, shared by the list page, the API and the export."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, YearFilter, visible
from seccoop.core.markings import TLP
from seccoop.framework.models import Body, Party, Side

from .models import ActionItem, Meeting
from .services import overdue


class MeetingFilterSet(BaseFilterSet):
    search_fields = ("title", "venue_city", "body__organisation__code", "body__organisation__name")

    body = django_filters.CharFilter(
        field_name="body__organisation__code", lookup_expr="iexact", label=_("Body (code)")
    )
    body_id = IdChoiceFilter(field_name="body", label=_("Body (id)"), queryset=visible(Body))
    year = YearFilter(field_name="year", label=_("Year"))
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices, label=_("Status"))
    side = django_filters.ChoiceFilter(
        field_name="host__organisation__side", choices=Side.choices, label=_("Host side")
    )
    host = django_filters.CharFilter(
        field_name="host__iso3", lookup_expr="iexact", label=_("Host (ISO alpha-3)")
    )
    host_id = IdChoiceFilter(field_name="host", label=_("Host (id)"), queryset=visible(Party))
    format = django_filters.ChoiceFilter(choices=Meeting.Format.choices, label=_("Format"))
    tlp = django_filters.ChoiceFilter(choices=TLP.choices, label=_("TLP"))
    ordering = django_filters.OrderingFilter(
        fields=(("start", "start"), ("title", "title"), ("pk", "id")),
        label=_("Order by"),
    )

    class Meta:
        model = Meeting
        fields = ["q", "body", "year", "status", "side", "host", "format", "tlp"]


#: The action item statuses a list takes: the stored ones, and "overdue" (open and past due).
ACTION_STATUSES = [*ActionItem.Status.choices, ("overdue", _("Overdue"))]


class ActionItemFilterSet(BaseFilterSet):
    search_fields = ("title", "meeting__title")

    meeting = IdChoiceFilter(
        field_name="meeting", label=_("Meeting (id)"), queryset=visible(Meeting)
    )
    body = django_filters.CharFilter(
        field_name="meeting__body__organisation__code",
        lookup_expr="iexact",
        label=_("Body (code)"),
    )
    status = django_filters.ChoiceFilter(
        choices=ACTION_STATUSES, label=_("Status"), method="by_status"
    )
    owner_party = django_filters.CharFilter(
        field_name="owner_party__iso3", lookup_expr="iexact", label=_("Owner (ISO alpha-3)")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("due", "due"), ("title", "title"), ("pk", "id")),
        label=_("Order by"),
    )

    class Meta:
        model = ActionItem
        fields = ["q", "meeting", "body", "status", "owner_party"]

    def by_status(self, queryset: Any, name: str, value: str) -> Any:
        if value == "overdue":
            return overdue(queryset)
        return queryset.filter(status=value)
