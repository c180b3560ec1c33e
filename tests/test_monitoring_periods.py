"""Reporting periods: examples for each form, and properties that hold for every period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seccoop.monitoring.periods import (
    MAX_YEAR,
    MIN_YEAR,
    MONTHS,
    Kind,
    Period,
    PeriodError,
    parse,
    periods_between,
)

FAST = settings(max_examples=100, deadline=None)
THOROUGH = settings(max_examples=200, deadline=None)

TOP_INDEX = {Kind.YEAR: 1, Kind.HALF: 2, Kind.QUARTER: 4, Kind.MONTH: 12, Kind.FISCAL: 1}


@st.composite
def periods(
    draw: st.DrawFn,
    kinds: tuple[Kind, ...] = tuple(Kind),
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
) -> Period:
    kind = draw(st.sampled_from(kinds))
    year = draw(st.integers(min_year, max_year))
    index = draw(st.integers(1, TOP_INDEX[kind]))
    fy_start = draw(st.integers(1, 12)) if kind == Kind.FISCAL else 1
    return Period(kind, year, index, fy_start)


def months_of(year: int) -> list[Period]:
    return [Period(Kind.MONTH, year, m) for m in range(1, 13)]


# --- examples -------------------------------------------------------------------------------


def test_us_federal_fiscal_year_starts_the_october_before() -> None:
    fy = parse("FY2019", fy_start=10)
    assert fy.kind == Kind.FISCAL
    assert (fy.start, fy.end) == (date(2018, 10, 1), date(2019, 9, 30))
    assert str(fy) == "FY2019"


def test_fiscal_year_starting_in_january_is_the_calendar_year() -> None:
    fy = parse("FY2019", fy_start=1)
    year = parse("2019")
    assert (fy.start, fy.end) == (year.start, year.end) == (date(2019, 1, 1), date(2019, 12, 31))


def test_fiscal_year_starting_in_july() -> None:
    fy = parse("fy 2020", fy_start=7)
    assert (fy.start, fy.end) == (date(2019, 7, 1), date(2020, 6, 30))


def test_quarter_bounds() -> None:
    q3 = parse("2019-Q3")
    assert (q3.start, q3.end) == (date(2019, 7, 1), date(2019, 9, 30))


def test_half_bounds() -> None:
    assert (parse("2019-H1").start, parse("2019-H1").end) == (date(2019, 1, 1), date(2019, 6, 30))
    assert (parse("2019-H2").start, parse("2019-H2").end) == (date(2019, 7, 1), date(2019, 12, 31))


def test_february_ends_on_the_29th_in_a_leap_year() -> None:
    assert parse("2020-02").end == date(2020, 2, 29)
    assert parse("2019-02").end == date(2019, 2, 28)
    assert parse("1900-02").end == date(1900, 2, 28)  # divisible by 100, not by 400
    assert parse("2000-02").end == date(2000, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019q3", Period(Kind.QUARTER, 2019, 3)),
        ("2019Q3", Period(Kind.QUARTER, 2019, 3)),
        (" 2019-H1 ", Period(Kind.HALF, 2019, 1)),
        ("2019h2", Period(Kind.HALF, 2019, 2)),
        ("2019-7", Period(Kind.MONTH, 2019, 7)),
        ("2019-07", Period(Kind.MONTH, 2019, 7)),
        ("2019", Period(Kind.YEAR, 2019)),
        (2019, Period(Kind.YEAR, 2019)),
        (2019.0, Period(Kind.YEAR, 2019)),
        ("fy2019", Period(Kind.FISCAL, 2019)),
    ],
)
def test_parse_accepts(text: object, expected: Period) -> None:
    assert parse(text) == expected


def test_parse_gives_the_fiscal_start_only_to_fiscal_years() -> None:
    assert parse("FY2019", fy_start=10).fy_start == 10
    assert parse("2019", fy_start=10) == Period(Kind.YEAR, 2019)
    assert parse("2019-Q1", fy_start=10).fy_start == 1


@pytest.mark.parametrize(
    "text",
    ["2019-Q5", "2019-Q0", "2019-H3", "2019-13", "2019-00", "abc", "", "   ", None, True, False,
     2019.5, "1899", "2201", "FY1899", "2201-Q1", "19", "20190", [2019]],
)  # fmt: skip
def test_parse_rejects(text: object) -> None:
    with pytest.raises(PeriodError):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "2019-Q5",
        "abc",
        "",
        None,
        True,
        "1899",
        "2201",
        "2019-13",
    ],
)
def test_parse_error_names_the_bad_input(text: object) -> None:
    with pytest.raises(PeriodError) as caught:
        parse(text)
    assert str(text).strip() in str(caught.value)


def test_constructor_rejects_impossible_periods() -> None:
    with pytest.raises(PeriodError):
        Period(Kind.QUARTER, 2019, 5)
    with pytest.raises(PeriodError):
        Period(Kind.MONTH, 2019, 0)
    with pytest.raises(PeriodError):
        Period(Kind.FISCAL, 2019, 1, fy_start=13)
    with pytest.raises(PeriodError):
        Period(Kind.YEAR, MAX_YEAR + 1)


def test_contains_dates_and_the_in_operator() -> None:
    q3 = parse("2019-Q3")
    assert date(2019, 7, 1) in q3
    assert date(2019, 9, 30) in q3
    assert date(2019, 10, 1) not in q3
    assert parse("2019-08") in q3
    assert parse("2019-H2") not in q3


def test_fiscal_year_contains_the_quarters_it_spans() -> None:
    fy = parse("FY2019", fy_start=10)
    inside = [q for y in (2018, 2019) for q in (Period(Kind.QUARTER, y, i) for i in (1, 2, 3, 4))]
    assert [str(q) for q in inside if fy.contains(q)] == [
        "2018-Q4",
        "2019-Q1",
        "2019-Q2",
        "2019-Q3",
    ]


def test_steps_cross_year_boundaries() -> None:
    assert parse("2019-12").next() == parse("2020-01")
    assert parse("2020-Q1").previous() == parse("2019-Q4")
    assert parse("2019-H2").shift(3) == parse("2021-H1")
    assert parse("FY2019", fy_start=10).next() == parse("FY2020", fy_start=10)


def test_sorting_mixed_kinds_follows_first_then_last_day() -> None:
    items = [parse("2019-Q3"), parse("2019"), parse("2019-07"), parse("2019-H2"), parse("2018-12")]
    assert [str(p) for p in sorted(items)] == ["2018-12", "2019", "2019-07", "2019-Q3", "2019-H2"]


def test_periods_between_examples() -> None:
    assert [str(p) for p in periods_between(parse("2019-Q3"), parse("2020-Q2"))] == [
        "2019-Q3",
        "2019-Q4",
        "2020-Q1",
        "2020-Q2",
    ]
    assert periods_between(parse("2020"), parse("2019")) == []


@pytest.mark.parametrize("last", ["2200", "2200-H2", "2200-Q4", "2200-12", "FY2200"])
def test_periods_between_up_to_the_last_representable_period(last: str) -> None:
    end = parse(last)
    assert periods_between(end.previous(), end) == [end.previous(), end]


# --- properties -----------------------------------------------------------------------------


@THOROUGH
@given(periods())
def test_text_round_trip(p: Period) -> None:
    assert parse(str(p), fy_start=p.fy_start) == p


@FAST
@given(periods())
def test_start_is_not_after_end_and_the_length_matches_the_kind(p: Period) -> None:
    assert p.start <= p.end
    assert p.start.day == 1
    assert (p.end + timedelta(days=1)).day == 1
    months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1
    assert months == MONTHS[p.kind]
    assert p.contains(p.start) and p.contains(p.end)
    assert not p.contains(p.start - timedelta(days=1))
    assert not p.contains(p.end + timedelta(days=1))


@THOROUGH
@given(periods(max_year=MAX_YEAR - 1))
def test_next_starts_the_day_after_the_end(p: Period) -> None:
    following = p.next()
    assert following.kind == p.kind
    assert following.fy_start == p.fy_start
    assert following.start == p.end + timedelta(days=1)
    assert following.previous() == p
    assert p < following


@FAST
@given(periods(min_year=MIN_YEAR + 60, max_year=MAX_YEAR - 60), st.integers(-50, 50))
def test_shift_and_back(p: Period, n: int) -> None:
    assert p.shift(n).shift(-n) == p
    assert p.shift(0) == p


@FAST
@given(periods(min_year=MIN_YEAR, max_year=MAX_YEAR - 50), st.integers(0, 40))
def test_shift_equals_repeated_next(p: Period, n: int) -> None:
    stepped = p
    for _ in range(n):
        stepped = stepped.next()
    assert p.shift(n) == stepped


@FAST
@given(st.sampled_from(tuple(Kind)).flatmap(lambda k: st.tuples(periods((k,)), periods((k,)))))
def test_same_kind_order_follows_start_dates(pair: tuple[Period, Period]) -> None:
    a, b = pair
    if a.kind == Kind.FISCAL:
        b = Period(Kind.FISCAL, b.year, 1, a.fy_start)
    assert (a < b) == (a.start < b.start)
    assert (a == b) == (a.start == b.start)
    assert (a > b) == (a.start > b.start)


@FAST
@given(periods(), periods())
def test_order_follows_the_sort_key(a: Period, b: Period) -> None:
    assert (a < b) == (a.sort_key() < b.sort_key())
    assert (b < a) == (a.sort_key() > b.sort_key())
    if (a.start, a.end) != (b.start, b.end):
        assert (a < b) == ((a.start, a.end) < (b.start, b.end))
    if a.sort_key() != b.sort_key():
        assert (a > b) == (b < a)
        assert (a <= b) == (a < b)


def test_periods_with_the_same_days_are_not_greater_than_each_other() -> None:
    year, fiscal = parse("2019"), parse("FY2019", fy_start=1)
    assert (year.start, year.end) == (fiscal.start, fiscal.end)
    assert (year < fiscal) != (fiscal < year)
    assert not (year > fiscal and fiscal > year)


@FAST
@given(st.lists(periods(kinds=(Kind.MONTH, Kind.QUARTER, Kind.HALF, Kind.YEAR)), max_size=8))
def test_sorted_periods_have_non_decreasing_starts(items: list[Period]) -> None:
    ordered = sorted(items)
    assert [p.sort_key() for p in ordered] == sorted(p.sort_key() for p in items)


@FAST
@given(st.integers(MIN_YEAR + 1, MAX_YEAR - 1))
def test_year_contains_its_halves_quarters_and_months(year: int) -> None:
    whole = Period(Kind.YEAR, year)
    parts = (
        [Period(Kind.HALF, year, i) for i in (1, 2)]
        + [Period(Kind.QUARTER, year, i) for i in (1, 2, 3, 4)]
        + months_of(year)
    )
    assert all(whole.contains(p) for p in parts)
    neighbours = months_of(year - 1) + months_of(year + 1)
    assert not any(whole.contains(p) for p in neighbours)
    nearby = months_of(year - 1) + months_of(year) + months_of(year + 1)
    for i in (1, 2, 3, 4):
        quarter = Period(Kind.QUARTER, year, i)
        assert sum(quarter.contains(m) for m in nearby) == 3
        halves = [Period(Kind.HALF, year, h) for h in (1, 2)]
        assert [h.index for h in halves if h.contains(quarter)] == [(i + 1) // 2]


@FAST
@given(periods(min_year=MIN_YEAR + 1, max_year=MAX_YEAR - 1))
def test_each_period_contains_as_many_months_as_its_kind_says(p: Period) -> None:
    window = months_of(p.year - 1) + months_of(p.year) + months_of(p.year + 1)
    inside = [m for m in window if p.contains(m)]
    assert len(inside) == MONTHS[p.kind]
    assert inside[0].start == p.start and inside[-1].end == p.end


@FAST
@given(
    periods(min_year=2018, max_year=2020),
    periods(min_year=2018, max_year=2020),
    periods(min_year=2018, max_year=2020),
)
def test_containment_is_transitive(a: Period, b: Period, c: Period) -> None:
    if a.contains(b) and b.contains(c):
        assert a.contains(c)
    assert a.contains(a)


@FAST
@given(st.integers(MIN_YEAR, MAX_YEAR), st.integers(1, 12))
def test_containment_chain_month_quarter_half_year(year: int, month: int) -> None:
    m = Period(Kind.MONTH, year, month)
    q = Period(Kind.QUARTER, year, (month - 1) // 3 + 1)
    h = Period(Kind.HALF, year, (month - 1) // 6 + 1)
    y = Period(Kind.YEAR, year)
    chain = [y, h, q, m]
    for i, outer in enumerate(chain):
        for inner in chain[i:]:
            assert outer.contains(inner)
        for inner in chain[:i]:
            assert not outer.contains(inner)


@FAST
@given(periods(min_year=MIN_YEAR, max_year=MAX_YEAR - 40), st.integers(0, 30))
def test_periods_between_returns_consecutive_periods(first: Period, n: int) -> None:
    last = first.shift(n)
    got = periods_between(first, last)
    assert len(got) == n + 1
    assert got[0] == first and got[-1] == last
    for earlier, later in zip(got, got[1:], strict=False):
        assert later == earlier.next()
        assert later.start == earlier.end + timedelta(days=1)
        assert later.kind == first.kind
    if n:
        assert periods_between(last, first) == []
