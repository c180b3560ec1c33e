"""Cadence is visible where people decide: scheduling warnings on the form and the meeting page,
the next Dialogue's host side, the secretariat's home panel, and time zones picked from a list."""

from __future__ import annotations

from datetime import date
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.markings import TLP
from seccoop.meetings.models import Meeting
from seccoop.meetings.scheduling import cadence_warnings

from .test_meetings import POS, body, make_meeting, party

pytestmark = pytest.mark.django_db


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "body": body("DIALOGUE").pk,
        "title": "Security Cooperation Dialogue",
        "start_date": "2026-05-12",
        "start_time": "09:00",
        "end_date": "2026-05-12",
        "end_time": "17:00",
        "time_zone": POS,
        "venue_city": "Port of Spain",
        "host": party("TTO").pk,
        "format": Meeting.Format.IN_PERSON,
        "status": Meeting.Status.PLANNED,
        "tlp": TLP.GREEN,
    }
    data.update(changes)
    return data


def text(response: Any) -> str:
    return unescape(response.content.decode())


def test_a_dialogue_on_the_same_side_warns_on_the_form_and_the_page(
    users: dict[str, User], client_for: Any
) -> None:
    secretariat = users["secretariat"]
    make_meeting(secretariat, "DIALOGUE", date(2025, 5, 6), status=Meeting.Status.HELD, host="JAM")
    client = client_for("secretariat")

    blank = text(client.get("/meetings/new/"))
    assert "The next Dialogue is hosted by the United States." in blank
    assert 'data-testid="warnings"' not in blank

    # Typed with a Caribbean host again: the form (back with an error) says so before saving.
    back = client.post("/meetings/new/", form(title=""))
    assert back.status_code == 400
    assert "hosted on the same side as the last one (the Caribbean)" in text(back)

    saved = client.post("/meetings/new/", form())
    assert saved.status_code == 302
    page = text(client.get(saved["Location"]))
    assert 'data-testid="warnings"' in page
    assert "the United States should host it" in page

    # Hosted in the United States, nothing to warn about.
    meeting = Meeting.objects.get(title="Security Cooperation Dialogue")
    meeting.host = party("USA")
    meeting.save()
    assert 'data-testid="warnings"' not in text(client.get(saved["Location"]))


def test_a_commission_year_short_of_two_meetings_warns(
    users: dict[str, User], client_for: Any
) -> None:
    only = make_meeting(users["secretariat"], "COMMISSION", date(2026, 3, 10))
    page = text(client_for("secretariat").get(f"/meetings/{only.pk}/"))
    assert (
        "1 Caribbean-United States Security Cooperation Commission meeting(s) held or planned "
        "in 2026; the Framework expects 2." in page
    )
    make_meeting(users["secretariat"], "COMMISSION", date(2026, 9, 10))
    assert "held or planned in 2026" not in text(
        client_for("secretariat").get(f"/meetings/{only.pk}/")
    )


def test_the_meetings_list_shows_the_next_dialogues_host(
    users: dict[str, User], client_for: Any
) -> None:
    make_meeting(
        users["secretariat"], "DIALOGUE", date(2024, 5, 6), status=Meeting.Status.HELD, host="USA"
    )
    page = text(client_for("jam_focal").get("/meetings/"))
    assert "The next Dialogue is hosted by the Caribbean." in page


def test_the_secretariats_home_shows_the_cadence_warnings(
    users: dict[str, User], client_for: Any
) -> None:
    year = timezone.localdate().year
    warnings = cadence_warnings(users["secretariat"])
    assert f"No DIALOGUE meeting was held in {year - 1}." in warnings
    assert f"No DIALOGUE meeting is held or planned in {year}." in warnings
    home = text(client_for("secretariat").get("/"))
    assert 'data-testid="panel-cadence"' in home
    assert f"No DIALOGUE meeting is held or planned in {year}." in home
    assert "The next Dialogue is hosted by" in home
    for other in ("jam_focal", "viewer"):
        assert 'data-testid="panel-cadence"' not in text(client_for(other).get("/"))


def test_time_zones_are_picked_from_a_list_with_the_parties_first(client_for: Any) -> None:
    page = client_for("secretariat").get("/meetings/new/").content.decode()
    select = page[
        page.index('name="time_zone"') : page.index("</select>", page.index('name="time_zone"'))
    ]
    assert "<optgroup" in select
    parties, rest = select.split("</optgroup>", 1)
    assert 'value="America/Port_of_Spain" selected' in parties
    assert 'value="America/Jamaica"' in parties
    assert 'value="Europe/Paris"' in rest and 'value="America/Jamaica"' not in rest
    bad = client_for("secretariat").post("/meetings/new/", form(time_zone="Mars/Olympus"))
    assert bad.status_code == 400
