"""The access-policy registry.

``core`` knows no domain. The one access policy lives in ``accounts`` and registers itself here at
start-up; the restricted queryset, the generic views and the API base ask it through
:func:`get_policy`, so ``core`` never imports ``accounts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

Action = Literal["view", "change", "delete", "add", "review", "close"]
#: ``review``: approve or return what others submitted (e.g. the Commission validating values).
#: ``close``: mark done what one was given to do (an action item's assignee, or its editors).
ACTIONS: tuple[str, ...] = ("view", "change", "delete", "add", "review", "close")


class AccessPolicy(Protocol):
    def restrict(self, queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        """Return the rows of ``queryset`` that ``user`` may act on."""

    def can_add(self, model: type[Model], user: Any) -> bool:
        """Whether ``user`` may create a record of ``model`` at all."""

    def allowed_owners(self, model: type[Model], user: Any) -> QuerySet[Any]:
        """The owners ``user`` may create a record of ``model`` for."""

    def may(self, user: Any, ability: str) -> bool:
        """Whether ``user`` holds a named ability (what one may do beyond one record's rules)."""

    def acting_for(self, user: Any, ability: str) -> set[int]:
        """The ids of the organisations where ``user`` holds ``ability``."""


class PolicyNotRegistered(RuntimeError):
    pass


_policy: AccessPolicy | None = None


def register_policy(policy: AccessPolicy) -> None:
    global _policy
    _policy = policy


def get_policy() -> AccessPolicy:
    if _policy is None:
        raise PolicyNotRegistered(
            "No access policy is registered; is 'seccoop.accounts' installed?"
        )
    return _policy


def allowed_owner_ids(model: type[Model], user: Any) -> set[int] | None:
    """The ids of the owners ``user`` may create ``model`` records for; None means any owner
    (platform administrators). Bulk writers (imports, API batches) check each row against it."""
    if getattr(user, "is_superuser", False):
        return None
    return set(get_policy().allowed_owners(model, user).values_list("pk", flat=True))
