"""The Framework's cadence rules as pure functions over a history of meetings.

The rules are data on each :class:`~seccoop.framework.models.Body`: the minimum number of meetings
a year (the Dialogue once, the Commission twice) and a venue rule (the Dialogue alternates between
the Caribbean and the United States). A Technical Working Group has a sunset date. Given the
meetings held (or planned, or cancelled), these functions say what the rules expect next and what
they find broken. Nothing here reads the database: callers pass plain records, so the rules can be
checked against hand-made histories.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

CARIBBEAN, UNITED_STATES = "caribbean", "us"
HELD, PLANNED, CANCELLED = "held", "planned", "cancelled"


@dataclass(frozen=True)
class BodyRule:
    code: str
    body_type: str  # dialogue, commission, twg, committee
    meetings_per_year: int | None = None
    alternates: bool = False  # the venue alternates between the Caribbean and the United States
    sunset: date | None = None  # a Technical Working Group's end date


@dataclass(frozen=True)
class MeetingRecord:
    body: str  # the body's code
    day: date  # the first day, in the venue's time zone
    status: str = HELD
    host_side: str = ""  # caribbean or us


@dataclass(frozen=True)
class Finding:
    rule: str  # no_meeting, too_few, same_side, past_sunset
    body: str
    year: int | None
    message: str


@dataclass(frozen=True)
class NextHost:
    side: str
    reason: str


def _held(meetings: list[MeetingRecord], body: str) -> list[MeetingRecord]:
    return sorted((m for m in meetings if m.body == body and m.status == HELD), key=lambda m: m.day)


def next_host_side(meetings: list[MeetingRecord], body: str = "DIALOGUE") -> NextHost:
    """The side that should host the body's next meeting under the alternation rule: the other
    side from the last meeting held. With no history, the Caribbean (the first Dialogue, in 2010,
    was held in Washington)."""
    held = [m for m in _held(meetings, body) if m.host_side in (CARIBBEAN, UNITED_STATES)]
    if not held:
        return NextHost(
            CARIBBEAN,
            _(
                "No meeting with a known host is recorded; the first Dialogue (2010) was held "
                "in Washington, so the Caribbean hosts."
            ),
        )
    last = held[-1]
    side = CARIBBEAN if last.host_side == UNITED_STATES else UNITED_STATES
    where = _("the United States") if last.host_side == UNITED_STATES else _("the Caribbean")
    return NextHost(
        side,
        _(
            "The last meeting held ({day}) was hosted in {where}; the venue alternates annually."
        ).format(day=f"{last.day:%Y-%m-%d}", where=where),
    )


def check(
    bodies: list[BodyRule], meetings: list[MeetingRecord], *, first_year: int, today: date
) -> list[Finding]:
    """Every broken cadence rule from ``first_year`` to the last finished year, plus sunsets.

    * a body with a minimum number of meetings a year held none in a finished year (the Dialogue:
      "no Dialogue held"), or fewer than the minimum (the Commission: "fewer than two");
    * two consecutive meetings of an alternating body held on the same side;
    * a Technical Working Group past its sunset date that still meets or is still active.
    """
    findings: list[Finding] = []
    last_finished = today.year - 1
    for body in bodies:
        held = _held(meetings, body.code)
        if body.meetings_per_year:
            per_year = Counter(m.day.year for m in held)
            for year in range(first_year, last_finished + 1):
                count = per_year.get(year, 0)
                if count == 0:
                    findings.append(
                        Finding(
                            "no_meeting",
                            body.code,
                            year,
                            _("No {body} meeting was held in {year}.").format(
                                body=body.code, year=year
                            ),
                        )
                    )
                elif count < body.meetings_per_year:
                    findings.append(
                        Finding(
                            "too_few",
                            body.code,
                            year,
                            _(
                                "{count} {body} meeting(s) held in {year}; the Framework "
                                "expects {expected}."
                            ).format(
                                count=count,
                                body=body.code,
                                year=year,
                                expected=body.meetings_per_year,
                            ),
                        )
                    )
        if body.alternates:
            sided = [m for m in held if m.host_side in (CARIBBEAN, UNITED_STATES)]
            for before, after in zip(sided, sided[1:], strict=False):
                if before.host_side == after.host_side:
                    findings.append(
                        Finding(
                            "same_side",
                            body.code,
                            after.day.year,
                            _(
                                "The {body} meetings of {first} and {second} were both hosted "
                                "on the same side; the venue alternates."
                            ).format(
                                body=body.code,
                                first=f"{before.day:%Y-%m-%d}",
                                second=f"{after.day:%Y-%m-%d}",
                            ),
                        )
                    )
        if body.sunset is not None and body.sunset < today:
            findings.append(
                Finding(
                    "past_sunset",
                    body.code,
                    None,
                    _("{body} passed its sunset date ({day}).").format(
                        body=body.code, day=f"{body.sunset:%Y-%m-%d}"
                    ),
                )
            )
    return findings
