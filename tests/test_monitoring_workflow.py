"""The approval workflow table: every legal move, every illegal one, and who may act."""

from __future__ import annotations

import itertools

import pytest

from seccoop.monitoring import workflow
from seccoop.monitoring.workflow import (
    ACTIONS,
    APPROVED,
    DRAFT,
    EDITOR,
    RETURNED,
    REVIEWER,
    STATUSES,
    SUBMITTED,
    TRANSITIONS,
    Transition,
    TransitionError,
    allowed,
    find,
)

LEGAL = {(t.action, t.source) for t in TRANSITIONS}
ILLEGAL = sorted(set(itertools.product(ACTIONS, STATUSES)) - LEGAL)


def test_the_table_is_the_documented_one() -> None:
    assert {(t.action, t.source, t.target, t.actor, t.needs_reason) for t in TRANSITIONS} == {
        ("submit", DRAFT, SUBMITTED, EDITOR, False),
        ("submit", RETURNED, SUBMITTED, EDITOR, False),
        ("approve", SUBMITTED, APPROVED, REVIEWER, False),
        ("return", SUBMITTED, RETURNED, REVIEWER, True),
        ("revise", APPROVED, SUBMITTED, EDITOR, True),
    }
    assert ACTIONS == ("approve", "return", "revise", "submit")
    assert set(STATUSES) == {DRAFT, SUBMITTED, APPROVED, RETURNED}


def test_no_action_has_two_moves_from_one_status() -> None:
    assert len(LEGAL) == len(TRANSITIONS)


def test_every_transition_uses_known_statuses_and_actors() -> None:
    for t in TRANSITIONS:
        assert t.source in STATUSES and t.target in STATUSES
        assert t.actor in (EDITOR, REVIEWER)
        assert t.source != t.target


def test_the_illegal_pairs_are_the_rest_of_the_product() -> None:
    assert len(ILLEGAL) == len(ACTIONS) * len(STATUSES) - len(TRANSITIONS) == 11


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.action}-{t.source}")
def test_every_legal_transition_is_found(transition: Transition) -> None:
    found = find(transition.action, transition.source)
    assert found == transition
    assert found.target == transition.target
    assert transition.action in allowed(transition.source, transition.actor)


@pytest.mark.parametrize(("action", "source"), ILLEGAL, ids=lambda v: str(v))
def test_every_illegal_pair_is_refused(action: str, source: str) -> None:
    with pytest.raises(TransitionError) as caught:
        find(action, source)
    assert action in str(caught.value) and source in str(caught.value)
    assert action not in allowed(source, EDITOR) + allowed(source, REVIEWER)


@pytest.mark.parametrize(
    ("action", "source"), [("publish", DRAFT), ("submit", "archived"), ("", ""), ("SUBMIT", DRAFT)]
)
def test_unknown_actions_and_statuses_are_refused(action: str, source: str) -> None:
    with pytest.raises(TransitionError):
        find(action, source)


def test_transition_error_is_a_value_error() -> None:
    assert issubclass(TransitionError, ValueError)


@pytest.mark.parametrize(
    ("status", "editor", "reviewer"),
    [
        (DRAFT, ["submit"], []),
        (SUBMITTED, [], ["approve", "return"]),
        (APPROVED, ["revise"], []),
        (RETURNED, ["submit"], []),
    ],
)
def test_allowed_per_status_and_actor(status: str, editor: list[str], reviewer: list[str]) -> None:
    assert sorted(allowed(status, EDITOR)) == editor
    assert sorted(allowed(status, REVIEWER)) == reviewer


def test_allowed_for_unknown_actor_or_status_is_empty() -> None:
    assert all(allowed(s, "public") == [] for s in STATUSES)
    assert allowed("archived", EDITOR) == allowed("archived", REVIEWER) == []


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.action}-{t.source}")
def test_reason_is_needed_exactly_for_return_and_revise(transition: Transition) -> None:
    assert transition.needs_reason == (transition.action in {"return", "revise"})


def test_editable_statuses_exclude_approved() -> None:
    assert frozenset({DRAFT, SUBMITTED, RETURNED}) == workflow.EDITABLE


def test_every_status_is_reachable_from_draft() -> None:
    reached, frontier = {DRAFT}, [DRAFT]
    while frontier:
        status = frontier.pop()
        for t in TRANSITIONS:
            if t.source == status and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(STATUSES)


def test_nothing_leads_back_to_draft() -> None:
    assert all(t.target != DRAFT for t in TRANSITIONS)
