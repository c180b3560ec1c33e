"""The life of a reported value, as a table: which action takes which status where, and who acts.

::

    draft ──submit──▶ submitted ──approve──▶ approved
                      │    ▲                   │
                 return    submit         revise (with a reason)
                      ▼    │                   │
                     returned ◀────────────────┘ (revise goes back to submitted)

* ``submit``, ``revise``: the reporting state (an editor of the value);
* ``approve``, ``return``: the Commission (a reviewer of the value).

``return`` and ``revise`` need a reason. Everything not in the table is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT, SUBMITTED, APPROVED, RETURNED = "draft", "submitted", "approved", "returned"
STATUSES = (DRAFT, SUBMITTED, APPROVED, RETURNED)
EDITOR, REVIEWER = "editor", "reviewer"


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    actor: str
    needs_reason: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", DRAFT, SUBMITTED, EDITOR),
    Transition("submit", RETURNED, SUBMITTED, EDITOR),
    Transition("approve", SUBMITTED, APPROVED, REVIEWER),
    Transition("return", SUBMITTED, RETURNED, REVIEWER, needs_reason=True),
    Transition("revise", APPROVED, SUBMITTED, EDITOR, needs_reason=True),
)
ACTIONS = tuple(sorted({t.action for t in TRANSITIONS}))
#: Statuses in which the reporting state may still change a value freely (no reason needed).
EDITABLE = frozenset({DRAFT, RETURNED, SUBMITTED})


class TransitionError(ValueError):
    """The action is not possible from this status (or by this kind of actor)."""


def find(action: str, source: str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and t.source == source:
            return t
    raise TransitionError(f"cannot {action} a value that is {source}")


def allowed(source: str, actor: str) -> list[str]:
    """The actions an actor of this kind may take on a value in ``source``."""
    return [t.action for t in TRANSITIONS if t.source == source and t.actor == actor]
