from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, visible
from seccoop.core.markings import TLP
from seccoop.core.models import AuditEvent
from seccoop.framework.models import Organisation

from .models import Contact


class ContactFilterSet(BaseFilterSet):
    search_fields = ("name", "position", "email", "owner__code", "owner__name")

    owner_id = IdChoiceFilter(
        field_name="owner", label=_("Owner (id)"), queryset=visible(Organisation)
    )
    owner = django_filters.CharFilter(
        field_name="owner__code", label=_("Owner (code)"), lookup_expr="iexact"
    )
    tlp = django_filters.ChoiceFilter(label=_("TLP"), choices=TLP.choices)

    class Meta:
        model = Contact
        fields = ["q", "owner_id", "owner", "tlp"]


#: Audit actions that record a refusal: failed and locked sign-ins, denied requests.
DENIAL_ACTIONS = ("auth.login_failed", "auth.locked_out", "access.denied")


class AuditEventFilterSet(BaseFilterSet):
    """The audit trail's filters: what happened, to what, by whom, and when (UTC dates)."""

    search_fields = ("action", "actor_name", "object_type", "object_repr", "path", "request_id")

    action = django_filters.CharFilter(label=_("Action"), lookup_expr="iexact")
    actor = django_filters.CharFilter(
        field_name="actor_name", label=_("Actor (user name)"), lookup_expr="iexact"
    )
    object_type = django_filters.CharFilter(label=_("Object type"), lookup_expr="iexact")
    object_id = django_filters.CharFilter(label=_("Object id"), lookup_expr="exact")
    since = django_filters.DateFilter(
        field_name="at", label=_("From (date)"), lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        field_name="at", label=_("Until (date)"), lookup_expr="date__lte"
    )

    refused = django_filters.BooleanFilter(
        label=_("Refusals only (failed or locked sign-ins, denied requests)"), method="refusals"
    )

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "object_type", "object_id", "since", "until", "refused"]

    def refusals(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        if value:
            return queryset.filter(action__in=DENIAL_ACTIONS)
        return queryset.exclude(action__in=DENIAL_ACTIONS)
