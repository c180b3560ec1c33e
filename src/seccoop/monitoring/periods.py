"""Reporting periods as one value type: parse, format, contain, order, step.

Forms (``str(period)`` gives the canonical one, ``parse`` accepts it back):

* a calendar year ``2019``;
* a half ``2019-H1`` or ``2019-H2``;
* a quarter ``2019-Q1`` … ``2019-Q4``;
* a month ``2019-07``;
* a fiscal year ``FY2019``: twelve months ending in the year named, starting in the month given
  by ``fy_start`` (October for the U.S. federal year, so FY2019 runs 1 October 2018 to
  30 September 2019). A fiscal year starting in January is the calendar year.

Periods order by their first day, then their last day; ``a.contains(b)`` is true when ``b`` lies
entirely within ``a``. Nothing here touches the database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import total_ordering


class Kind(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    FISCAL = "fiscal"


#: Months in each kind of period.
MONTHS = {Kind.YEAR: 12, Kind.HALF: 6, Kind.QUARTER: 3, Kind.MONTH: 1, Kind.FISCAL: 12}
MIN_YEAR, MAX_YEAR = 1900, 2200

_PATTERNS = [
    (re.compile(r"^(\d{4})$"), Kind.YEAR),
    (re.compile(r"^(\d{4})-?H([12])$", re.I), Kind.HALF),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), Kind.QUARTER),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), Kind.MONTH),
    (re.compile(r"^FY ?(\d{4})$", re.I), Kind.FISCAL),
]


class PeriodError(ValueError):
    """A period that cannot be read or does not exist."""


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@total_ordering
@dataclass(frozen=True)
class Period:
    kind: Kind
    year: int
    index: int = 1  # half 1–2, quarter 1–4, month 1–12; 1 for years and fiscal years
    fy_start: int = 1  # the first month of a fiscal year (fiscal periods only)

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(f"year {self.year} is outside {MIN_YEAR}-{MAX_YEAR}")
        top = {Kind.HALF: 2, Kind.QUARTER: 4, Kind.MONTH: 12}.get(self.kind, 1)
        if not 1 <= self.index <= top:
            raise PeriodError(f"{self.kind} {self.index} does not exist")
        if not 1 <= self.fy_start <= 12:
            raise PeriodError(f"a fiscal year cannot start in month {self.fy_start}")

    # --- bounds -----------------------------------------------------------------------------

    @property
    def first_month(self) -> tuple[int, int]:
        if self.kind == Kind.FISCAL:
            if self.fy_start == 1:
                return self.year, 1
            return self.year - 1, self.fy_start
        return self.year, (self.index - 1) * MONTHS[self.kind] + 1

    @property
    def start(self) -> date:
        year, month = self.first_month
        return date(year, month, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        year, month = _add_months(*self.first_month, MONTHS[self.kind] - 1)
        return date(year, month, calendar.monthrange(year, month)[1])

    def contains(self, other: Period | date) -> bool:
        if isinstance(other, date):
            return self.start <= other <= self.end
        return self.start <= other.start and other.end <= self.end

    def __contains__(self, other: Period | date) -> bool:
        return self.contains(other)

    # --- order and steps --------------------------------------------------------------------

    def sort_key(self) -> tuple[date, date, str, int]:
        """First day, last day, then kind: two periods over the same days still order strictly."""
        return (self.start, self.end, self.kind.value, self.fy_start)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def shift(self, steps: int) -> Period:
        """The period ``steps`` later (earlier when negative), of the same kind."""
        if self.kind in (Kind.YEAR, Kind.FISCAL):
            return Period(self.kind, self.year + steps, 1, self.fy_start)
        per_year = 12 // MONTHS[self.kind]
        position = self.year * per_year + (self.index - 1) + steps
        return Period(self.kind, position // per_year, position % per_year + 1)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    # --- text -------------------------------------------------------------------------------

    def __str__(self) -> str:
        if self.kind == Kind.YEAR:
            return f"{self.year}"
        if self.kind == Kind.HALF:
            return f"{self.year}-H{self.index}"
        if self.kind == Kind.QUARTER:
            return f"{self.year}-Q{self.index}"
        if self.kind == Kind.MONTH:
            return f"{self.year}-{self.index:02d}"
        return f"FY{self.year}"


def parse(text: object, *, fy_start: int = 1) -> Period:
    """Read a period; ``fy_start`` is the first month of fiscal years (``FY…`` forms only)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if isinstance(text, float) and text.is_integer():
        text = str(int(text))
    if not isinstance(text, str):
        raise PeriodError(f"'{text}' is not a period")
    raw = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(raw)
        if match is None:
            continue
        year = int(match.group(1))
        index = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 1
        try:
            return Period(kind, year, index, fy_start if kind == Kind.FISCAL else 1)
        except PeriodError as exc:
            raise PeriodError(f"'{raw[:30]}' is not a period: {exc}") from None
    raise PeriodError(
        f"'{raw[:30]}' is not a period; write 2019, 2019-H1, 2019-Q3, 2019-07 or FY2019"
    )


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period of ``first``'s kind from ``first`` to ``last`` inclusive."""
    out: list[Period] = []
    current = first
    while current <= last and len(out) < 10_000:
        out.append(current)
        if current.end >= last.end:
            break
        current = current.next()
    return out
