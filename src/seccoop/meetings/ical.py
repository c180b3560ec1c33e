"""iCalendar (RFC 5545) for meetings: one event per meeting, in the venue's time zone.

Each event carries ``DTSTART``/``DTEND`` with the venue's ``TZID`` and a matching ``VTIMEZONE``,
a ``URL`` back to the meeting's page, a stable ``UID`` and a ``SEQUENCE`` that grows with every
change, so calendar programs update the event in place. A cancelled meeting is sent with
``STATUS:CANCELLED`` so that subscribers' calendars drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from icalendar import Calendar, Event

STATUS = {"planned": "CONFIRMED", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def calendar(meetings: Iterable[Any], url_for: Any, name: str = "seccoop") -> bytes:
    """The calendar of ``meetings``; ``url_for(meeting)`` gives each meeting's absolute URL."""
    cal = Calendar()
    cal.add("prodid", "-//seccoop//meetings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@seccoop")
        event.add("dtstamp", stamp)
        event.add("summary", f"{meeting.code} {meeting.title}")
        event.add("dtstart", meeting.local_start)
        event.add("dtend", meeting.local_end)
        event.add(
            "location", ", ".join(x for x in (meeting.venue_city, str(meeting.host or "")) if x)
        )
        event.add("url", url_for(meeting))
        event.add("status", STATUS.get(meeting.status, "CONFIRMED"))
        event.add("sequence", meeting.version)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
