"""FilterSet base: one FilterSet per model serves the UI list, the API and the export."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any, ClassVar

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive search over ``search_fields``."""

    search_fields: ClassVar[tuple[str, ...]] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

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
