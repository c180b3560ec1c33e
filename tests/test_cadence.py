"""The Framework's cadence rules against hand-made histories of meetings."""

from __future__ import annotations

from datetime import date

from seccoop.framework.cadence import (
    CANCELLED,
    CARIBBEAN,
    PLANNED,
    UNITED_STATES,
    BodyRule,
    MeetingRecord,
    check,
    next_host_side,
)

DIALOGUE = BodyRule("DIALOGUE", "dialogue", meetings_per_year=1, alternates=True)
COMMISSION = BodyRule("COMMISSION", "commission", meetings_per_year=2)


def dialogue(year: int, side: str, status: str = "held") -> MeetingRecord:
    return MeetingRecord("DIALOGUE", date(year, 5, 27), status, side)


def commission(year: int, month: int, status: str = "held") -> MeetingRecord:
    return MeetingRecord("COMMISSION", date(year, month, 10), status, CARIBBEAN)


def rules(findings: list) -> list[tuple[str, str, int | None]]:
    return [(f.rule, f.body, f.year) for f in findings]


def test_next_dialogue_goes_to_the_other_side_of_the_last_one_held() -> None:
    history = [dialogue(2010, UNITED_STATES), dialogue(2011, CARIBBEAN)]
    assert next_host_side(history).side == UNITED_STATES
    assert "2011-05-27" in next_host_side(history).reason
    # A planned or cancelled Dialogue does not count; only held ones do.
    history.append(dialogue(2012, UNITED_STATES, PLANNED))
    history.append(dialogue(2012, UNITED_STATES, CANCELLED))
    assert next_host_side(history).side == UNITED_STATES
    assert next_host_side([]).side == CARIBBEAN


def test_a_clean_history_breaks_no_rule() -> None:
    history = [
        dialogue(2010, UNITED_STATES),
        dialogue(2011, CARIBBEAN),
        dialogue(2012, UNITED_STATES),
    ]
    history += [commission(y, m) for y in (2010, 2011, 2012) for m in (3, 10)]
    assert check([DIALOGUE, COMMISSION], history, first_year=2010, today=date(2013, 2, 1)) == []


def test_a_year_without_a_dialogue_and_a_year_with_one_commission_meeting() -> None:
    history = [dialogue(2010, UNITED_STATES), dialogue(2012, CARIBBEAN)]
    history += [commission(2010, 3), commission(2010, 10), commission(2011, 4)]
    history += [commission(2012, 3), commission(2012, 9), commission(2011, 10, CANCELLED)]
    found = check([DIALOGUE, COMMISSION], history, first_year=2010, today=date(2013, 1, 5))
    assert rules(found) == [("no_meeting", "DIALOGUE", 2011), ("too_few", "COMMISSION", 2011)]
    assert "2011" in found[0].message and "expects 2" in found[1].message


def test_the_current_year_is_not_judged_before_it_ends() -> None:
    history = [dialogue(2010, UNITED_STATES), commission(2010, 3), commission(2010, 9)]
    assert check([DIALOGUE, COMMISSION], history, first_year=2010, today=date(2011, 11, 30)) == []


def test_two_dialogues_on_the_same_side_in_a_row() -> None:
    history = [
        dialogue(2010, UNITED_STATES),
        dialogue(2011, UNITED_STATES),
        dialogue(2012, CARIBBEAN),
    ]
    found = check([DIALOGUE], history, first_year=2010, today=date(2013, 1, 1))
    assert rules(found) == [("same_side", "DIALOGUE", 2011)]


def test_a_working_group_past_its_sunset() -> None:
    twg = BodyRule("TWG-BORDER", "twg", sunset=date(2024, 12, 31))
    assert rules(check([twg], [], first_year=2020, today=date(2025, 1, 1))) == [
        ("past_sunset", "TWG-BORDER", None)
    ]
    assert check([twg], [], first_year=2020, today=date(2024, 12, 31)) == []
