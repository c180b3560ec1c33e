"""Key user flow in a real browser: the secretariat schedules a Commission meeting in the venue's
time, builds its agenda, is told that a Commission meeting cannot adopt a plan version, records the
adoption at the Dialogue already held and gives Jamaica's focal point an action item; the focal
point sees it on the home page, opens the meeting and adds it to their calendar."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar

from seccoop.accounts.models import User
from seccoop.framework.models import Body
from seccoop.meetings import services
from seccoop.meetings.models import ActionItem, AgendaItem, Decision, Meeting
from seccoop.plan.models import PlanVersion
from seccoop.plan.services import seed_first_version, start_next_version

from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POS = "America/Port_of_Spain"  # UTC-4 all year


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def world() -> tuple[PlanVersion, Meeting]:
    """The personas, the first Plan of Action version (adopted in 2010), a draft after it and a
    Dialogue held on 10 June 2025 in Port of Spain."""
    ensure_world()
    secretariat = User.objects.get(username="secretariat")
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2030, label="Plan of Action 2030")
    start = services.local_to_utc(date(2025, 6, 10), 9, 0, POS)
    dialogue = services.schedule(
        Meeting(
            body=Body.objects.get(organisation__code="DIALOGUE"),
            title="High-Level Dialogue 2025",
            start=start,
            end=start + timedelta(hours=8),
            time_zone=POS,
            status=Meeting.Status.HELD,
        ),
        actor=secretariat,
    )
    return draft, dialogue


def test_secretariat_schedules_a_meeting_and_the_focal_point_gets_its_action_item(
    live_server: Any, monkeypatch: Any
) -> None:
    draft, dialogue = world()
    base = live_server.url
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        # 1. The secretariat schedules a Commission meeting, 10:00-12:00 in Port of Spain.
        sign_in(page, base, "secretariat")
        page.goto(f"{base}/meetings/new/")
        page.get_by_label("Body", exact=True).select_option(
            label="Caribbean-United States Security Cooperation Commission"
        )
        page.get_by_label("Title", exact=True).fill("First regular meeting of 2030")
        page.get_by_label("First day").fill("2030-03-12")
        page.get_by_label("Starts at (venue time)").fill("10:00")
        page.get_by_label("Last day").fill("2030-03-12")
        page.get_by_label("Ends at (venue time)").fill("12:00")
        page.get_by_label("Venue time zone").select_option(POS)  # picked from a list
        page.get_by_label("Venue city").fill("Port of Spain")
        page.get_by_label("Host party").select_option(label="Trinidad and Tobago")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "COM-2030-1 · First regular meeting of 2030"
        )
        expect(page.get_by_test_id("when")).to_have_text(
            f"2030-03-12 10:00 – 2030-03-12 12:00 ({POS})"
        )
        meeting = Meeting.objects.get(body__organisation__code="COMMISSION")
        meeting_url = f"{base}/meetings/{meeting.pk}/"
        assert page.url == meeting_url
        assert meeting.start.astimezone(UTC).hour == 14

        # 2. Two agenda items, the second put at the end.
        for order, title in (("1", "Opening of the meeting"), ("", "The Plan of Action 2030")):
            page.get_by_role("link", name="Add an agenda item").click()
            page.get_by_label("Order").fill(order)
            page.get_by_label("Title", exact=True).fill(title)
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_test_id("agenda")).to_contain_text(title)
        agenda = page.get_by_test_id("agenda").locator("li")
        expect(agenda).to_have_count(2)
        expect(agenda.nth(0)).to_contain_text("Opening of the meeting")
        expect(agenda.nth(1)).to_contain_text("The Plan of Action 2030")

        # 3. The Commission meeting cannot adopt the draft plan version: the form says why and
        # nothing is saved. It records its recommendation instead; the Dialogue held in 2025
        # adopts it.
        page.get_by_role("link", name="Record a decision").click()
        page.get_by_label("Kind").select_option(label="Adoption of a plan version")
        page.get_by_label("Text").fill("The Commission adopts the Plan of Action 2030.")
        page.get_by_label("Plan version").select_option(label="Plan of Action 2030")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".errorlist-box")).to_contain_text(
            "Only a decision of the Dialogue adopts a plan version; COM-2030-1 is a meeting of "
            "the Caribbean-United States Security Cooperation Commission."
        )
        page.get_by_label("Kind").select_option(label="General")
        page.get_by_label("Text").fill("The Plan of Action 2030 is recommended to the Dialogue.")
        page.get_by_label("Plan version").select_option(label="Plan of Action 2030")
        page.get_by_role("button", name="Save").click()
        decisions = page.get_by_test_id("decisions")
        expect(decisions).to_contain_text("COM-2030-1/D1")
        expect(decisions).to_contain_text("recommended to the Dialogue")
        page.goto(f"{base}/meetings/{dialogue.pk}/decisions/new/")
        page.get_by_label("Kind").select_option(label="Adoption of a plan version")
        page.get_by_label("Text").fill("The Dialogue adopts the Plan of Action 2030.")
        page.get_by_label("Plan version").select_option(label="Plan of Action 2030")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("decisions")).to_contain_text("DIA-2025-1/D1")
        page.goto(meeting_url)
        page.get_by_role("link", name="Add an action item").click()
        page.get_by_label("Title", exact=True).fill("Send the national firearms data")
        page.get_by_label("Owner (person)").select_option(label="jam_focal")
        page.get_by_label("Due").fill("2030-04-30")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("action-items")).to_contain_text(
            "Send the national firearms data"
        )
        page.get_by_role("button", name="Sign out").click()

        # 4. The focal point finds the item on the home page, opens the meeting and adds it to
        # their calendar.
        sign_in(page, base, "jam_focal")
        page.goto(f"{base}/")
        panel = page.get_by_test_id("panel-action-items")
        expect(panel).to_contain_text(
            "COM-2030-1: Send the national firearms data (due 2030-04-30)"
        )
        panel.get_by_role("link", name="Send the national firearms data").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("COM-2030-1")
        assert page.url == meeting_url
        row = page.get_by_test_id("action-items").locator("tr", has_text="firearms data")
        expect(row.get_by_role("button", name="Mark done")).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_test_id("ics").click()
        download = download_info.value
        assert download.suggested_filename == "COM-2030-1.ics"
        calendar = Calendar.from_ical(Path(download.path()).read_bytes())
        (event,) = calendar.walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == POS
        assert event["DTEND"].params["TZID"] == POS
        assert event.decoded("DTSTART").astimezone(UTC).hour == 14
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [POS]
        assert str(event["URL"]) == meeting_url
        assert str(event["SUMMARY"]) == "COM-2030-1 First regular meeting of 2030"

        # The plan version's page names the decision that adopted it.
        page.goto(base + reverse("plan:version_detail", args=[draft.pk]))
        adopting = page.get_by_test_id("adopting-decision")
        expect(adopting).to_contain_text("DIA-2025-1/D1")
        adopting.get_by_role("link", name="DIA-2025-1/D1").click()
        assert page.url == f"{base}/meetings/{dialogue.pk}/"
        # The refused adoption answers 400 on purpose; chromium logs that status as an error.
        assert [e for e in errors if "status of 400" not in e] == []
        assert len(errors) == 1

    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.ADOPTED
    assert (draft.adopted_on, draft.adopted_by.code) == (date(2025, 6, 10), "DIALOGUE")
    assert list(AgendaItem.objects.values_list("order", "title")) == [
        (1, "Opening of the meeting"),
        (2, "The Plan of Action 2030"),
    ]
    assert [(d.code, d.kind, d.plan_version_id) for d in Decision.objects.order_by("pk")] == [
        ("COM-2030-1/D1", Decision.Kind.GENERAL, draft.pk),
        ("DIA-2025-1/D1", Decision.Kind.ADOPT_PLAN, draft.pk),
    ]
    item = ActionItem.objects.get()
    assert (item.owner_user.username, item.due, item.status) == (
        "jam_focal",
        date(2030, 4, 30),
        ActionItem.Status.OPEN,
    )
