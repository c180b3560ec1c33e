"""FilterSet base: one FilterSet per model serves the UI list, the API and the export.

Every filter is bounded here, once: years are 1990–2100, ids 1 … 2⁶³−1, dates 1990-01-01 to
ten years ahead, other numbers and texts have a range and a length. A value out of bounds is a
form error (the list shows it; the API answers 400 naming the parameter), never a query that
overflows the database.
"""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField, ModelMultipleChoiceField

from . import bounds

#: The longest text any filter accepts.
MAX_FILTER_TEXT = 200
#: The widest number a non-year, non-id filter accepts.
MAX_FILTER_NUMBER = Decimal(10**15)


class BoundedModelChoiceField(ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        return super().to_python(bounds.bounded_choice_value(self, value))


class BoundedModelMultipleChoiceField(ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = [bounds.bounded_choice_value(self, v) for v in value]
        return super().clean(value)


class YearFilter(django_filters.NumberFilter):
    """A year, 1990–2100."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", bounds.MIN_YEAR)
        kwargs.setdefault("max_value", bounds.MAX_YEAR)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A record id, 1 … 2⁶³−1."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", bounds.MIN_ID)
        kwargs.setdefault("max_value", bounds.MAX_ID)
        super().__init__(*args, **kwargs)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A related record by id, through the access policy; an id out of range is a form error."""

    field_class = BoundedModelChoiceField


class BoundedDateFilter(django_filters.DateFilter):
    """A date from 1990-01-01 to ten years ahead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [bounds.validate_date])
        super().__init__(*args, **kwargs)


def _is_year(name: str, filter_: Any) -> bool:
    field_name = str(getattr(filter_, "field_name", "") or "")
    return name.endswith("year") or field_name == "year" or field_name.endswith("__year")


def bound_filter(name: str, filter_: Any) -> None:
    """Give one filter of any kind its type, range and length (a filter declared with one of the
    bounded classes above keeps its own)."""
    if isinstance(filter_, YearFilter | IdFilter | BoundedDateFilter):
        return
    if isinstance(filter_, django_filters.ModelMultipleChoiceFilter):
        if filter_.field_class is ModelMultipleChoiceField:
            filter_.field_class = BoundedModelMultipleChoiceField
    elif isinstance(filter_, django_filters.ModelChoiceFilter):
        if filter_.field_class is ModelChoiceField:
            filter_.field_class = BoundedModelChoiceField
    elif isinstance(filter_, django_filters.NumberFilter):
        if _is_year(name, filter_):
            filter_.field_class = forms.IntegerField
            filter_.extra.setdefault("min_value", bounds.MIN_YEAR)
            filter_.extra.setdefault("max_value", bounds.MAX_YEAR)
        elif name == "id" or name.endswith("_id"):
            filter_.field_class = forms.IntegerField
            filter_.extra.setdefault("min_value", bounds.MIN_ID)
            filter_.extra.setdefault("max_value", bounds.MAX_ID)
        else:
            filter_.extra.setdefault("min_value", -MAX_FILTER_NUMBER)
            filter_.extra.setdefault("max_value", MAX_FILTER_NUMBER)
    elif isinstance(filter_, django_filters.DateFilter):
        filter_.extra.setdefault("validators", [bounds.validate_date])
    elif isinstance(filter_, django_filters.CharFilter):
        filter_.extra.setdefault("max_length", MAX_FILTER_TEXT)


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive search over ``search_fields``; bounds every filter."""

    search_fields: ClassVar[tuple[str, ...]] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, filter_ in self.filters.items():
            bound_filter(name, filter_)

    def search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()[:100]
        if not value or not self.search_fields:
            return queryset
        return queryset.filter(
            reduce(or_, (Q(**{f"{f}__icontains": value}) for f in self.search_fields))
        )


def visible(model: Any) -> Any:
    """A queryset callable for a choice filter: only what the requesting user may see."""

    def queryset(request: Any) -> Any:
        user = getattr(request, "user", None)
        return model.objects.restrict(user, "view")

    return queryset
