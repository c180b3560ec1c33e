"""The funding lists' filters: one FilterSet per list serves the page, its export and the API.

Each relation has its natural key (a partner's or an account's code) and its id; ``ordering``
sorts by one of the listed columns (``-`` first for descending), the id breaking ties so that
pages never overlap.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, IdFilter, YearFilter, visible
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation

from .models import Budget, FundingAccount, Transaction, TransactionType


class Ordering(django_filters.OrderingFilter):
    """The chosen order, then the id (the same order on every page of a paginated list)."""

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value if param]
        return qs.order_by(*fields, "-pk" if fields and fields[0].startswith("-") else "pk")


def _code(value: str) -> str:
    """An organisation's or an account's code as stored (upper case, at most 40 characters)."""
    return value.strip().upper()[:40]


class TransactionFilterSet(BaseFilterSet):
    search_fields = ("reference", "description", "measure__code", "provider_name")

    partner = django_filters.CharFilter(method="by_partner", label=_("Partner (code)"))
    partner_id = IdChoiceFilter(
        field_name="provider", label=_("Partner (id)"), queryset=visible(Organisation)
    )
    type = django_filters.ChoiceFilter(choices=TransactionType.choices, label=_("Type"))
    year = YearFilter(field_name="value_date__year", label=_("Year"))
    measure = IdFilter(field_name="measure", label=_("Measure (id)"))
    measure_code = django_filters.CharFilter(
        field_name="measure__code", lookup_expr="iexact", label=_("Measure (code)")
    )
    account = django_filters.CharFilter(method="by_account", label=_("Account (code)"))
    account_id = IdChoiceFilter(
        field_name="account", label=_("Account (id)"), queryset=visible(FundingAccount)
    )
    tlp = django_filters.ChoiceFilter(choices=TLP.choices, label=_("TLP"))
    ordering = Ordering(
        fields=(
            ("value_date", "value_date"),
            ("amount_usd", "amount_usd"),
            ("amount", "amount"),
            ("type", "type"),
            ("provider__code", "partner"),
            ("measure__code", "measure"),
            ("reference", "reference"),
        ),
        field_labels={
            "value_date": _("Value date"),
            "amount_usd": _("USD"),
            "amount": _("Amount"),
            "type": _("Type"),
            "provider__code": _("Partner"),
            "measure__code": _("Measure"),
            "reference": _("Reference"),
        },
        label=_("Order by"),
    )

    class Meta:
        model = Transaction
        fields = [
            "q",
            "partner",
            "partner_id",
            "type",
            "year",
            "measure",
            "measure_code",
            "account",
            "account_id",
            "tlp",
            "ordering",
        ]

    def by_partner(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(provider__code=_code(value)[:32])

    def by_account(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(account__code=_code(value))


class BudgetFilterSet(BaseFilterSet):
    search_fields = ("measure__code", "owner__code", "account__code")

    partner = django_filters.CharFilter(method="by_partner", label=_("Partner (code)"))
    partner_id = IdChoiceFilter(
        field_name="owner", label=_("Partner (id)"), queryset=visible(Organisation)
    )
    year = YearFilter(field_name="period_start__year", label=_("Year"))
    measure = IdFilter(field_name="measure", label=_("Measure (id)"))
    measure_code = django_filters.CharFilter(
        field_name="measure__code", lookup_expr="iexact", label=_("Measure (code)")
    )
    account = django_filters.CharFilter(method="by_account", label=_("Account (code)"))
    account_id = IdChoiceFilter(
        field_name="account", label=_("Account (id)"), queryset=visible(FundingAccount)
    )
    type = django_filters.ChoiceFilter(choices=Budget.Type.choices, label=_("Type"))
    status = django_filters.ChoiceFilter(choices=Budget.Status.choices, label=_("Status"))
    ordering = Ordering(
        fields=(
            ("period_start", "period_start"),
            ("amount_usd", "amount_usd"),
            ("amount", "amount"),
            ("measure__code", "measure"),
            ("owner__code", "partner"),
        ),
        field_labels={
            "period_start": _("From"),
            "amount_usd": _("USD"),
            "amount": _("Amount"),
            "measure__code": _("Measure"),
            "owner__code": _("Partner"),
        },
        label=_("Order by"),
    )

    class Meta:
        model = Budget
        fields = [
            "q",
            "partner",
            "partner_id",
            "year",
            "measure",
            "measure_code",
            "account",
            "account_id",
            "type",
            "status",
            "ordering",
        ]

    def by_partner(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(owner__code=_code(value)[:32])

    def by_account(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(account__code=_code(value))


class AccountFilterSet(BaseFilterSet):
    search_fields = ("code", "name", "description")

    partner = django_filters.CharFilter(method="by_partner", label=_("Partner (code)"))
    partner_id = IdChoiceFilter(
        field_name="owner", label=_("Partner (id)"), queryset=visible(Organisation)
    )
    ordering = Ordering(
        fields=(("code", "code"), ("name", "name")),
        field_labels={"code": _("Code"), "name": _("Name")},
        label=_("Order by"),
    )

    class Meta:
        model = FundingAccount
        fields = ["q", "partner", "partner_id", "ordering"]

    def by_partner(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(owner__code=_code(value)[:32])
