"""Meetings: scheduling and numbering, iCalendar and private feeds, decisions (and plan adoption),
action items carried forward, the cadence through the API, TLP:RED meetings and the permission
matrix of the pages and endpoints."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from seccoop.accounts.models import ApiToken, User
from seccoop.core.markings import TLP
from seccoop.core.models import AuditEvent
from seccoop.framework.models import Body, Organisation, Party
from seccoop.meetings import services
from seccoop.meetings.models import ActionItem, CalendarFeed, Decision, Meeting
from seccoop.plan.models import PlanVersion
from seccoop.plan.services import seed_first_version, start_next_version

pytestmark = pytest.mark.django_db

POS = "America/Port_of_Spain"  # UTC-4 all year (no daylight saving time)
PERSONAS = ["anonymous", "outsider", "viewer", "brb_focal", "jam_focal", "secretariat"]
#: The number of queries of GET /api/v1/meetings/meetings (session, secretariat), whatever the
#: number of meetings: the session, the user, the user's memberships, the count, the page.
LIST_QUERIES = 5


# --- factories -----------------------------------------------------------------------------------


def body(code: str) -> Body:
    return Body.objects.select_related("organisation").get(organisation__code=code)


def party(iso3: str) -> Party:
    return Party.objects.select_related("organisation").get(iso3=iso3)


def make_meeting(
    actor: User,
    body_code: str = "COMMISSION",
    day: date = date(2026, 3, 10),
    hour: int = 10,
    *,
    minute: int = 0,
    hours: int = 8,
    zone: str = POS,
    status: str = Meeting.Status.PLANNED,
    tlp: str = TLP.GREEN,
    host: str | None = "TTO",
    city: str = "Port of Spain",
    title: str = "Regular meeting",
) -> Meeting:
    start = services.local_to_utc(day, hour, minute, zone)
    meeting = Meeting(
        body=body(body_code),
        title=title,
        start=start,
        end=start + timedelta(hours=hours),
        time_zone=zone,
        venue_city=city,
        host=party(host) if host else None,
        status=status,
        tlp=tlp,
    )
    return services.schedule(meeting, actor=actor)


def decide(meeting: Meeting, actor: User, text: str = "Agreed.", **kwargs: Any) -> Decision:
    number = kwargs.pop("number", None)
    return services.record_decision(
        Decision(meeting=meeting, text=text, **kwargs), actor=actor, number=number
    )


def action(
    meeting: Meeting, actor: User, title: str, due: date, owner: str | None = "JAM"
) -> ActionItem:
    item = ActionItem(
        meeting=meeting, title=title, due=due, owner_party=party(owner) if owner else None
    )
    return services.add_action_item(item, actor=actor)


def client(client_for: Any, persona: str) -> Any:
    c = client_for(None if persona == "anonymous" else persona)
    c.raise_request_exception = False
    return c


def parse(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def event_of(cal: Any) -> Any:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def summaries(cal: Any) -> set[str]:
    return {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content[:300]
    return response.json()["items"]


@pytest.fixture
def secretariat(users: dict[str, User]) -> User:
    return users["secretariat"]


# --- 1. scheduling -------------------------------------------------------------------------------


def test_schedule_numbers_by_body_and_year_in_the_venue_time_zone(secretariat: User) -> None:
    first = make_meeting(secretariat)
    second = make_meeting(secretariat, day=date(2026, 9, 15))
    assert (first.code, second.code) == ("COM-2026-1", "COM-2026-2")
    assert (first.year, first.sequence, second.sequence) == (2026, 1, 2)
    assert first.owner.code == "COMMISSION" and second.owner.code == "COMMISSION"
    first.refresh_from_db()
    assert first.start.astimezone(UTC).hour == 14  # 10:00 in Port of Spain
    assert (first.local_start.hour, first.local_start.date()) == (10, date(2026, 3, 10))
    # Another body keeps its own numbers.
    assert make_meeting(secretariat, "DIALOGUE", host="USA").code == "DIA-2026-1"
    # The year is the venue's: 31 December 21:00 in Port of Spain is 1 January in UTC.
    late = make_meeting(secretariat, day=date(2025, 12, 31), hour=21, hours=2)
    assert late.start.astimezone(UTC).year == 2026
    assert late.code == "COM-2025-1"
    # Editing a meeting keeps its number and bumps its version.
    first.title = "First regular meeting"
    services.schedule(first, actor=secretariat)
    first.refresh_from_db()
    assert (first.code, first.version) == ("COM-2026-1", 2)


def test_schedule_refuses_an_end_before_the_start_and_an_unknown_time_zone(
    secretariat: User,
) -> None:
    start = services.local_to_utc(date(2026, 4, 1), 10, 0, POS)
    backwards = Meeting(
        body=body("COMMISSION"),
        title="Backwards",
        start=start,
        end=start - timedelta(hours=1),
        time_zone=POS,
    )
    with pytest.raises(ValidationError) as exc:
        services.schedule(backwards, actor=secretariat)
    assert "end" in exc.value.message_dict
    backwards.end = start
    with pytest.raises(ValidationError) as exc:
        services.schedule(backwards, actor=secretariat)
    assert "end" in exc.value.message_dict
    mars = Meeting(
        body=body("COMMISSION"),
        title="Mars",
        start=start,
        end=start + timedelta(hours=1),
        time_zone="Mars/Olympus",
    )
    with pytest.raises(ValidationError) as exc:
        services.schedule(mars, actor=secretariat)
    assert "time_zone" in exc.value.message_dict
    assert "Mars/Olympus" in " ".join(exc.value.message_dict["time_zone"])
    with pytest.raises(ValidationError) as exc:
        services.local_to_utc(date(2026, 4, 1), 10, 0, "Mars/Olympus")
    assert "time_zone" in exc.value.message_dict
    assert not Meeting.objects.exists()


def test_moving_a_meeting_to_another_body_renumbers_it(secretariat: User) -> None:
    """schedule() renumbers a meeting whose year changes, but not one whose body changes: the
    meeting keeps a number its new body already uses."""
    make_meeting(secretariat)  # COM-2026-1
    misfiled = make_meeting(secretariat, "DIALOGUE", day=date(2026, 9, 15))  # DIA-2026-1
    misfiled.body = body("COMMISSION")
    services.schedule(misfiled, actor=secretariat)
    misfiled.refresh_from_db()
    assert misfiled.code == "COM-2026-2"


# --- 2. iCalendar --------------------------------------------------------------------------------


def test_one_meeting_as_ical_by_session_and_by_bearer_token(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    meeting = make_meeting(secretariat)
    url = f"/meetings/{meeting.pk}/calendar.ics"
    _token, raw = ApiToken.issue(users["jam_focal"], name="calendar", scope="read", days=1)
    by_session = client(client_for, "secretariat").get(url)
    by_token = client(client_for, "anonymous").get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")
    for response in (by_session, by_token):
        cal = parse(response)
        event = event_of(cal)
        assert event["DTSTART"].params["TZID"] == POS
        assert event["DTEND"].params["TZID"] == POS
        assert f"DTSTART;TZID={POS}:20260310T100000" in response.content.decode()
        start = event.decoded("DTSTART")
        assert start.astimezone(UTC).hour == 14
        assert start.astimezone(UTC) == meeting.start
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [POS]
        assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}/")
        assert str(event["UID"]) == f"meeting-{meeting.pk}@seccoop"
        assert str(event["SUMMARY"]).startswith("COM-2026-1 ")
        assert str(event["STATUS"]) == "CONFIRMED"
    anonymous = client(client_for, "anonymous")
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(url, HTTP_AUTHORIZATION="Bearer scp_nope_nope").status_code == 404
    assert client(client_for, "outsider").get(url).status_code == 404


def test_a_cancelled_meeting_is_sent_as_cancelled_with_a_higher_sequence(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    meeting.status = Meeting.Status.CANCELLED
    services.schedule(meeting, actor=secretariat)
    event = event_of(
        parse(client(client_for, "viewer").get(f"/meetings/{meeting.pk}/calendar.ics"))
    )
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2


# --- 3. private calendar feeds -------------------------------------------------------------------


def test_a_feed_lists_the_users_meetings_until_it_is_revoked(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    green = make_meeting(secretariat, day=date(2030, 3, 10), title="Green one")
    washington = make_meeting(
        secretariat,
        "DIALOGUE",
        day=date(2030, 5, 27),
        zone="America/New_York",
        host="USA",
        city="Washington",
        title="Dialogue",
    )
    red = make_meeting(secretariat, day=date(2030, 4, 10), tlp=TLP.RED, title="Red one")
    past = make_meeting(secretariat, day=date(2020, 3, 10), title="Past one")
    feed, raw = services.create_feed(users["brb_focal"])
    assert feed.digest != raw and raw not in feed.digest
    url = f"/meetings/feed/{raw}.ics"
    anonymous = client(client_for, "anonymous")
    cal = parse(anonymous.get(url))
    assert summaries(cal) == {f"{green.code} Green one", f"{washington.code} Dialogue"}
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {POS, "America/New_York"}
    starts = {str(e["SUMMARY"]): e.decoded("DTSTART").astimezone(UTC) for e in cal.walk("VEVENT")}
    assert starts[f"{washington.code} Dialogue"].hour == 14  # 10:00 EDT
    assert red.code not in anonymous.get(url).content.decode()
    assert past.code not in anonymous.get(url).content.decode()
    services.revoke_feed(feed)
    assert anonymous.get(url).status_code == 404
    assert anonymous.get("/meetings/feed/not-a-token.ics").status_code == 404


def test_feeds_are_created_and_revoked_on_the_page(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    make_meeting(secretariat, day=date(2030, 3, 10), title="Green one")
    jam = client(client_for, "jam_focal")
    created = jam.post("/meetings/calendar-feeds/new/")
    assert created.status_code == 200
    found = re.search(
        r'data-testid="feed-url">[^<]*<code>(http://testserver/meetings/feed/[^<]+\.ics)</code>',
        created.content.decode(),
    )
    assert found, created.content.decode()
    url = found.group(1).removeprefix("http://testserver")
    assert "COM-2030-1 Green one" in summaries(parse(client(client_for, "anonymous").get(url)))
    # The address is shown once: the list of feeds never shows it again.
    listing = jam.get("/meetings/calendar-feeds/")
    assert listing.status_code == 200
    assert url not in listing.content.decode() and 'data-testid="feed-url"' not in (
        listing.content.decode()
    )
    assert jam.get("/meetings/calendar-feeds/new/").status_code == 405
    feed = CalendarFeed.objects.get(user=users["jam_focal"])
    # Someone else cannot revoke it.
    revoke = f"/meetings/calendar-feeds/{feed.pk}/revoke/"
    assert client(client_for, "brb_focal").post(revoke).status_code == 404
    assert client(client_for, "secretariat").post(revoke).status_code == 404
    assert client(client_for, "anonymous").post(revoke).status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is None
    assert client(client_for, "anonymous").get(url).status_code == 200
    done = jam.post(revoke)
    assert done.status_code == 302 and done["Location"] == "/meetings/calendar-feeds/"
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client(client_for, "anonymous").get(url).status_code == 404


# --- 4. decisions and plan adoption --------------------------------------------------------------


def test_decisions_are_numbered_per_meeting(secretariat: User) -> None:
    meeting = make_meeting(secretariat)
    other = make_meeting(secretariat, day=date(2026, 9, 15))
    d1, d2 = decide(meeting, secretariat), decide(meeting, secretariat)
    assert (d1.number, d2.number) == (1, 2)
    assert (d1.code, d2.code) == ("COM-2026-1/D1", "COM-2026-1/D2")
    assert decide(other, secretariat).code == "COM-2026-2/D1"
    assert (d2.owner_id, d2.tlp) == (meeting.owner_id, meeting.tlp)
    with pytest.raises(ValidationError) as exc:
        decide(meeting, secretariat, number=2)
    assert "number" in exc.value.message_dict
    assert "COM-2026-1/D2" in " ".join(exc.value.message_dict["number"])
    assert decide(meeting, secretariat, number=7).code == "COM-2026-1/D7"
    assert decide(meeting, secretariat).number == 8
    assert list(meeting.decisions.values_list("number", flat=True)) == [1, 2, 7, 8]


def held_dialogue(actor: User, day: date = date(2025, 6, 10), **kwargs: Any) -> Meeting:
    """A Dialogue already held (its day is in the past): the only meeting whose decision adopts a
    plan version."""
    kwargs.setdefault("status", Meeting.Status.HELD)
    kwargs.setdefault("title", "High-Level Dialogue")
    return make_meeting(actor, "DIALOGUE", day, **kwargs)


def test_a_decision_of_a_held_dialogue_adopts_a_draft_plan_version(
    secretariat: User, client_for: Any
) -> None:
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    # 20:30 in Port of Spain on 10 June is 00:30 UTC on 11 June: the meeting's day is the 10th.
    meeting = held_dialogue(secretariat, hour=20, minute=30, hours=2)
    assert meeting.start.astimezone(UTC).date() == date(2025, 6, 11)
    decision = decide(
        meeting,
        secretariat,
        text="The Dialogue adopts the Plan of Action 2025.",
        kind=Decision.Kind.ADOPT_PLAN,
        plan_version=draft,
    )
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.status == PlanVersion.Status.ADOPTED
    assert draft.adopted_by == Organisation.objects.get(code="DIALOGUE")
    assert draft.adopted_on == date(2025, 6, 10)
    assert first.status == PlanVersion.Status.SUPERSEDED
    assert list(draft.decisions.all()) == [decision]
    assert decision.code == "DIA-2025-1/D1"
    page = client(client_for, "viewer").get(reverse("plan:version_detail", args=[draft.pk]))
    assert page.status_code == 200
    found = re.search(r'data-testid="adopting-decision">(.*?)</p>', page.content.decode(), re.S)
    assert found and "DIA-2025-1/D1" in found.group(1)
    assert f'href="/meetings/{meeting.pk}/"' in found.group(1)
    # Adopting it again is refused and writes nothing.
    version_before = draft.version
    with pytest.raises(ValidationError, match="only a draft can be adopted"):
        decide(
            meeting,
            secretariat,
            text="Adopted again.",
            kind=Decision.Kind.ADOPT_PLAN,
            plan_version=draft,
        )
    assert list(Decision.objects.values_list("number", flat=True)) == [1]
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.adopted_on) == (
        PlanVersion.Status.ADOPTED,
        version_before,
        date(2025, 6, 10),
    )
    with pytest.raises(ValidationError) as exc:
        decide(meeting, secretariat, kind=Decision.Kind.ADOPT_PLAN)
    assert "plan_version" in exc.value.message_dict
    assert Decision.objects.count() == 1


@pytest.mark.parametrize(
    ("body_code", "status", "day", "field", "words"),
    [
        ("COMMISSION", Meeting.Status.HELD, date(2025, 3, 10), "meeting.body", "COM-2025-1"),
        ("DIALOGUE", Meeting.Status.PLANNED, date(2025, 6, 10), "meeting.status", "is planned"),
        ("DIALOGUE", Meeting.Status.CANCELLED, date(2025, 6, 10), "meeting.status", "cancelled"),
        ("DIALOGUE", Meeting.Status.HELD, date(2099, 6, 10), "meeting.end", "DIA-2099-1 ends on"),
    ],
)
def test_only_a_held_dialogue_adopts_and_a_refusal_writes_nothing(
    secretariat: User, body_code: str, status: str, day: date, field: str, words: str
) -> None:
    """A Commission meeting, a planned or cancelled Dialogue, a Dialogue whose end is still to come:
    the adoption is refused naming the meeting's field, and neither the decision nor the adoption
    is written."""
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    meeting = make_meeting(secretariat, body_code, day, status=status)
    before = (draft.version, draft.status)
    with pytest.raises(ValidationError) as exc:
        decide(meeting, secretariat, kind=Decision.Kind.ADOPT_PLAN, plan_version=draft)
    assert list(exc.value.message_dict) == [field]
    assert words in " ".join(exc.value.message_dict[field])
    assert not Decision.objects.exists()
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (draft.version, draft.status, draft.adopted_on) == (*before, None)
    assert first.status == PlanVersion.Status.ADOPTED
    assert not AuditEvent.objects.filter(action="plan.adopted").exists()
    # A decision of another kind is recorded there as before.
    assert decide(meeting, secretariat, text="Noted.").number == 1


def test_an_adopting_decision_can_be_corrected_without_adopting_again(secretariat: User) -> None:
    """record_decision saves existing decisions too (it keeps their number), but for an adopting
    decision it calls the adoption again, which refuses the now adopted version."""
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    meeting = held_dialogue(secretariat)
    decision = decide(
        meeting,
        secretariat,
        text="Adopts the plan.",
        kind=Decision.Kind.ADOPT_PLAN,
        plan_version=draft,
    )
    draft.refresh_from_db()
    version_before = draft.version
    decision.text = "The Dialogue adopts the Plan of Action 2025."
    services.record_decision(decision, actor=secretariat)
    decision.refresh_from_db()
    draft.refresh_from_db()
    assert (decision.number, decision.text) == (1, "The Dialogue adopts the Plan of Action 2025.")
    assert (draft.status, draft.version) == (PlanVersion.Status.ADOPTED, version_before)
    assert AuditEvent.objects.filter(action="plan.adopted", object_id=str(draft.pk)).count() == 1


def test_the_api_records_decisions_and_adopts_only_through_a_held_dialogue(
    secretariat: User, client_for: Any
) -> None:
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    commission = make_meeting(secretariat, day=date(2025, 3, 10), status=Meeting.Status.HELD)
    dialogue = held_dialogue(secretariat)
    org = client(client_for, "secretariat")
    adopt = {"kind": "adopt_plan", "text": "Adopts the plan.", "plan_version": draft.pk}
    refused = org.post(
        f"/api/v1/meetings/meetings/{commission.pk}/decisions",
        adopt,
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.content
    assert [e["field"] for e in refused.json()["errors"]] == ["meeting.body"]
    assert not Decision.objects.exists()
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT
    # Only the organisers write decisions; others are refused (403), outsiders see nothing (404).
    url = f"/api/v1/meetings/meetings/{dialogue.pk}/decisions"
    denied = client(client_for, "jam_focal").post(url, adopt, content_type="application/json")
    assert denied.status_code == 403
    unknown = org.post(url, {**adopt, "plan_version": 999999}, content_type="application/json")
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.json()["errors"]] == ["plan_version"]
    created = org.post(url, adopt, content_type="application/json")
    assert created.status_code == 201, created.content
    assert (created.json()["code"], created.json()["plan_version"]) == ("DIA-2025-1/D1", draft.pk)
    draft.refresh_from_db()
    assert (draft.status, draft.adopted_on, draft.adopted_by.code) == (
        PlanVersion.Status.ADOPTED,
        date(2025, 6, 10),
        "DIALOGUE",
    )
    listed = client(client_for, "viewer").get(url)
    assert [d["code"] for d in listed.json()] == ["DIA-2025-1/D1"]


# --- 5. action items -----------------------------------------------------------------------------


def test_an_action_item_needs_an_owner(secretariat: User) -> None:
    meeting = make_meeting(secretariat)
    with pytest.raises(ValidationError) as exc:
        action(meeting, secretariat, "Nobody's job", date(2026, 6, 1), owner=None)
    assert "owner" in exc.value.message_dict
    assert not ActionItem.objects.exists()
    by_body = services.add_action_item(
        ActionItem(meeting=meeting, title="Draft", due=date(2026, 6, 1), owner_body=body("TWG")),
        actor=secretariat,
    )
    by_user = services.add_action_item(
        ActionItem(meeting=meeting, title="Call", due=date(2026, 6, 1), owner_user=secretariat),
        actor=secretariat,
    )
    assert (by_body.owner_label, by_user.owner_label) == (str(body("TWG")), "secretariat")


def test_overdue_items_in_the_service_and_the_api(secretariat: User, client_for: Any) -> None:
    today = timezone.localdate()
    meeting = make_meeting(secretariat)
    late = action(meeting, secretariat, "Late report", today - timedelta(days=3))
    action(meeting, secretariat, "Future report", today + timedelta(days=30))
    closed = action(meeting, secretariat, "Closed report", today - timedelta(days=10))
    services.close_action_item(closed, actor=secretariat)
    closed.refresh_from_db()
    assert (closed.status, closed.closed_on) == (ActionItem.Status.DONE, today)
    assert list(services.overdue(ActionItem.objects.all())) == [late]
    assert list(services.overdue(ActionItem.objects.all(), today=today - timedelta(days=5))) == []
    got = results(
        client(client_for, "secretariat").get("/api/v1/meetings/action-items?status=overdue")
    )
    assert got == [
        {
            "id": late.pk,
            "meeting": "COM-2026-1",
            "title": "Late report",
            "owner": "Jamaica",
            "due": (today - timedelta(days=3)).isoformat(),
            "status": "open",
            "overdue": True,
        }
    ]
    everything = results(client(client_for, "viewer").get("/api/v1/meetings/action-items"))
    assert {(i["title"], i["overdue"]) for i in everything} == {
        ("Late report", True),
        ("Future report", False),
        ("Closed report", False),
    }
    done = results(client(client_for, "viewer").get("/api/v1/meetings/action-items?status=done"))
    assert [i["title"] for i in done] == ["Closed report"]
    bad = client(client_for, "viewer").get("/api/v1/meetings/action-items?status=late")
    assert bad.status_code == 400


def test_open_items_are_carried_forward_to_the_next_meeting_of_the_same_body(
    secretariat: User, client_for: Any
) -> None:
    march = make_meeting(secretariat)
    september = make_meeting(secretariat, day=date(2026, 9, 15))
    dialogue = make_meeting(secretariat, "DIALOGUE", day=date(2026, 5, 27), host="USA")
    carried = action(march, secretariat, "Share the seizure statistics", date(2026, 6, 1))
    closed = action(march, secretariat, "Circulate the minutes", date(2026, 4, 1))
    services.close_action_item(closed, actor=secretariat)
    action(dialogue, secretariat, "Dialogue follow-up", date(2026, 6, 1))
    own = action(september, secretariat, "Prepare the next meeting", date(2027, 1, 15))
    assert list(services.carried_forward(september, secretariat)) == [carried]
    assert list(services.carried_forward(march, secretariat)) == []
    assert own not in services.carried_forward(september, secretariat)
    page = client(client_for, "viewer").get(f"/meetings/{september.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    found = re.search(r'<ul data-testid="carried">(.*?)</ul>', html, re.S)
    assert found, html
    assert "COM-2026-1: Share the seizure statistics" in found.group(1)
    assert "Circulate the minutes" not in found.group(1)
    assert "Dialogue follow-up" not in found.group(1)
    assert "Prepare the next meeting" not in found.group(1)
    first_page = client(client_for, "viewer").get(f"/meetings/{march.pk}/").content.decode()
    assert 'data-testid="carried"' not in first_page


# --- 6. cadence through the API ------------------------------------------------------------------


def test_the_next_dialogue_goes_to_the_other_side(secretariat: User, client_for: Any) -> None:
    api = client(client_for, "viewer")
    nobody = api.get("/api/v1/meetings/next-dialogue")
    assert nobody.status_code == 200 and nobody.json()["side"] == "caribbean"
    make_meeting(
        secretariat,
        "DIALOGUE",
        day=date(2010, 5, 27),
        zone="America/New_York",
        host="USA",
        city="Washington",
        status=Meeting.Status.HELD,
    )
    make_meeting(
        secretariat,
        "DIALOGUE",
        day=date(2011, 6, 7),
        zone="America/Jamaica",
        host="JAM",
        city="Kingston",
        status=Meeting.Status.HELD,
    )
    # A planned Dialogue does not count.
    make_meeting(secretariat, "DIALOGUE", day=date(2012, 6, 1), host="USA")
    got = api.get("/api/v1/meetings/next-dialogue")
    assert got.status_code == 200
    assert got.json()["side"] == "us"
    assert "2011-06-07" in got.json()["reason"]
    assert client(client_for, "anonymous").get("/api/v1/meetings/next-dialogue").status_code == 401


def test_the_cadence_findings(secretariat: User, client_for: Any) -> None:
    make_meeting(secretariat, day=date(2020, 3, 10), status=Meeting.Status.HELD)
    make_meeting(secretariat, day=date(2021, 3, 10), status=Meeting.Status.HELD)
    make_meeting(secretariat, day=date(2021, 10, 10), status=Meeting.Status.HELD)
    make_meeting(secretariat, day=date(2022, 3, 10), status=Meeting.Status.CANCELLED)
    response = client(client_for, "viewer").get("/api/v1/meetings/cadence")
    assert response.status_code == 200
    findings = {(f["rule"], f["body"], f["year"]): f["message"] for f in response.json()}
    assert ("too_few", "COMMISSION", 2020) in findings
    assert "expects 2" in findings["too_few", "COMMISSION", 2020]
    assert not any(key[1:] == ("COMMISSION", 2021) for key in findings)
    assert ("no_meeting", "COMMISSION", 2022) in findings  # a cancelled meeting is not held
    assert ("no_meeting", "DIALOGUE", 2010) in findings
    assert not any(key[2] == timezone.localdate().year for key in findings)


# --- 7. TLP:RED meetings -------------------------------------------------------------------------


def test_a_red_meeting_is_for_its_participants_only(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    red = make_meeting(secretariat, tlp=TLP.RED, title="Closed session")
    decision = decide(red, secretariat, text="Restricted decision.")
    item = action(red, secretariat, "Restricted follow-up", date(2020, 1, 1))
    red.participants.set([users["jam_focal"]])
    services.schedule(red, actor=secretariat)
    assert list(red.recipients.all()) == [users["jam_focal"]]
    for part in (decision, item):
        part.refresh_from_db()
        assert part.tlp == TLP.RED
        assert list(part.recipients.all()) == [users["jam_focal"]]
    added_later = decide(red, secretariat, text="Another restricted decision.")
    assert list(added_later.recipients.all()) == [users["jam_focal"]]
    green = make_meeting(secretariat, day=date(2026, 9, 15), title="Open session")
    pages = {
        p: (
            client(client_for, p).get(f"/meetings/{red.pk}/").status_code,
            client(client_for, p).get(f"/api/v1/meetings/meetings/{red.pk}").status_code,
            client(client_for, p).get(f"/meetings/{red.pk}/calendar.ics").status_code,
        )
        for p in ("jam_focal", "secretariat", "brb_focal", "viewer")
    }
    assert pages == {
        "jam_focal": (200, 200, 200),
        "secretariat": (404, 404, 404),
        "brb_focal": (404, 404, 404),
        "viewer": (404, 404, 404),
    }
    page = client(client_for, "jam_focal").get(f"/meetings/{red.pk}/").content.decode()
    assert "Restricted decision." in page and "Restricted follow-up" in page
    for persona, sees in {
        "jam_focal": True,
        "secretariat": False,
        "brb_focal": False,
        "viewer": False,
    }.items():
        api = client(client_for, persona)
        listed = {m["id"] for m in results(api.get("/api/v1/meetings/meetings"))}
        assert listed == ({red.pk, green.pk} if sees else {green.pk}), persona
        for url in (
            "/api/v1/meetings/action-items",
            "/api/v1/meetings/action-items?status=overdue",
        ):
            titles = [i["title"] for i in results(api.get(url))]
            assert titles == (["Restricted follow-up"] if sees else []), (persona, url)
        decisions = Decision.objects.restrict(users[persona], "view")
        assert set(decisions) == ({decision, added_later} if sees else set()), persona
        assert (red.code in api.get("/meetings/").content.decode()) is sees, persona
    # Nor is its action item carried forward to the next meeting for others, nor in their feeds.
    assert list(services.carried_forward(green, users["jam_focal"])) == [item]
    assert list(services.carried_forward(green, secretariat)) == []
    _feed, raw = services.create_feed(secretariat)
    red.start, red.end = red.start.replace(year=2030), red.end.replace(year=2030)
    services.schedule(red, actor=secretariat)
    feed = client(client_for, "anonymous").get(f"/meetings/feed/{raw}.ics")
    assert red.code not in feed.content.decode()


# --- 8. permission matrix and query count --------------------------------------------------------


@pytest.fixture
def records(secretariat: User) -> dict[str, Any]:
    return {"meeting": make_meeting(secretariat)}


# path template -> expected status per persona (anonymous, outsider, viewer, brb, jam, secretariat)
PAGES: dict[str, tuple[int, ...]] = {
    "/meetings/": (302, 200, 200, 200, 200, 200),
    "/meetings/{meeting}/": (302, 404, 200, 200, 200, 200),
    "/meetings/{meeting}/calendar.ics": (404, 404, 200, 200, 200, 200),
    "/meetings/calendar-feeds/": (302, 200, 200, 200, 200, 200),
    "/api/v1/meetings/meetings": (401, 200, 200, 200, 200, 200),
    "/api/v1/meetings/meetings/{meeting}": (401, 404, 200, 200, 200, 200),
    "/api/v1/meetings/action-items": (401, 200, 200, 200, 200, 200),
    "/api/v1/meetings/next-dialogue": (401, 200, 200, 200, 200, 200),
    "/api/v1/meetings/cadence": (401, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_each_persona_gets_what_the_policy_allows(
    path: str, records: dict[str, Any], client_for: Any
) -> None:
    url = path.format(**{k: v.pk for k, v in records.items()})
    got = tuple(client(client_for, p).get(url).status_code for p in PERSONAS)
    assert got == PAGES[path], dict(zip(PERSONAS, got, strict=True))


def test_the_meeting_list_shows_green_meetings_to_members_only(
    records: dict[str, Any], client_for: Any
) -> None:
    seen = {
        p: "COM-2026-1" in client(client_for, p).get("/meetings/").content.decode()
        for p in PERSONAS[1:]
    }
    assert seen == {p: p != "outsider" for p in PERSONAS[1:]}
    assert results(client(client_for, "outsider").get("/api/v1/meetings/meetings")) == []


def test_the_meeting_list_endpoint_has_a_fixed_number_of_queries(
    secretariat: User, client_for: Any
) -> None:
    api = client(client_for, "secretariat")
    url = "/api/v1/meetings/meetings"
    assert api.get(url).status_code == 200  # the first request also writes the session
    for n in range(3):
        make_meeting(secretariat, day=date(2026, 1 + n, 10), host=("TTO", "JAM", None)[n])
    reset_queries()
    with CaptureQueriesContext(connection) as three:
        response = api.get(url)
    assert len(three.captured_queries) == LIST_QUERIES, [q["sql"] for q in three]
    assert len(response.json()["items"]) == 3
    for n in range(7):
        make_meeting(secretariat, "DIALOGUE" if n % 2 else "TWG", day=date(2026, 4 + n, 10))
    reset_queries()
    with CaptureQueriesContext(connection) as ten:
        response = api.get(url)
    assert len(ten.captured_queries) == LIST_QUERIES, [q["sql"] for q in ten]
    items = response.json()["items"]
    assert len(items) == 10
    assert {i["body"] for i in items} == {"COMMISSION", "DIALOGUE", "TWG"}
    assert {i["host"] for i in items} == {"TTO", "JAM", None}


def test_the_home_page_lists_the_users_open_action_items(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    action(meeting, secretariat, "Send the national firearms data", date(2020, 1, 1))
    action(meeting, secretariat, "Host the next working group", date(2099, 1, 1))
    done = action(meeting, secretariat, "Already done", date(2020, 1, 1))
    services.close_action_item(done, actor=secretariat)
    action(meeting, secretariat, "Barbados's item", date(2020, 1, 1), owner="BRB")
    page = client(client_for, "jam_focal").get("/").content.decode()
    assert 'data-testid="panel-action-items"' in page
    assert f"{meeting.code}: Send the national firearms data (due 2020-01-01, overdue)" in page
    assert f"{meeting.code}: Host the next working group (due 2099-01-01)" in page
    assert "Already done" not in page and "Barbados&#x27;s item" not in page
    assert (
        'data-testid="panel-action-items"'
        not in client(client_for, "viewer").get("/").content.decode()
    )
