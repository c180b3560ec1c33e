"""The restricted queryset: the only way views, endpoints, exports and search read rows."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from .policy import ACTIONS, get_policy

_M = TypeVar("_M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can narrow itself to what a user may see or change."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet[_M]:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return get_policy().restrict(self, user, action)  # type: ignore[return-value]  # the policy keeps the queryset class


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]  # dynamic base from from_queryset
    """The manager of every domain model: ``Model.objects.restrict(user, action)``."""
