"""Cadence where people decide: what the Framework's rules say about a meeting being scheduled,
the next Dialogue's host side, the secretariat's cadence panel, and the time zones to pick from.

Reads only, through the access policy; the rules themselves are the pure functions of
:mod:`seccoop.framework.cadence`. A planned meeting counts as it will be held, so a warning shows
while there is still time to act (a cancelled one does not count).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import available_timezones

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from seccoop.core.panels import Panel, PanelItem
from seccoop.core.policy import get_policy
from seccoop.framework.cadence import HELD, MeetingRecord, NextHost, check, next_host_side
from seccoop.framework.models import Body, Party

from .models import Meeting
from .services import body_rules


def side_name(side: str) -> str:
    return _("the United States") if side == "us" else _("the Caribbean")


def _projected(user: Any, exclude: int | None = None) -> list[MeetingRecord]:
    """Every meeting the user may see, planned ones counted as held, cancelled ones left out."""
    rows = (
        Meeting.objects.restrict(user, "view")
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("body__organisation", "host__organisation")
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return [
        MeetingRecord(m.body.organisation.code, m.local_start.date(), HELD, m.host_side)
        for m in rows
    ]


def next_dialogue_host(user: Any) -> NextHost:
    """The side that should host the next Dialogue, counting those already planned."""
    return next_host_side(_projected(user), "DIALOGUE")


def next_dialogue_text(user: Any) -> str:
    found = next_dialogue_host(user)
    return _("The next Dialogue is hosted by {side}. {reason}").format(
        side=side_name(found.side), reason=found.reason
    )


def meeting_warnings(meeting: Meeting, user: Any) -> list[str]:
    """What the cadence rules find wrong with this meeting as scheduled: a Dialogue on the same
    side as the one before it, or its body's year short of the meetings the Framework expects."""
    if meeting.body_id is None or meeting.start is None or not meeting.time_zone:
        return []
    if meeting.status == Meeting.Status.CANCELLED:
        return []
    body = Body.objects.select_related("organisation").get(
        pk=meeting.body_id
    )  # access: Framework reference data, public
    code = body.organisation.code
    day = meeting.local_start.date()
    others = _projected(user, exclude=meeting.pk)
    warnings: list[str] = []
    side = meeting.host_side
    if body.venue_rule == Body.VenueRule.ALTERNATE and side:
        before = [m for m in others if m.body == code and m.day < day]
        expected = next_host_side(before, code)
        if before and expected.side != side:
            warnings.append(
                _(
                    "This meeting is hosted on the same side as the last one ({where}); the "
                    "venue alternates, so {side} should host it. {reason}"
                ).format(
                    where=side_name(side), side=side_name(expected.side), reason=expected.reason
                )
            )
    if body.meetings_per_year:
        count = 1 + sum(1 for m in others if m.body == code and m.day.year == day.year)
        if count < body.meetings_per_year:
            warnings.append(
                _(
                    "{count} {body} meeting(s) held or planned in {year}; the Framework expects "
                    "{expected}."
                ).format(
                    count=count,
                    body=body.organisation.name,
                    year=day.year,
                    expected=body.meetings_per_year,
                )
            )
    return warnings


def cadence_warnings(user: Any, today: date | None = None) -> list[str]:
    """The cadence findings the secretariat acts on: the last finished year as held (a year
    without a Dialogue, fewer than two Commission meetings, two Dialogues on one side), this year
    as held and planned, and working groups past their sunset date."""
    today = today or timezone.localdate()
    rules = body_rules(user)
    held = [
        MeetingRecord(m.body.organisation.code, m.local_start.date(), m.status, m.host_side)
        for m in Meeting.objects.restrict(user, "view").select_related(
            "body__organisation", "host__organisation"
        )
    ]
    found = [
        f.message
        for f in check(rules, held, first_year=today.year - 1, today=today)
        if f.year is None or f.year >= today.year - 1
    ]
    this_year = check(
        [r for r in rules if r.meetings_per_year or r.alternates],
        _projected(user),
        first_year=today.year,
        today=date(today.year + 1, 1, 1),
    )
    for f in this_year:
        if f.year != today.year:
            continue
        if f.rule == "no_meeting":
            found.append(
                _("No {body} meeting is held or planned in {year}.").format(
                    body=f.body, year=today.year
                )
            )
        elif f.rule in ("too_few", "same_side"):
            found.append(f.message)
    return list(dict.fromkeys(found))


def cadence_panel(request: Any) -> Panel | None:
    """The secretariat's home panel: cadence warnings and the next Dialogue's host side."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not get_policy().can_add(Meeting, user):
        return None
    url = reverse("meetings:meeting_list")
    items = [PanelItem(message, url) for message in cadence_warnings(user)]
    items.append(PanelItem(next_dialogue_text(user), url))
    items.append(PanelItem(str(_("Schedule a meeting")), reverse("meetings:meeting_add")))
    return Panel("cadence", str(_("Meetings and cadence")), items)


def time_zone_choices(user: Any, current: str = "") -> list[tuple[str, Any]]:
    """IANA time zones for a select: the parties' own zones first, then every other zone."""
    parties = sorted(
        {p.time_zone for p in Party.objects.restrict(user, "view").only("time_zone")}
        | ({current} if current else set())
    )
    known = available_timezones()
    first = [(z, z) for z in parties if z in known or z == current]
    rest = [(z, z) for z in sorted(known) if z not in parties and not z.startswith("Etc/")]
    return [
        (str(_("The parties' time zones")), first),
        (str(_("Every time zone")), rest),
    ]
