"""The meetings API's writes and filters: meetings are created and changed through
``services.schedule`` (If-Match for a change), agenda items, decisions and action items through
their services; the API lists take the list page's filters.

The permission matrix's promises hold for each write: anonymous 401, out of scope 404, visible but
not changeable 403 (a focal point, a viewer, a read-only token), the secretariat succeeds and
leaves a history row with its name."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from seccoop.accounts.models import ApiToken, User
from seccoop.core.markings import TLP
from seccoop.meetings.models import ActionItem, AgendaItem, Decision, Meeting
from seccoop.plan.models import PlanVersion
from seccoop.plan.services import seed_first_version, start_next_version

from .test_meetings import client, held_dialogue, make_meeting, results

pytestmark = pytest.mark.django_db

URL = "/api/v1/meetings/meetings"
JSON = "application/json"


@pytest.fixture
def secretariat(users: dict[str, User]) -> User:
    return users["secretariat"]


def payload(**changes: Any) -> dict[str, Any]:
    data = {
        "body": "COMMISSION",
        "title": "Second regular meeting",
        "start_date": "2026-09-14",
        "start_time": "10:00",
        "end_date": "2026-09-15",
        "end_time": "16:00",
        "time_zone": "America/Port_of_Spain",
        "venue_city": "Port of Spain",
        "host": "TTO",
    }
    data.update(changes)
    return data


def fields(response: Any) -> list[str]:
    assert response.status_code == 400, response.content
    return [e["field"] for e in response.json()["errors"]]


# --- meetings ------------------------------------------------------------------------------------


def test_the_secretariat_schedules_a_meeting_in_the_venue_time_zone(
    secretariat: User, client_for: Any
) -> None:
    make_meeting(secretariat)  # COM-2026-1
    api = client(client_for, "secretariat")
    created = api.post(URL, payload(), content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["host"], body["status"], body["version"]) == (
        "COM-2026-2",
        "TTO",
        "planned",
        1,
    )
    assert created["ETag"] == 'W/"1"'
    meeting = Meeting.objects.get(pk=body["id"])
    # 10:00 in Port of Spain (UTC-4) is 14:00 UTC
    assert meeting.start.astimezone(UTC).hour == 14
    assert meeting.local_start_text == "2026-09-14 10:00"
    assert meeting.owner.code == "COMMISSION"
    last = meeting.history.first()
    assert last is not None
    assert (last.history_user.username, last.history_change_reason) == (
        "secretariat",
        "Scheduled through the API",
    )


def test_a_meeting_that_cannot_be_scheduled_is_refused_naming_the_field(
    secretariat: User, client_for: Any
) -> None:
    api = client(client_for, "secretariat")
    assert fields(api.post(URL, payload(body="NOPE"), content_type=JSON)) == ["body"]
    assert fields(api.post(URL, payload(host="XXX"), content_type=JSON)) == [
        "host"
    ]  # XXX: no such party
    assert fields(api.post(URL, payload(time_zone="Mars/Olympus"), content_type=JSON)) == [
        "time_zone"
    ]
    assert fields(api.post(URL, payload(end_date="2026-09-13"), content_type=JSON)) == ["end"]
    assert fields(api.post(URL, payload(tlp="RED"), content_type=JSON)) == ["tlp"]
    assert fields(api.post(URL, payload(colour="blue"), content_type=JSON)) == ["colour"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("persona", ["jam_focal", "viewer", "outsider"])
def test_only_the_secretariat_schedules_meetings(
    persona: str, secretariat: User, client_for: Any
) -> None:
    refused = client(client_for, persona).post(URL, payload(), content_type=JSON)
    assert refused.status_code == 403
    assert client(client_for, "anonymous").post(URL, payload(), content_type=JSON).status_code == (
        401
    )
    assert not Meeting.objects.exists()


def test_a_read_only_token_cannot_write(secretariat: User, client_for: Any) -> None:
    _token, raw = ApiToken.issue(secretariat, name="reader", scope="read", days=1)
    api = client(client_for, "anonymous")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert api.get(URL, **auth).status_code == 200
    assert api.post(URL, payload(), content_type=JSON, **auth).status_code == 403
    _token, raw = ApiToken.issue(secretariat, name="writer", scope="write", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert api.post(URL, payload(), content_type=JSON, **auth).status_code == 201


def test_a_meeting_is_changed_with_if_match_and_a_stale_change_is_refused(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    api = client(client_for, "secretariat")
    url = f"{URL}/{meeting.pk}"
    etag = api.get(url)["ETag"]
    before = meeting.history.count()
    change = json.dumps({"status": "held", "start_time": "09:30"})
    changed = api.patch(url, change, content_type=JSON, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == 'W/"2"'
    assert (changed.json()["status"], changed.json()["version"]) == ("held", 2)
    meeting.refresh_from_db()
    assert meeting.local_start_text == "2026-03-10 09:30"
    assert meeting.history.count() == before + 1
    assert meeting.history.first().history_user.username == "secretariat"
    stale = api.patch(url, change, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["ETag"] == 'W/"2"'
    assert api.patch(url, change, content_type=JSON).status_code == 428
    conflict = api.patch(url, json.dumps({"version": 1, "title": "X"}), content_type=JSON)
    assert conflict.status_code == 409
    assert fields(
        api.patch(url, json.dumps({"end_date": "2026-03-01"}), content_type=JSON, HTTP_IF_MATCH="*")
    ) == ["end"]
    meeting.refresh_from_db()
    assert (meeting.version, meeting.title) == (2, "Regular meeting")
    midnight = api.patch(
        url, json.dumps({"start_time": "00:00"}), content_type=JSON, HTTP_IF_MATCH='W/"2"'
    )
    assert midnight.status_code == 200, midnight.content
    meeting.refresh_from_db()
    assert meeting.local_start_text == "2026-03-10 00:00"


def test_moving_a_meeting_to_another_body_through_the_api_renumbers_it(
    secretariat: User, client_for: Any
) -> None:
    make_meeting(secretariat, "DIALOGUE", date(2026, 6, 1))
    meeting = make_meeting(secretariat)
    api = client(client_for, "secretariat")
    moved = api.patch(
        f"{URL}/{meeting.pk}",
        json.dumps({"body": "DIALOGUE"}),
        content_type=JSON,
        HTTP_IF_MATCH='W/"1"',
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["code"] == "DIA-2026-2"


def test_a_meeting_out_of_scope_is_404_and_a_visible_one_403(
    secretariat: User, client_for: Any
) -> None:
    amber = make_meeting(secretariat, tlp=TLP.AMBER, title="Closed session")
    green = make_meeting(secretariat, day=date(2026, 4, 1))
    change = json.dumps({"title": "Renamed"})
    focal = client(client_for, "jam_focal")
    assert focal.get(f"{URL}/{amber.pk}").status_code == 404
    assert (
        focal.patch(f"{URL}/{amber.pk}", change, content_type=JSON, HTTP_IF_MATCH="*").status_code
        == 404
    )
    assert amber.pk not in {m["id"] for m in results(focal.get(URL))}
    assert (
        focal.patch(f"{URL}/{green.pk}", change, content_type=JSON, HTTP_IF_MATCH="*").status_code
        == 403
    )
    viewer = client(client_for, "viewer")  # the Commission's viewer sees the AMBER meeting
    assert viewer.get(f"{URL}/{amber.pk}").status_code == 200
    assert (
        viewer.patch(f"{URL}/{amber.pk}", change, content_type=JSON, HTTP_IF_MATCH="*").status_code
        == 403
    )
    valid = {
        "agenda": {"title": "Any other business"},
        "decisions": {"text": "Agreed."},
        "action-items": {"title": "Report", "due": "2026-05-01", "owner_party": "JAM"},
    }
    for path, body in valid.items():
        assert focal.post(f"{URL}/{amber.pk}/{path}", body, content_type=JSON).status_code == 404, (
            path
        )
        assert focal.post(f"{URL}/{green.pk}/{path}", body, content_type=JSON).status_code == 403, (
            path
        )
    amber.refresh_from_db()
    assert (amber.title, amber.version) == ("Closed session", 1)


# --- agenda, decisions, action items -------------------------------------------------------------


def test_agenda_items_go_at_the_end_unless_placed(secretariat: User, client_for: Any) -> None:
    meeting = make_meeting(secretariat)
    api = client(client_for, "secretariat")
    url = f"{URL}/{meeting.pk}/agenda"
    first = api.post(url, {"title": "Opening"}, content_type=JSON)
    assert first.status_code == 201, first.content
    second = api.post(url, {"title": "Review of the plan"}, content_type=JSON)
    assert (first.json()["order"], second.json()["order"]) == (1, 2)
    assert fields(
        api.post(url, {"title": "Paper", "document_url": "http://x.org/a"}, content_type=JSON)
    ) == ["document_url"]
    assert fields(api.post(url, {"title": "Plan", "plan_version": 999999}, content_type=JSON)) == [
        "plan_version"
    ]
    listed = api.get(url)
    assert [i["title"] for i in listed.json()] == ["Opening", "Review of the plan"]
    item = AgendaItem.objects.get(pk=first.json()["id"])
    assert (item.owner_id, item.tlp) == (meeting.owner_id, meeting.tlp)
    assert client(client_for, "jam_focal").post(
        url, {"title": "Any other business"}, content_type=JSON
    ).status_code == (403)
    assert AgendaItem.objects.count() == 2


def test_decisions_are_numbered_through_the_api(secretariat: User, client_for: Any) -> None:
    meeting = make_meeting(secretariat)
    api = client(client_for, "secretariat")
    url = f"{URL}/{meeting.pk}/decisions"
    codes = [api.post(url, {"text": t}, content_type=JSON).json()["code"] for t in ("One.", "Two.")]
    assert codes == ["COM-2026-1/D1", "COM-2026-1/D2"]
    placed = api.post(url, {"text": "Five.", "number": 5}, content_type=JSON)
    assert placed.json()["number"] == 5
    assert fields(api.post(url, {"text": "Again.", "number": 2}, content_type=JSON)) == ["number"]
    assert api.post(url, {"text": "Next."}, content_type=JSON).json()["number"] == 6
    assert [d["number"] for d in api.get(url).json()] == [1, 2, 5, 6]


def test_a_planned_dialogue_does_not_adopt_a_plan_version(
    secretariat: User, client_for: Any
) -> None:
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    planned = held_dialogue(secretariat, status=Meeting.Status.PLANNED)
    adopt = {"kind": "adopt_plan", "text": "Adopts the plan.", "plan_version": draft.pk}
    api = client(client_for, "secretariat")
    refused = api.post(f"{URL}/{planned.pk}/decisions", adopt, content_type=JSON)
    assert fields(refused) == ["meeting.status"]
    assert not Decision.objects.exists()
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT
    # Held, through the API: the same service as the plan's adoption endpoint.
    held = api.patch(
        f"{URL}/{planned.pk}",
        json.dumps({"status": "held"}),
        content_type=JSON,
        HTTP_IF_MATCH="*",
    )
    assert held.status_code == 200, held.content
    adopted = api.post(f"{URL}/{planned.pk}/decisions", adopt, content_type=JSON)
    assert adopted.status_code == 201, adopted.content
    draft.refresh_from_db()
    assert (draft.status, draft.adopted_on) == (PlanVersion.Status.ADOPTED, date(2025, 6, 10))


def test_action_items_are_given_and_closed_through_the_api(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    api = client(client_for, "secretariat")
    url = f"{URL}/{meeting.pk}/action-items"
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert fields(api.post(url, {"title": "Report", "due": due}, content_type=JSON)) == ["owner"]
    assert fields(
        api.post(
            url, {"title": "Report", "due": due, "owner_party": "XXX"}, content_type=JSON
        )  # XXX: no such party
    ) == ["owner_party"]
    assert fields(
        api.post(url, {"title": "Report", "due": due, "owner_body": "NOPE"}, content_type=JSON)
    ) == ["owner_body"]
    given = api.post(url, {"title": "Report", "due": due, "owner_party": "JAM"}, content_type=JSON)
    assert given.status_code == 201, given.content
    assert (given.json()["owner"], given.json()["status"]) == ("Jamaica", "open")
    item_url = f"/api/v1/meetings/action-items/{given.json()['id']}"
    etag = api.get(item_url)["ETag"]
    assert etag == 'W/"1"'
    # A focal point of the owning party sees the item but does not close it.
    assert (
        client(client_for, "jam_focal")
        .post(f"{item_url}/close", {}, content_type=JSON, HTTP_IF_MATCH=etag)
        .status_code
        == 403
    )
    assert fields(
        api.post(f"{item_url}/close", {"status": "late"}, content_type=JSON, HTTP_IF_MATCH=etag)
    ) == ["status"]
    assert api.post(f"{item_url}/close", {}, content_type=JSON).status_code == 428
    closed = api.post(
        f"{item_url}/close", {"status": "cancelled"}, content_type=JSON, HTTP_IF_MATCH=etag
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "cancelled"
    assert closed["ETag"] == 'W/"2"'
    stale = api.post(f"{item_url}/close", {}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    item = ActionItem.objects.get(pk=given.json()["id"])
    assert (item.status, item.closed_on) == ("cancelled", timezone.localdate())
    assert item.history.first().history_user.username == "secretariat"


def test_the_person_given_an_action_item_closes_it(
    users: dict[str, User], secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    item = ActionItem(
        meeting=meeting,
        title="Send the figures",
        due=date(2026, 4, 1),
        owner_user=users["jam_focal"],
    )
    from seccoop.meetings.services import add_action_item

    add_action_item(item, actor=secretariat)
    closed = client(client_for, "jam_focal").post(
        f"/api/v1/meetings/action-items/{item.pk}/close",
        {"version": 1},
        content_type=JSON,
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "done"


# --- filters: the page and the API agree ---------------------------------------------------------


def page_codes(response: Any) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"\b(?:COM|DIA|TWG)-\d{4}-\d+\b", response.content.decode()))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "body=commission",
        "body=DIALOGUE",
        "year=2025",
        "status=held",
        "side=us",
        "side=caribbean",
        "host=usa",
        "q=kingston",
        "format=virtual",
        "body=COMMISSION&year=2026&status=planned",
    ],
)
def test_the_list_page_and_the_api_filter_alike(
    query: str, secretariat: User, client_for: Any
) -> None:
    make_meeting(secretariat)  # COM-2026-1, TTO, planned
    make_meeting(
        secretariat, day=date(2025, 9, 1), status=Meeting.Status.HELD, host="JAM", city="Kingston"
    )  # COM-2025-1
    held_dialogue(secretariat, host="USA", city="Miami")  # DIA-2025-1
    Meeting.objects.filter(year=2025, body__organisation__code="DIALOGUE").update(format="virtual")
    api = {m["code"] for m in results(client(client_for, "viewer").get(f"{URL}?{query}"))}
    page = page_codes(client(client_for, "viewer").get(f"/meetings/?{query}"))
    assert api == page
    expected = {
        "": {"COM-2026-1", "COM-2025-1", "DIA-2025-1"},
        "body=commission": {"COM-2026-1", "COM-2025-1"},
        "body=DIALOGUE": {"DIA-2025-1"},
        "year=2025": {"COM-2025-1", "DIA-2025-1"},
        "status=held": {"COM-2025-1", "DIA-2025-1"},
        "side=us": {"DIA-2025-1"},
        "side=caribbean": {"COM-2026-1", "COM-2025-1"},
        "host=usa": {"DIA-2025-1"},
        "q=kingston": {"COM-2025-1"},
        "format=virtual": {"DIA-2025-1"},
        "body=COMMISSION&year=2026&status=planned": {"COM-2026-1"},
    }
    assert api == expected[query]


def test_the_api_orders_and_refuses_unknown_filter_values(
    secretariat: User, client_for: Any
) -> None:
    make_meeting(secretariat, title="B meeting")
    make_meeting(secretariat, day=date(2026, 5, 1), title="A meeting")
    api = client(client_for, "viewer")
    assert [m["title"] for m in results(api.get(f"{URL}?ordering=title"))] == [
        "A meeting",
        "B meeting",
    ]
    assert [m["title"] for m in results(api.get(f"{URL}?ordering=start"))] == [
        "B meeting",
        "A meeting",
    ]
    assert [m["title"] for m in results(api.get(f"{URL}?ordering=-start&limit=1"))] == ["A meeting"]
    assert fields(api.get(f"{URL}?status=someday")) == ["status"]
    assert fields(api.get(f"{URL}?ordering=colour")) == ["ordering"]
    assert fields(api.get(f"{URL}?year=1200")) == ["year"]
    page = api.get("/meetings/?status=someday")
    assert page.status_code == 200
    assert "COM-2026" not in page.content.decode()


def test_action_items_filter_by_meeting_body_and_owner(secretariat: User, client_for: Any) -> None:
    from .test_meetings import action

    today = timezone.localdate()
    first = make_meeting(secretariat)
    second = make_meeting(secretariat, "DIALOGUE", date(2026, 6, 1))
    action(first, secretariat, "Jamaica's report", today + timedelta(days=3))
    action(second, secretariat, "Barbados's report", today - timedelta(days=3), owner="BRB")
    api = client(client_for, "viewer")
    base = "/api/v1/meetings/action-items"

    def titles(query: str) -> list[str]:
        return sorted(i["title"] for i in results(api.get(f"{base}?{query}")))

    assert titles(f"meeting={first.pk}") == ["Jamaica's report"]
    assert titles("body=dialogue") == ["Barbados's report"]
    assert titles("owner_party=brb") == ["Barbados's report"]
    assert titles("status=overdue") == ["Barbados's report"]
    assert titles("q=jamaica") == ["Jamaica's report"]
    assert [i["title"] for i in results(api.get(f"{base}?ordering=-due"))] == [
        "Jamaica's report",
        "Barbados's report",
    ]
    assert fields(api.get(f"{base}?meeting=999999")) == ["meeting"]


def test_the_meeting_list_page_shows_its_filters(secretariat: User, client_for: Any) -> None:
    make_meeting(secretariat)
    page = client(client_for, "viewer").get("/meetings/?year=2026&side=caribbean")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("q", "body", "year", "status", "side", "host", "format", "tlp", "ordering"):
        assert f'name="{name}"' in html, name
    assert "Host side" in html
    assert "COM-2026-1" in html
