"""Meetings for the secretariat, through the pages: scheduling in the venue's time, the agenda,
decisions (adopting a plan version), action items and who may close them, who may open the forms,
TLP:RED meetings, Technical Working Groups and their members, the Dialogue preparations checklist,
and the meeting pack (what it gathers, its query count, its PDF and DOCX, the web downloads and the
``seccoop meetings pack`` command)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from seccoop.accounts.models import Membership, Role, User
from seccoop.core.markings import TLP
from seccoop.framework.models import Body, Category, Organisation, Party
from seccoop.meetings import services
from seccoop.meetings.models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    PreparationTask,
    PreparationTemplate,
    WorkingGroupMember,
)
from seccoop.meetings.pack import DOCX, Pack, Section, gather, render_docx, render_pdf
from seccoop.monitoring.models import Indicator, Target, Value
from seccoop.monitoring.periods import Kind, Period
from seccoop.plan.models import Measure, Milestone, PlanVersion
from seccoop.plan.services import seed_first_version, start_next_version

from .test_meetings import (
    POS,
    action,
    body,
    client,
    decide,
    held_dialogue,
    make_meeting,
    party,
)

pytestmark = pytest.mark.django_db

JOINT_REPORT = "The joint annual report draft is circulated to the parties"


@pytest.fixture
def secretariat(users: dict[str, User]) -> User:
    return users["secretariat"]


def meeting_form(**changes: Any) -> dict[str, Any]:
    """The fields of the meeting form, as a browser posts them (times are the venue's)."""
    data: dict[str, Any] = {
        "body": body("COMMISSION").pk,
        "title": "First regular meeting of the Commission",
        "start_date": "2026-03-10",
        "start_time": "10:00",
        "end_date": "2026-03-10",
        "end_time": "12:00",
        "time_zone": POS,
        "venue_city": "Port of Spain",
        "host": party("TTO").pk,
        "format": Meeting.Format.IN_PERSON,
        "status": Meeting.Status.PLANNED,
        "tlp": TLP.GREEN,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def form_errors(response: Any) -> dict[str, list[str]]:
    """The errors a form page shows, by field name (``__all__`` for those at the top)."""
    html = response.content.decode()
    errors: dict[str, list[str]] = {}
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        name = re.search(r'<label for="id_(\w+)"', block)
        assert name, block
        errors[name.group(1)] = [
            unescape(e) for e in re.findall(r'<span class="error" role="alert">(.*?)</span>', block)
        ]
    top = re.search(r'<div class="errorlist-box" role="alert">(.*?)</div>', html, re.S)
    if top:
        errors["__all__"] = [
            unescape(e) for e in re.findall(r"<p class=\"error\">(.*?)</p>", top[1])
        ]
    return errors


def schedule_dialogue(actor: User, day: date, hour: int = 10) -> Meeting:
    return make_meeting(actor, "DIALOGUE", day=day, hour=hour, hours=2, host="USA")


# --- 1. scheduling through the form --------------------------------------------------------------


def test_the_secretariat_schedules_a_meeting_in_the_venue_time_zone(
    secretariat: User, client_for: Any
) -> None:
    response = client(client_for, "secretariat").post("/meetings/new/", meeting_form())
    assert response.status_code == 302, form_errors(response)
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    # 10:00-12:00 in Port of Spain (UTC-4) is stored as 14:00-16:00 UTC.
    assert meeting.start.astimezone(UTC).replace(tzinfo=None).isoformat() == "2026-03-10T14:00:00"
    assert meeting.end.astimezone(UTC).hour == 16
    assert meeting.time_zone == POS
    assert meeting.code == f"COM-{meeting.year}-1" == "COM-2026-1"
    assert meeting.owner.code == "COMMISSION"
    record = meeting.history.get()
    assert (record.history_user, record.history_change_reason) == (secretariat, "Created")
    page = client(client_for, "viewer").get(response["Location"]).content.decode()
    assert "COM-2026-1 · First regular meeting of the Commission" in page
    when = re.search(r'data-testid="when">(.*?)</dd>', page)
    assert when and when[1] == f"2026-03-10 10:00 – 2026-03-10 12:00 ({POS})"
    # The edit form shows the venue's wall-clock time again.
    edit = client(client_for, "secretariat").get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert 'name="start_time" value="10:00"' in edit and 'name="end_time" value="12:00"' in edit
    second = client(client_for, "secretariat").post(
        "/meetings/new/", meeting_form(start_date="2026-10-06", end_date="2026-10-06")
    )
    assert second.status_code == 302
    assert Meeting.objects.get(pk=second["Location"].split("/")[2]).code == "COM-2026-2"


def test_a_meeting_ending_before_it_starts_is_refused_and_nothing_is_written(
    client_for: Any,
) -> None:
    secretariat = client(client_for, "secretariat")
    response = secretariat.post("/meetings/new/", meeting_form(end_time="09:00"))
    assert response.status_code == 400
    assert form_errors(response) == {"end_time": ["A meeting must end after it starts."]}
    # A day earlier at a later hour is still before the start.
    response = secretariat.post(
        "/meetings/new/", meeting_form(end_date="2026-03-09", end_time="23:00")
    )
    assert response.status_code == 400
    assert "end_time" in form_errors(response)
    assert not Meeting.objects.exists()


def test_an_unknown_time_zone_is_refused_naming_the_field(client_for: Any) -> None:
    response = client_for("secretariat").post(
        "/meetings/new/", meeting_form(time_zone="Mars/Olympus")
    )
    assert response.status_code == 400
    errors = form_errors(response)
    assert list(errors) == ["time_zone"]
    assert "Mars/Olympus" in errors["time_zone"][0]
    assert not Meeting.objects.exists()


def test_a_stale_form_version_is_refused_with_409(secretariat: User, client_for: Any) -> None:
    meeting = make_meeting(secretariat)
    url = f"/meetings/{meeting.pk}/edit/"
    org = client(client_for, "secretariat")
    first = org.post(url, meeting_form(title="Renamed once", form_version=meeting.version))
    assert first.status_code == 302, form_errors(first)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version, meeting.code) == ("Renamed once", 2, "COM-2026-1")
    stale = org.post(url, meeting_form(title="Renamed twice", form_version=1))
    assert stale.status_code == 409
    assert "Someone else changed this record" in " ".join(form_errors(stale)["__all__"])
    missing = org.post(url, meeting_form(title="Renamed twice"))
    assert missing.status_code == 409
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("Renamed once", 2)
    assert meeting.history.count() == 2


# --- 2. agenda, decisions and action items through the forms -------------------------------------


def test_an_agenda_item_without_an_order_goes_to_the_end(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    org = client(client_for, "secretariat")
    url = f"/meetings/{meeting.pk}/agenda/new/"
    for order, title in (("1", "Opening"), ("5", "Status of the Plan of Action"), ("", "Other")):
        response = org.post(url, {"order": order, "title": title})
        assert response.status_code == 302, form_errors(response)
        assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert list(AgendaItem.objects.filter(meeting=meeting).values_list("order", "title")) == [
        (1, "Opening"),
        (5, "Status of the Plan of Action"),
        (6, "Other"),
    ]
    item = AgendaItem.objects.get(title="Other")
    assert (item.owner_id, item.tlp) == (meeting.owner_id, meeting.tlp)
    page = client(client_for, "viewer").get(f"/meetings/{meeting.pk}/").content.decode()
    agenda = re.search(r'<ol data-testid="agenda">(.*?)</ol>', page, re.S)
    assert agenda
    assert re.findall(r"<li>([^<·]+)", agenda[1]) == [
        "Opening",
        "Status of the Plan of Action",
        "Other",
    ]


def test_a_decision_number_already_taken_is_refused_naming_it(
    secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    org = client(client_for, "secretariat")
    url = f"/meetings/{meeting.pk}/decisions/new/"
    assert org.post(url, {"kind": "general", "text": "Noted."}).status_code == 302
    clash = org.post(url, {"number": "1", "kind": "general", "text": "Noted again."})
    assert clash.status_code == 400
    assert form_errors(clash) == {"number": ["COM-2026-1/D1 already exists."]}
    assert list(Decision.objects.values_list("number", "text")) == [(1, "Noted.")]
    assert org.post(url, {"number": "4", "kind": "general", "text": "Fourth."}).status_code == 302
    assert list(Decision.objects.values_list("number", flat=True)) == [1, 4]


def test_a_decision_adopts_a_draft_plan_version_and_refuses_an_adopted_one(
    secretariat: User, client_for: Any
) -> None:
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    meeting = held_dialogue(secretariat)
    org = client(client_for, "secretariat")
    url = f"/meetings/{meeting.pk}/decisions/new/"
    adopt = {
        "kind": Decision.Kind.ADOPT_PLAN,
        "text": "The Dialogue adopts the Plan of Action 2025.",
        "plan_version": draft.pk,
    }
    without = org.post(url, {**adopt, "plan_version": ""})
    assert without.status_code == 400
    assert form_errors(without) == {"plan_version": ["Name the plan version this decision adopts."]}
    response = org.post(url, adopt)
    assert response.status_code == 302, form_errors(response)
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.status == PlanVersion.Status.ADOPTED
    assert (draft.adopted_on, draft.adopted_by.code) == (date(2025, 6, 10), "DIALOGUE")
    assert first.status == PlanVersion.Status.SUPERSEDED
    decision = Decision.objects.get()
    assert (decision.code, decision.plan_version_id) == ("DIA-2025-1/D1", draft.pk)
    page = client(client_for, "viewer").get(reverse("plan:version_detail", args=[draft.pk]))
    found = re.search(r'data-testid="adopting-decision">(.*?)</p>', page.content.decode(), re.S)
    assert found and "DIA-2025-1/D1" in found[1]
    assert f'href="/meetings/{meeting.pk}/"' in found[1]
    # Adopting it again: a clear message on the form (400, not 500), and nothing written.
    again = org.post(url, {**adopt, "text": "Adopted again."})
    assert again.status_code == 400
    assert form_errors(again) == {
        "__all__": ["Plan of Action 2025 is already adopted; only a draft can be adopted."]
    }
    assert Decision.objects.count() == 1
    version = draft.version
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (PlanVersion.Status.ADOPTED, version)


def test_the_form_refuses_an_adoption_by_a_planned_meeting_and_writes_nothing(
    secretariat: User, client_for: Any
) -> None:
    """The finding: a decision of a planned meeting dated next June adopted a plan today. Now a
    Commission meeting and a planned Dialogue are refused with the field named, nothing saved."""
    first = seed_first_version()
    draft = start_next_version(first, actor=secretariat, year=2025, label="Plan of Action 2025")
    next_june = date(timezone.localdate().year + 1, 6, 10)
    planned = make_meeting(secretariat, "DIALOGUE", next_june, title="High-Level Dialogue")
    commission = make_meeting(secretariat, day=date(2025, 3, 10), status=Meeting.Status.HELD)
    org = client(client_for, "secretariat")
    adopt = {"kind": Decision.Kind.ADOPT_PLAN, "text": "Adopts.", "plan_version": draft.pk}
    on_planned = org.post(f"/meetings/{planned.pk}/decisions/new/", adopt)
    assert on_planned.status_code == 400
    assert form_errors(on_planned) == {
        "__all__": [
            f"Only a Dialogue that has been held adopts a plan version; {planned.code} is planned."
        ]
    }
    on_commission = org.post(f"/meetings/{commission.pk}/decisions/new/", adopt)
    assert on_commission.status_code == 400
    assert form_errors(on_commission) == {
        "__all__": [
            "Only a decision of the Dialogue adopts a plan version; COM-2025-1 is a meeting of "
            "the Caribbean-United States Security Cooperation Commission."
        ]
    }
    assert not Decision.objects.exists()
    draft.refresh_from_db()
    assert (draft.status, draft.adopted_on) == (PlanVersion.Status.DRAFT, None)


def test_an_action_item_without_an_owner_is_refused(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    meeting = make_meeting(secretariat)
    org = client(client_for, "secretariat")
    url = f"/meetings/{meeting.pk}/actions/new/"
    response = org.post(url, {"title": "Nobody's job", "due": "2026-06-01"})
    assert response.status_code == 400
    # The form's own check and the model's constraint both say it (the message shows twice).
    assert {k: set(v) for k, v in form_errors(response).items()} == {
        "__all__": {"An action item needs an owner: a party, a body or a person."}
    }
    assert not ActionItem.objects.exists()
    made = org.post(
        url, {"title": "Send the data", "due": "2026-06-01", "owner_user": users["jam_focal"].pk}
    )
    assert made.status_code == 302, form_errors(made)
    item = ActionItem.objects.get()
    assert (item.owner_user, item.due, item.status) == (
        users["jam_focal"],
        date(2026, 6, 1),
        "open",
    )


def test_who_may_close_an_action_item(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    meeting = make_meeting(secretariat)

    def item(title: str) -> ActionItem:
        return services.add_action_item(
            ActionItem(
                meeting=meeting, title=title, due=date(2026, 6, 1), owner_user=users["jam_focal"]
            ),
            actor=secretariat,
        )

    own, others, by_org = item("Own"), item("Someone else's"), item("The secretariat's")
    # The person it is assigned to sees the button and closes it.
    page = client(client_for, "jam_focal").get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'action="/meetings/actions/{own.pk}/close/"' in page
    done = client(client_for, "jam_focal").post(f"/meetings/actions/{own.pk}/close/")
    assert done.status_code == 302 and done["Location"] == f"/meetings/{meeting.pk}/"
    own.refresh_from_db()
    assert (own.status, own.closed_on) == (ActionItem.Status.DONE, timezone.localdate())
    assert own.history.first().history_user == users["jam_focal"]
    # Another focal point sees the item but may not close it; an outsider does not see it.
    page = client(client_for, "brb_focal").get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"/meetings/actions/{others.pk}/close/" not in page
    assert client(client_for, "brb_focal").post(
        f"/meetings/actions/{others.pk}/close/"
    ).status_code in (
        403,
        404,
    )
    assert (
        client(client_for, "outsider").post(f"/meetings/actions/{others.pk}/close/").status_code
        == 404
    )
    assert (
        client(client_for, "viewer").post(f"/meetings/actions/{others.pk}/close/").status_code
        == 403
    )
    others.refresh_from_db()
    assert others.status == ActionItem.Status.OPEN
    # The secretariat may close any, as done or cancelled.
    org = client(client_for, "secretariat")
    assert org.get(f"/meetings/actions/{by_org.pk}/close/").status_code == 405
    assert (
        org.post(f"/meetings/actions/{by_org.pk}/close/", {"status": "cancelled"}).status_code
        == 302
    )
    assert org.post(f"/meetings/actions/{others.pk}/close/").status_code == 302
    others.refresh_from_db()
    by_org.refresh_from_db()
    assert (others.status, by_org.status) == (ActionItem.Status.DONE, ActionItem.Status.CANCELLED)
    # An unknown status changes nothing.
    reopened = item("Unknown status")
    assert (
        org.post(f"/meetings/actions/{reopened.pk}/close/", {"status": "open"}).status_code == 302
    )
    reopened.refresh_from_db()
    assert reopened.status == ActionItem.Status.OPEN


# --- 3. who may open the forms; TLP:RED meetings -------------------------------------------------


# path -> status per persona (anonymous, outsider, viewer, jam_focal, secretariat)
FORMS: dict[str, tuple[int, ...]] = {
    "/meetings/new/": (302, 403, 403, 403, 200),
    "/meetings/{meeting}/edit/": (302, 404, 403, 403, 200),
    "/meetings/{meeting}/agenda/new/": (302, 404, 403, 403, 200),
    "/meetings/{meeting}/decisions/new/": (302, 404, 403, 403, 200),
    "/meetings/{meeting}/actions/new/": (302, 404, 403, 403, 200),
    "/meetings/agenda/{agenda}/edit/": (302, 404, 403, 403, 200),
    "/meetings/decisions/{decision}/edit/": (302, 404, 403, 403, 200),
    "/meetings/actions/{action}/edit/": (302, 404, 403, 403, 200),
}
FORM_PERSONAS = ["anonymous", "outsider", "viewer", "jam_focal", "secretariat"]


@pytest.mark.parametrize("path", list(FORMS))
def test_only_the_secretariat_opens_the_meeting_forms(
    path: str, secretariat: User, client_for: Any
) -> None:
    meeting = make_meeting(secretariat)
    ids = {
        "meeting": meeting.pk,
        "agenda": services.save_part(
            AgendaItem(meeting=meeting, order=1, title="Opening"), actor=secretariat
        ).pk,
        "decision": decide(meeting, secretariat).pk,
        "action": action(meeting, secretariat, "Report", date(2026, 6, 1)).pk,
    }
    url = path.format(**ids)
    got = tuple(client(client_for, p).get(url).status_code for p in FORM_PERSONAS)
    assert got == FORMS[path], dict(zip(FORM_PERSONAS, got, strict=True))


def test_a_focal_point_cannot_write_through_the_forms(secretariat: User, client_for: Any) -> None:
    meeting = make_meeting(secretariat)
    jam = client(client_for, "jam_focal")
    assert jam.post("/meetings/new/", meeting_form(title="Mine")).status_code == 403
    assert (
        jam.post(f"/meetings/{meeting.pk}/agenda/new/", {"title": "Mine", "order": ""}).status_code
        == 403
    )
    assert (
        jam.post(
            f"/meetings/{meeting.pk}/decisions/new/", {"kind": "general", "text": "Mine"}
        ).status_code
        == 403
    )
    assert Meeting.objects.count() == 1
    assert not AgendaItem.objects.exists() and not Decision.objects.exists()


def test_a_red_meeting_its_calendar_and_its_pack_are_for_participants_only(
    secretariat: User, client_for: Any, users: dict[str, User]
) -> None:
    red = make_meeting(secretariat, tlp=TLP.RED, title="Closed session")
    red.participants.set([users["jam_focal"]])
    services.schedule(red, actor=secretariat)
    urls = [
        f"/meetings/{red.pk}/",
        f"/meetings/{red.pk}/calendar.ics",
        f"/meetings/{red.pk}/pack.pdf",
        f"/meetings/{red.pk}/pack.docx",
    ]
    got = {
        p: [client(client_for, p).get(u).status_code for u in urls]
        for p in ("jam_focal", "brb_focal", "viewer", "secretariat")
    }
    assert got == {
        "jam_focal": [200, 200, 200, 200],
        "brb_focal": [404, 404, 404, 404],
        "viewer": [404, 404, 404, 404],
        "secretariat": [404, 404, 404, 404],
    }


# --- 4. Technical Working Groups -----------------------------------------------------------------


def make_group(
    code: str = "TWG-MARITIME",
    *,
    sunset: date | None = date(2099, 12, 31),
    may_include_ngos: bool = False,
) -> Body:
    """A Technical Working Group as the demo makes one: an organisation of kind body, and a body
    of type twg established under the ad hoc Technical Working Groups (TWG)."""
    parent = body("TWG")
    org = Organisation.objects.create(
        code=code,
        kind=Organisation.Kind.BODY,
        name=f"Technical Working Group {code}",
        side="joint",
        parent=parent.organisation,
    )
    group = Body.objects.create(
        organisation=org,
        body_type=Body.BodyType.TWG,
        parent=parent,
        cadence="As needed",
        mandate="Advance the information-sharing protocols.",
        established=date(2021, 3, 1),
        sunset=sunset,
        may_include_partners=True,
        may_include_ngos=may_include_ngos,
    )
    group.categories.set(Category.objects.filter(code__in=["I.a", "II.b"]))
    return group


def test_a_working_group_invites_a_partner_who_accepts_and_a_state_joins_directly(
    client_for: Any,
) -> None:
    group = make_group()
    org = client(client_for, "secretariat")
    listing = client(client_for, "viewer").get("/meetings/groups/")
    assert listing.status_code == 200
    assert "Technical Working Group TWG-MARITIME" in listing.content.decode()
    unodc = Organisation.objects.get(code="UNODC")
    invited = org.post(
        f"/meetings/groups/{group.pk}/invite/", {"organisation": unodc.pk, "note": "Observer"}
    )
    assert invited.status_code == 302 and invited["Location"] == f"/meetings/groups/{group.pk}/"
    member = WorkingGroupMember.objects.get(body=group, organisation=unodc)
    assert (member.status, member.invited_on, member.joined_on, member.note) == (
        WorkingGroupMember.Status.INVITED,
        timezone.localdate(),
        None,
        "Observer",
    )
    page = org.get(f"/meetings/groups/{group.pk}/").content.decode()
    assert f'action="/meetings/members/{member.pk}/answer/"' in page
    # A focal point may neither invite nor answer for the group.
    jam = client(client_for, "jam_focal")
    assert (
        jam.post(f"/meetings/groups/{group.pk}/invite/", {"organisation": unodc.pk}).status_code
        == 403
    )
    assert jam.post(f"/meetings/members/{member.pk}/answer/", {"accept": "1"}).status_code == 403
    accepted = org.post(f"/meetings/members/{member.pk}/answer/", {"accept": "1"})
    assert accepted.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.joined_on) == (
        WorkingGroupMember.Status.ACTIVE,
        timezone.localdate(),
    )
    # A State joins directly.
    jamaica = party("JAM").organisation
    assert (
        org.post(f"/meetings/groups/{group.pk}/invite/", {"organisation": jamaica.pk}).status_code
        == 302
    )
    state = WorkingGroupMember.objects.get(body=group, organisation=jamaica)
    assert (state.status, state.invited_on, state.joined_on) == (
        WorkingGroupMember.Status.ACTIVE,
        None,
        timezone.localdate(),
    )
    # Once is enough.
    again = org.post(f"/meetings/groups/{group.pk}/invite/", {"organisation": jamaica.pk})
    assert again.status_code == 400
    assert form_errors(again) == {
        "organisation": ["This organisation is already on this working group."]
    }
    assert WorkingGroupMember.objects.filter(body=group).count() == 2
    page = client(client_for, "viewer").get(f"/meetings/groups/{group.pk}/").content.decode()
    members = re.search(r'<table class="table" data-testid="members">(.*?)</table>', page, re.S)
    assert members
    rows = [re.sub(r"<[^>]+>", "|", r) for r in re.findall(r"<tr>(.*?)</tr>", members[1], re.S)]
    assert any("Jamaica" in r and "State" in r and "Member" in r for r in rows), rows
    assert any("UNODC" in r and "International partner" in r and "Member" in r for r in rows), rows
    # The group count on the list counts active members.
    assert "TWG-MARITIME" in client(client_for, "viewer").get("/meetings/groups/").content.decode()


def test_a_declined_invitation_cannot_be_answered_again(client_for: Any) -> None:
    group = make_group()
    org = client(client_for, "secretariat")
    eu = Organisation.objects.get(code="EU")
    assert (
        org.post(f"/meetings/groups/{group.pk}/invite/", {"organisation": eu.pk}).status_code == 302
    )
    member = WorkingGroupMember.objects.get(body=group)
    assert org.post(f"/meetings/members/{member.pk}/answer/", {"accept": "0"}).status_code == 302
    member.refresh_from_db()
    assert (member.status, member.joined_on) == (WorkingGroupMember.Status.DECLINED, None)
    late = org.post(f"/meetings/members/{member.pk}/answer/", {"accept": "1"}, follow=True)
    assert "Only a pending invitation can be answered." in late.content.decode()
    member.refresh_from_db()
    assert member.status == WorkingGroupMember.Status.DECLINED


def test_a_non_governmental_stakeholder_needs_the_groups_consent(
    client_for: Any,
) -> None:
    group = make_group(may_include_ngos=False)
    forum = Organisation.objects.create(
        code="CARIB-CSO-FORUM",
        kind=Organisation.Kind.NGO,
        name="Caribbean Civil Society Security Forum",
        side="caribbean",
    )
    org = client(client_for, "secretariat")
    url = f"/meetings/groups/{group.pk}/invite/"
    parent = body("TWG")
    assert parent.may_include_ngos  # the Framework allows the ad hoc groups to include NGOs
    # ... but each group's own rule decides: this one was established without them.
    refused = org.post(url, {"organisation": forum.pk})
    assert refused.status_code == 400
    assert form_errors(refused) == {
        "organisation": ["This working group may not include non-governmental stakeholders."]
    }
    assert not WorkingGroupMember.objects.exists()
    # Once the group's rule allows them, the stakeholder is invited.
    Body.objects.filter(pk=group.pk).update(may_include_ngos=True)
    assert org.post(url, {"organisation": forum.pk}).status_code == 302
    member = WorkingGroupMember.objects.get(body=group, organisation=forum)
    assert member.status == WorkingGroupMember.Status.INVITED
    assert member.kind_label == "Non-governmental stakeholder"
    # A body of the Framework is no member at all, and an unknown organisation is refused.
    commission = Organisation.objects.get(code="COMMISSION")
    assert org.post(url, {"organisation": commission.pk}).status_code == 400
    assert org.post(url, {"organisation": "999999"}).status_code == 400
    assert WorkingGroupMember.objects.count() == 1


def test_only_working_groups_have_group_pages(client_for: Any) -> None:
    viewer = client(client_for, "viewer")
    assert viewer.get(f"/meetings/groups/{body('COMMISSION').pk}/").status_code == 404
    assert viewer.get(f"/meetings/groups/{body('TWG').pk}/").status_code == 404
    assert viewer.get("/meetings/groups/nope/").status_code == 404
    assert client(client_for, "anonymous").get("/meetings/groups/").status_code == 302


def test_the_cadence_api_lists_a_working_group_past_its_sunset(client_for: Any) -> None:
    make_group("TWG-JUSTICE", sunset=date(2025, 12, 31))
    make_group("TWG-FIREARMS", sunset=timezone.localdate() + timedelta(days=400))
    page = client(client_for, "viewer").get(
        f"/meetings/groups/{Body.objects.get(organisation__code='TWG-JUSTICE').pk}/"
    )
    sunset = re.search(r'data-testid="sunset">(.*?)</dd>', page.content.decode(), re.S)
    assert sunset and "2025-12-31" in sunset[1] and "past its sunset date" in sunset[1]
    response = client(client_for, "viewer").get("/api/v1/meetings/cadence")
    assert response.status_code == 200
    sunsets = [f for f in response.json() if f["rule"] == "past_sunset"]
    assert sunsets == [
        {
            "rule": "past_sunset",
            "body": "TWG-JUSTICE",
            "year": None,
            "message": "TWG-JUSTICE passed its sunset date (2025-12-31).",
        }
    ]


def test_two_working_groups_meetings_have_different_codes(
    secretariat: User, tmp_path: Path
) -> None:
    make_group("TWG-MARITIME")
    make_group("TWG-FIREARMS")
    maritime = make_meeting(
        secretariat, "TWG-MARITIME", day=date(2026, 5, 12), host=None, title="Maritime"
    )
    firearms = make_meeting(
        secretariat, "TWG-FIREARMS", day=date(2026, 5, 20), host=None, title="Firearms"
    )
    assert maritime.code != firearms.code
    for meeting in (maritime, firearms):
        out = tmp_path / f"{meeting.pk}.docx"
        call_command("meetings", "pack", meeting.code, "--format", "docx", "--out", str(out))
        assert meeting.title in docx.Document(str(out)).paragraphs[0].text


# --- 5. the Dialogue preparations checklist ------------------------------------------------------


def test_a_dialogue_gets_its_preparations_and_they_move_with_it(
    secretariat: User, client_for: Any
) -> None:
    templates = list(PreparationTemplate.objects.filter(active=True))
    assert len(templates) == 7  # seeded by the migration
    retired = PreparationTemplate.objects.create(
        title="Send the fax", days_before=100, active=False
    )
    # 21:00 in Port of Spain on 10 June is already 11 June in UTC: the venue's day counts.
    response = client(client_for, "secretariat").post(
        "/meetings/new/",
        meeting_form(
            body=body("DIALOGUE").pk,
            title="High-Level Dialogue 2026",
            start_date="2026-06-10",
            start_time="21:00",
            end_date="2026-06-10",
            end_time="23:00",
            host=party("USA").pk,
        ),
    )
    assert response.status_code == 302, form_errors(response)
    dialogue = Meeting.objects.get()
    assert dialogue.start.astimezone(UTC).date() == date(2026, 6, 11)
    tasks = {t.template_id: t for t in PreparationTask.objects.filter(meeting=dialogue)}
    assert set(tasks) == {t.pk for t in templates}
    assert retired.pk not in tasks
    for template in templates:
        task = tasks[template.pk]
        assert (task.title, task.days_before, task.status) == (
            template.title,
            template.days_before,
            PreparationTask.Status.OPEN,
        )
        assert task.due == date(2026, 6, 10) - timedelta(days=template.days_before)
        assert (task.owner_id, task.tlp) == (dialogue.owner_id, dialogue.tlp)
    report = next(t for t in tasks.values() if t.title == JOINT_REPORT)
    assert report.due == date(2026, 5, 11)  # 30 days before
    # A Commission meeting has no preparations checklist.
    make_meeting(secretariat)
    assert PreparationTask.objects.count() == len(templates)

    # The secretariat ticks a task off on the meeting page.
    org = client(client_for, "secretariat")
    page = org.get(f"/meetings/{dialogue.pk}/").content.decode()
    assert 'data-testid="preparations"' in page and JOINT_REPORT in page
    venue = next(t for t in tasks.values() if t.days_before == 90)
    toggled = org.post(f"/meetings/tasks/{venue.pk}/toggle/")
    assert toggled.status_code == 302 and toggled["Location"] == f"/meetings/{dialogue.pk}/"
    venue.refresh_from_db()
    assert (venue.status, venue.done_on) == (PreparationTask.Status.DONE, timezone.localdate())
    assert (
        client(client_for, "jam_focal").post(f"/meetings/tasks/{report.pk}/toggle/").status_code
        == 403
    )
    assert org.get(f"/meetings/tasks/{report.pk}/toggle/").status_code == 405

    # The Dialogue moves three weeks later: open tasks move with it, the done one keeps its date.
    dialogue.refresh_from_db()
    moved = org.post(
        f"/meetings/{dialogue.pk}/edit/",
        meeting_form(
            body=body("DIALOGUE").pk,
            title="High-Level Dialogue 2026",
            start_date="2026-07-01",
            start_time="10:00",
            end_date="2026-07-02",
            end_time="17:00",
            host=party("USA").pk,
            form_version=dialogue.version,
        ),
    )
    assert moved.status_code == 302, form_errors(moved)
    after = {t.template_id: t for t in PreparationTask.objects.filter(meeting=dialogue)}
    assert len(after) == len(templates)
    for template in templates:
        task = after[template.pk]
        if task.pk == venue.pk:
            assert (task.status, task.due) == (PreparationTask.Status.DONE, venue.due)
        else:
            assert task.due == date(2026, 7, 1) - timedelta(days=template.days_before)
    assert after[report.template_id].due == date(2026, 6, 1)
    assert after[report.template_id].history.first().history_change_reason == "The Dialogue moved"
    # Toggling again reopens the task.
    assert org.post(f"/meetings/tasks/{venue.pk}/toggle/").status_code == 302
    venue.refresh_from_db()
    assert (venue.status, venue.done_on) == (PreparationTask.Status.OPEN, None)


def test_a_red_dialogues_preparations_follow_its_marking(
    secretariat: User, users: dict[str, User]
) -> None:
    dialogue = schedule_dialogue(secretariat, date(2026, 6, 10))
    dialogue.tlp = TLP.RED
    dialogue.participants.set([users["jam_focal"]])
    services.schedule(dialogue, actor=secretariat)
    tasks = PreparationTask.objects.filter(meeting=dialogue)
    assert {t.tlp for t in tasks} == {TLP.RED}
    assert PreparationTask.objects.restrict(users["jam_focal"], "view").count() == tasks.count()
    assert not PreparationTask.objects.restrict(secretariat, "view").exists()


# --- 6. the meeting pack: what it gathers --------------------------------------------------------


def off_track_indicator(approved: date = date(2026, 7, 15)) -> Indicator:
    """Jamaica's value for an indicator, approved on ``approved``, is far below its target: off
    track."""
    commission = Organisation.objects.get(code="COMMISSION")
    jam = Party.objects.get(iso3="JAM")
    indicator = Indicator.objects.create(
        owner=commission,
        tlp=TLP.CLEAR,
        code="IIB-SEIZE",
        name="Firearms seized",
        definition="Illegal firearms seized in the quarter.",
        unit="firearms",
        period_type=Kind.QUARTER.value,
        direction=Indicator.Direction.INCREASE,
        category=Category.objects.get(code="II.a"),
        decimals=0,
    )
    value = Value(
        indicator=indicator,
        state=jam,
        value=Decimal(20),
        owner_id=jam.organisation_id,
        tlp=TLP.AMBER,
        status=Value.Status.APPROVED,
        approved_at=datetime(approved.year, approved.month, approved.day, 12, tzinfo=UTC),
    )
    value.set_period(Period(Kind.QUARTER, 2026, 2))
    value.save()
    value.releasable_to.add(commission)
    target = Target(
        indicator=indicator,
        state=jam,
        value=Decimal(100),
        owner_id=jam.organisation_id,
        steward=commission,
    )
    target.set_period(Period(Kind.QUARTER, 2026, 2))
    target.save()
    return indicator


def milestone(measure: Measure, title: str, due: date, completed: date | None) -> Milestone:
    return Milestone.objects.create(
        measure=measure,
        title=title,
        due=due,
        completed_on=completed,
        owner=measure.owner,
        tlp=TLP.CLEAR,
    )


def sections(pack: Pack) -> dict[str, Section]:
    return {s.key: s for s in pack.sections}


@pytest.fixture
def pack_world(secretariat: User) -> dict[str, Any]:
    """Two Commission meetings (March, held; September, planned) with what a pack shows."""
    plan = seed_first_version()
    measure = plan.measures.get(code="III.A-4")
    march = make_meeting(secretariat, status=Meeting.Status.HELD, title="March meeting")
    september = make_meeting(secretariat, day=date(2026, 9, 15), title="September meeting")
    milestone(measure, "Protocol signed", date(2026, 5, 1), date(2026, 5, 4))
    milestone(measure, "Before the March meeting", date(2026, 1, 1), date(2026, 2, 1))
    milestone(measure, "After the September meeting", date(2026, 9, 1), date(2026, 9, 20))
    milestone(measure, "Training delivered", date(2026, 10, 1), None)
    late = action(march, secretariat, "Share the seizure statistics", date(2026, 6, 1))
    soon = action(march, secretariat, "Nominate the working group members", date(2026, 10, 20))
    done = action(march, secretariat, "Circulate the minutes", date(2026, 4, 1))
    services.close_action_item(done, actor=secretariat, on=date(2026, 3, 30))
    dialogue = action(
        make_meeting(secretariat, "DIALOGUE", day=date(2026, 5, 27), host="USA"),
        secretariat,
        "A Dialogue follow-up",
        date(2026, 6, 1),
    )
    return {
        "march": march,
        "september": september,
        "late": late,
        "soon": soon,
        "dialogue_item": dialogue,
        "measure": measure,
    }


def test_the_pack_gathers_each_section(pack_world: dict[str, Any], secretariat: User) -> None:
    off_track_indicator()
    september = pack_world["september"]
    pack = gather(september, secretariat, today=date(2026, 9, 1))
    assert pack.code == "COM-2026-2"
    assert pack.heading == "Meeting pack: COM-2026-2 September meeting"
    # A GREEN meeting's pack that shows reported values is marked at least AMBER.
    assert pack.marking == "TLP:AMBER"
    assert f"15 September 2026 10:00 to 15 September 2026 18:00 ({POS})" in pack.subtitle
    assert "Port of Spain" in pack.subtitle
    got = sections(pack)
    assert list(got) == [
        "agenda",
        "delegations",
        "previous_decisions",
        "previous_actions",
        "decisions",
        "implementation",
        "overdue",
        "off_track",
        "funding_gap",
        "upcoming",
    ]
    implementation = got["implementation"]
    assert implementation.title == "Implementation since the last meeting (10 March 2026)"
    measure = pack_world["measure"]
    assert implementation.rows == [
        [f"{measure.code} {measure.title}", "Protocol signed", "4 May 2026"]
    ]
    assert "6 measures" in implementation.note
    overdue = got["overdue"]
    assert overdue.columns == ["Meeting", "Action", "Owner", "Due", "Days late"]
    assert overdue.rows == [
        ["COM-2026-1", "Share the seizure statistics", "Jamaica", "1 June 2026", "92"]
    ]
    assert overdue.numeric == [4]
    assert got["off_track"].rows == [
        ["IIB-SEIZE Firearms seized", "Jamaica", "2026-Q2", "20", "100", "20%"]
    ]
    upcoming = got["upcoming"]
    # As of 1 September the milestone completed on 20 September was still due that day.
    assert [row[:3] for row in upcoming.rows] == [
        ["1 September 2026", "Milestone", f"{measure.code}: After the September meeting"],
        ["1 October 2026", "Milestone", f"{measure.code}: Training delivered"],
        ["20 October 2026", "Action item", "Nominate the working group members"],
    ]
    assert upcoming.rows[2][3] == "Jamaica"


def test_the_pack_shows_figures_with_the_indicators_decimals(secretariat: User) -> None:
    indicator = off_track_indicator()
    meeting = make_meeting(secretariat, day=date(2026, 9, 15))
    value = Value.objects.get(indicator=indicator)
    value.value = Decimal("1234.5678")
    value.save()
    Target.objects.filter(indicator=indicator).update(value=Decimal("10000"))
    indicator.decimals = 1
    indicator.save()
    row = sections(gather(meeting, secretariat, today=date(2026, 9, 1)))["off_track"].rows[0]
    # Shown with the indicator's decimals, whatever scale the database keeps.
    assert row[3:6] == ["1,234.6", "10,000.0", "12%"]


def test_an_empty_section_says_so(secretariat: User) -> None:
    meeting = make_meeting(secretariat, day=date(2026, 9, 15))
    got = sections(gather(meeting, secretariat, today=date(2026, 9, 1)))
    assert got["implementation"].rows == []
    assert got["implementation"].title == "Implementation to date (first meeting of this body)"
    assert got["implementation"].note == "No Plan of Action version yet."
    assert got["implementation"].empty == "No milestone was completed in this period."
    assert (got["overdue"].rows, got["overdue"].empty) == ([], "No action item is overdue.")
    assert (got["off_track"].rows, got["off_track"].empty) == ([], "No indicator is off track.")
    assert (got["upcoming"].rows, got["upcoming"].empty) == (
        [],
        "Nothing is due in the next 90 days.",
    )
    # The DOCX says it too.
    document = docx.Document(io.BytesIO(render_docx(gather(meeting, secretariat))))
    text = [p.text for p in document.paragraphs]
    assert "No action item is overdue." in text
    assert "No indicator is off track." in text


def test_the_pack_shows_only_what_the_reader_may_see(
    pack_world: dict[str, Any], secretariat: User, users: dict[str, User]
) -> None:
    red = make_meeting(
        secretariat, day=date(2026, 4, 10), tlp=TLP.RED, status=Meeting.Status.HELD, title="Red"
    )
    red.participants.set([users["jam_focal"]])
    services.schedule(red, actor=secretariat)
    action(red, secretariat, "A restricted follow-up", date(2026, 5, 1))
    september = pack_world["september"]
    for_org = sections(gather(september, secretariat, today=date(2026, 9, 1)))
    for_jam = sections(gather(september, users["jam_focal"], today=date(2026, 9, 1)))
    assert [r[1] for r in for_org["overdue"].rows] == ["Share the seizure statistics"]
    assert [r[1] for r in for_jam["overdue"].rows] == [
        "A restricted follow-up",
        "Share the seizure statistics",
    ]
    # For the participant, the red meeting is the previous one.
    assert for_jam["implementation"].title.endswith("(10 April 2026)")
    assert for_org["implementation"].title.endswith("(10 March 2026)")
    # The participant's pack lists the TLP:RED meeting's item, so it is marked TLP:RED itself.
    assert gather(september, users["jam_focal"], today=date(2026, 9, 1)).marking == "TLP:RED"
    assert gather(september, secretariat, today=date(2026, 9, 1)).marking == "TLP:GREEN"


def test_the_pack_has_a_fixed_number_of_queries(
    pack_world: dict[str, Any], secretariat: User
) -> None:
    off_track_indicator()
    march, september = pack_world["march"], pack_world["september"]

    def count() -> tuple[int, Pack]:
        with CaptureQueriesContext(connection) as queries:
            pack = gather(september, secretariat, today=date(2026, 9, 1))
        return len(queries.captured_queries), pack

    def more_overdue(n: int) -> None:
        for k in range(n):
            owner = ("BRB", "TTO", "DOM")[k % 3]
            action(march, secretariat, f"Overdue {k}", date(2026, 5, 1) + timedelta(days=k), owner)

    more_overdue(1)
    count()  # the first call also reads the user's memberships, then kept on the user
    few, pack = count()
    assert len(sections(pack)["overdue"].rows) == 2
    more_overdue(18)
    many, pack = count()
    assert len(sections(pack)["overdue"].rows) == 20
    assert few == many, (few, many)
    # 26: the publication gate reads which figures are published in one query of its own.
    assert many <= 26


def paper_world(pack_world: dict[str, Any], secretariat: User) -> Meeting:
    """The September meeting with its agenda, delegations, draft decisions and minutes, and the
    March meeting's decisions."""
    march, september = pack_world["march"], pack_world["september"]
    decide(march, secretariat, "The Commission adopts its rules of procedure.")
    for title in ("Opening", "Review of the action items"):
        services.add_agenda_item(AgendaItem(meeting=september, title=title), actor=secretariat)
    september.delegations.set([party("JAM"), party("TTO")])
    decide(september, secretariat, "The Commission takes note of the report.")
    september.minutes = "The meeting opened at 10:00.\n\nThe chair welcomed the delegations."
    return services.schedule(september, actor=secretariat)


def test_the_pack_is_the_meetings_paper(pack_world: dict[str, Any], secretariat: User) -> None:
    september = paper_world(pack_world, secretariat)
    pack = gather(september, secretariat, today=date(2026, 9, 1))
    assert pack.cover == [
        ["Body", str(september.body)],
        ["Meeting", "COM-2026-2"],
        ["Dates", f"15 September 2026 10:00 to 15 September 2026 18:00 ({POS})"],
        ["Venue", "Port of Spain"],
        ["Host", "Trinidad and Tobago"],
        ["Marking", "TLP:GREEN"],
    ]
    # The meeting is still ahead: its figures are as of today, and the pack says so.
    assert pack.as_of == "Figures as of 1 September 2026"
    got = sections(pack)
    assert list(got) == [
        "agenda",
        "delegations",
        "previous_decisions",
        "previous_actions",
        "decisions",
        "minutes",
        "implementation",
        "overdue",
        "off_track",
        "funding_gap",
        "upcoming",
    ]
    assert got["agenda"].rows == [
        ["1", "Opening", ""],
        ["2", "Review of the action items", ""],
    ]
    assert got["agenda"].numeric == [0]
    assert got["delegations"].rows == [["Jamaica", "JAM"], ["Trinidad and Tobago", "TTO"]]
    assert got["previous_decisions"].title == "Decisions of the previous meeting (COM-2026-1)"
    assert got["previous_decisions"].rows == [
        ["COM-2026-1/D1", "General", "The Commission adopts its rules of procedure."]
    ]
    # The March meeting's items still open on 1 September; the one closed in March is not.
    assert got["previous_actions"].rows == [
        ["Share the seizure statistics", "Jamaica", "1 June 2026"],
        ["Nominate the working group members", "Jamaica", "20 October 2026"],
    ]
    assert got["decisions"].title == "Draft decisions"
    assert got["decisions"].rows == [
        ["COM-2026-2/D1", "General", "The Commission takes note of the report."]
    ]
    assert got["minutes"].text == [
        "The meeting opened at 10:00.",
        "The chair welcomed the delegations.",
    ]
    assert pack.annexes == []
    # The DOCX has the same order, after the cover and the as-of line.
    document = docx.Document(io.BytesIO(render_docx(pack)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.title for s in pack.sections]
    texts = [p.text for p in document.paragraphs]
    assert texts.index("Figures as of 1 September 2026") < texts.index(headings[0])
    cover = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cover == pack.cover
    assert "The chair welcomed the delegations." in texts
    assert render_pdf(pack).startswith(b"%PDF")


def test_the_first_meeting_of_a_body_says_it_has_no_previous_meeting(secretariat: User) -> None:
    meeting = make_meeting(secretariat, day=date(2026, 9, 15))
    got = sections(gather(meeting, secretariat, today=date(2026, 9, 1)))
    for key in ("previous_decisions", "previous_actions"):
        assert (got[key].rows, got[key].empty) == ([], "This is the body's first meeting.")
    assert (got["agenda"].rows, got["agenda"].empty) == ([], "No agenda item yet.")
    assert "minutes" not in got


def test_a_long_list_continues_in_an_annex_that_holds_every_row(
    pack_world: dict[str, Any], secretariat: User
) -> None:
    march, september = pack_world["march"], pack_world["september"]
    for k in range(99):
        action(march, secretariat, f"Overdue {k:03}", date(2026, 4, 1) + timedelta(days=k % 50))
    pack = gather(september, secretariat, today=date(2026, 9, 1))
    overdue = sections(pack)["overdue"]
    assert len(overdue.rows) == 60
    # The open items of the previous meeting (all 101) come first in the pack: Annex A.
    previous = sections(pack)["previous_actions"]
    assert previous.more == "41 more rows follow in Annex A."
    assert [a.key for a in pack.annexes] == ["annex_previous_actions", "annex_overdue"]
    assert overdue.more == "40 more rows follow in Annex B."
    annex = pack.annexes[1]
    assert annex.title == "Annex B: Overdue action items (continued)"
    assert annex.columns == overdue.columns and annex.numeric == [4]
    titles = [r[1] for r in overdue.rows + annex.rows]
    assert len(titles) == len(set(titles)) == 100
    assert "Share the seizure statistics" in titles
    document = docx.Document(io.BytesIO(render_docx(pack)))
    texts = [p.text for p in document.paragraphs]
    assert "40 more rows follow in Annex B." in texts
    assert texts.index("Annex B: Overdue action items (continued)") > texts.index(
        "Upcoming deadlines (next 90 days)"
    )
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert sum(1 for r in rows if len(r) == 5 and r[1].startswith("Overdue ")) == 99
    assert render_pdf(pack).startswith(b"%PDF")


def test_the_pack_is_as_of_the_meeting_day(pack_world: dict[str, Any], secretariat: User) -> None:
    """Downloaded after the meeting, the pack shows what was known on its day: a value approved
    later, a milestone completed later and an action item closed later are as they were then."""
    september = pack_world["september"]
    indicator = off_track_indicator(approved=date(2026, 9, 16))
    services.close_action_item(pack_world["late"], actor=secretariat, on=date(2026, 9, 20))
    pack = gather(september, secretariat, today=date(2026, 12, 1))
    assert pack.as_of == "Figures as of 15 September 2026"
    got = sections(pack)
    assert got["off_track"].rows == []
    assert [r[1] for r in got["overdue"].rows] == ["Share the seizure statistics"]
    assert got["overdue"].rows[0][4] == "106"  # days late on 15 September
    assert "After the September meeting" not in [r[1] for r in got["implementation"].rows]
    # No figure drawn from reported values is shown, so the pack keeps the meeting's marking.
    assert pack.marking == "TLP:GREEN"
    # Approved on the meeting's day (in the venue's time zone), the value counts.
    Value.objects.filter(indicator=indicator).update(
        approved_at=datetime(2026, 9, 15, 23, 0, tzinfo=UTC)  # 19:00 in Port of Spain
    )
    pack = gather(september, secretariat, today=date(2026, 12, 1))
    assert [r[0] for r in sections(pack)["off_track"].rows] == ["IIB-SEIZE Firearms seized"]
    assert pack.marking == "TLP:AMBER"


def test_the_pack_in_spanish(pack_world: dict[str, Any], secretariat: User) -> None:
    indicator = off_track_indicator()
    indicator.decimals = 1
    indicator.save()
    Value.objects.filter(indicator=indicator).update(value=Decimal("1234.5678"))
    Target.objects.filter(indicator=indicator).update(value=Decimal("10000"))
    september = paper_world(pack_world, secretariat)
    with translation.override("es"):
        pack = gather(september, secretariat, today=date(2026, 9, 1))
    got = sections(pack)
    assert pack.lang == "es"
    assert pack.heading == "Carpeta de la reunión: COM-2026-2 September meeting"
    assert [row[0] for row in pack.cover[:2]] == ["Órgano", "Reunión"]
    assert got["agenda"].title == "Orden del día"
    assert got["delegations"].title == "Delegaciones"
    assert got["overdue"].title == "Puntos de acción vencidos"
    assert got["overdue"].columns[1:4] == ["Acción", "Propietario", "Fecha prevista"]
    assert got["overdue"].rows[0][3] == "1 de junio de 2026"
    assert got["implementation"].rows[0][2] == "4 de mayo de 2026"
    assert got["off_track"].rows[0][3:5] == [
        "1\N{NO-BREAK SPACE}234,6",
        "10\N{NO-BREAK SPACE}000,0",
    ]
    assert "15 de septiembre de 2026 10:00" in pack.cover[2][1]
    # The same pack in English, for comparison: one format per language.
    english = sections(gather(september, secretariat, today=date(2026, 9, 1)))
    assert english["off_track"].rows[0][3:5] == ["1,234.6", "10,000.0"]


def test_the_pack_follows_the_pages_language(pack_world: dict[str, Any], client_for: Any) -> None:
    september = pack_world["september"]
    viewer = client(client_for, "viewer")
    with translation.override("es"):
        url = reverse("meetings:meeting_pack", args=[september.pk, "docx"])
    assert url.startswith("/es/")
    # The request activates Spanish for this thread; the override puts English back after it.
    with translation.override("en"):
        word = viewer.get(url)
    assert word.status_code == 200
    document = docx.Document(io.BytesIO(word.content))
    assert document.core_properties.language == "es"
    assert "Puntos de acción vencidos" in [p.text for p in document.paragraphs]


def test_the_docx_is_a4_with_fitted_columns_and_numbers_aligned_right(
    pack_world: dict[str, Any], secretariat: User
) -> None:
    off_track_indicator()
    pack = gather(pack_world["september"], secretariat, today=date(2026, 9, 1))
    document = docx.Document(io.BytesIO(render_docx(pack)))
    page = document.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    usable = page.page_width - page.left_margin - page.right_margin
    assert round(usable / Mm(1)) == 174
    for table in document.tables:
        assert sum(c.width for c in table.columns) <= usable
    overdue = next(t for t in document.tables if t.rows[0].cells[0].text == "Meeting")
    header, row = overdue.rows[0].cells, overdue.rows[1].cells
    assert [c.text for c in row] == [
        "COM-2026-1",
        "Share the seizure statistics",
        "Jamaica",
        "1 June 2026",
        "92",
    ]
    assert row[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert header[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert row[1].paragraphs[0].alignment is None  # text stays at the left
    figures = next(t for t in document.tables if t.rows[0].cells[0].text == "Indicator")
    assert [figures.rows[1].cells[i].paragraphs[0].alignment for i in (3, 4, 5)] == [
        WD_ALIGN_PARAGRAPH.RIGHT
    ] * 3


def test_the_pack_query_count_does_not_grow_with_its_lists(
    pack_world: dict[str, Any], secretariat: User
) -> None:
    off_track_indicator()
    march, september = pack_world["march"], pack_world["september"]
    measure = pack_world["measure"]

    def grow(start: int, n: int) -> None:
        for k in range(start, start + n):
            action(march, secretariat, f"Overdue {k}", date(2026, 5, 1) + timedelta(days=k % 90))
            decide(march, secretariat, f"Decision {k}")
            decide(september, secretariat, f"Draft {k}")
            services.add_agenda_item(
                AgendaItem(meeting=september, title=f"Item {k}"), actor=secretariat
            )
            milestone(
                measure, f"Step {k}", date(2026, 4, 1), date(2026, 4, 1) + timedelta(days=k % 90)
            )

    def count() -> tuple[int, Pack]:
        with CaptureQueriesContext(connection) as queries:
            pack = gather(september, secretariat, today=date(2026, 9, 1))
        return len(queries.captured_queries), pack

    grow(0, 2)
    count()  # the first call also reads the user's memberships, then kept on the user
    few, pack = count()
    assert len(sections(pack)["agenda"].rows) == 2
    grow(2, 98)
    many, pack = count()
    got = sections(pack)
    assert len(got["agenda"].rows) + len(pack.annexes[0].rows) == 100
    assert len(got["previous_decisions"].rows) == 60 and got["previous_decisions"].more
    assert few == many, (few, many)
    assert many <= 30


# --- 7. the meeting pack: PDF, DOCX, downloads and the command -----------------------------------

MARKUP = "Special session #set page(width: 1cm) ] *bold* #( $x$ <label> @ref \\"


def test_the_pdf_compiles_whatever_the_titles_contain(secretariat: User) -> None:
    meeting = make_meeting(secretariat, day=date(2026, 9, 15), title=MARKUP)
    action(meeting, secretariat, "#let x = ] [ *unbalanced", date(2026, 9, 20))
    pack = gather(meeting, secretariat, today=date(2026, 9, 1))
    pdf = render_pdf(pack)
    assert pdf.startswith(b"%PDF")
    assert b"%%EOF" in pdf[-32:]
    # The title is the document's title, as text (the metadata is XML), and the markup in it did
    # not change the page: every page is still A4.
    title = f"Meeting pack: COM-2026-1 {MARKUP}"
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escaped}</rdf:li>'.encode() in pdf
    boxes = set(re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf))
    assert boxes == {b"0 0 595.2756 841.8898"}, boxes


def test_the_docx_opens_and_holds_the_sections(
    pack_world: dict[str, Any], secretariat: User
) -> None:
    september = pack_world["september"]
    september.title = MARKUP
    services.schedule(september, actor=secretariat)
    pack = gather(september, secretariat, today=date(2026, 9, 1))
    document = docx.Document(io.BytesIO(render_docx(pack)))
    assert document.core_properties.title == f"Meeting pack: COM-2026-2 {MARKUP}"
    assert document.sections[0].header.paragraphs[0].text == "TLP:GREEN"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.title for s in pack.sections]
    assert "Overdue action items" in headings
    assert "Off-track indicators" in headings
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["Meeting", "Action", "Owner", "Due", "Days late"] in rows
    assert ["COM-2026-1", "Share the seizure statistics", "Jamaica", "1 June 2026", "92"] in rows
    measure = pack_world["measure"]
    assert [f"{measure.code} {measure.title}", "Protocol signed", "4 May 2026"] in rows


def test_the_pack_downloads(pack_world: dict[str, Any], client_for: Any) -> None:
    september = pack_world["september"]
    viewer = client(client_for, "viewer")
    pdf = viewer.get(f"/meetings/{september.pk}/pack.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="COM-2026-2-pack.pdf"'
    assert pdf.content.startswith(b"%PDF")
    word = viewer.get(f"/meetings/{september.pk}/pack.docx")
    assert word.status_code == 200
    assert word["Content-Type"] == DOCX
    assert word["Content-Disposition"] == 'attachment; filename="COM-2026-2-pack.docx"'
    document = docx.Document(io.BytesIO(word.content))
    assert document.paragraphs[0].text == "Meeting pack: COM-2026-2 September meeting"
    assert viewer.get(f"/meetings/{september.pk}/pack.odt").status_code == 404
    assert (
        client(client_for, "outsider").get(f"/meetings/{september.pk}/pack.pdf").status_code == 404
    )
    anonymous = client(client_for, "anonymous").get(f"/meetings/{september.pk}/pack.pdf")
    assert anonymous.status_code == 302


def test_the_command_writes_the_pack(
    pack_world: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    september = pack_world["september"]
    pdf = tmp_path / "pack.pdf"
    call_command("meetings", "pack", str(september.pk), "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "COM-2026-2" in capsys.readouterr().out
    word = tmp_path / "pack.docx"
    call_command(
        "meetings", "pack", "com-2026-2", "--format", "docx", "--out", str(word), "--lang", "es"
    )
    document = docx.Document(str(word))
    assert document.core_properties.language == "es"
    assert document.paragraphs[0].text.endswith("COM-2026-2 September meeting")
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["COM-2026-1", "Share the seizure statistics", "Jamaica", "1 de junio de 2026"] in [
        r[:4] for r in rows
    ]
    as_viewer = tmp_path / "viewer.docx"
    call_command(
        "meetings", "pack", "COM-2026-1", "--format=docx", f"--out={as_viewer}", "--as", "viewer"
    )
    assert docx.Document(str(as_viewer)).paragraphs[0].text.startswith("Meeting pack: COM-2026-1")


def test_the_command_names_what_is_wrong(
    pack_world: dict[str, Any], tmp_path: Path, users: dict[str, User]
) -> None:
    out = tmp_path / "pack.pdf"
    with pytest.raises(CommandError, match="COM-2031-7"):
        call_command("meetings", "pack", "COM-2031-7", "--out", str(out))
    with pytest.raises(CommandError, match="999999"):
        call_command("meetings", "pack", "999999", "--out", str(out))
    with pytest.raises(CommandError, match="--out"):
        call_command(
            "meetings", "pack", str(pack_world["march"].pk), "--out", str(tmp_path / "no" / "x.pdf")
        )
    with pytest.raises(CommandError, match="nobody"):
        call_command(
            "meetings", "pack", str(pack_world["march"].pk), "--out", str(out), "--as", "nobody"
        )
    # A TLP:RED meeting is not found for someone who is not on it.
    red = make_meeting(users["secretariat"], day=date(2026, 11, 1), tlp=TLP.RED, title="Red")
    with pytest.raises(CommandError, match=red.code):
        call_command("meetings", "pack", red.code, "--out", str(out), "--as", "viewer")
    assert not out.exists()


def test_the_invited_organisation_answers_for_itself_and_a_member_can_leave(
    client_for: Any,
) -> None:
    group = make_group()
    unodc = Organisation.objects.get(code="UNODC")
    secretariat_client = client(client_for, "secretariat")
    assert (
        secretariat_client.post(
            f"/meetings/groups/{group.pk}/invite/", {"organisation": unodc.pk}
        ).status_code
        == 302
    )
    member = WorkingGroupMember.objects.get(body=group, organisation=unodc)
    # A partner officer of another organisation may not answer for UNODC.
    inl = client(client_for, "inl_partner")
    assert inl.post(f"/meetings/members/{member.pk}/answer/", {"accept": "1"}).status_code == 403
    member.refresh_from_db()
    assert member.status == WorkingGroupMember.Status.INVITED
    # An officer of UNODC accepts for it.
    officer = User.objects.create_user("unodc_officer", password="x")
    Membership.objects.create(user=officer, organisation=unodc, role=Role.PARTNER_OFFICER)
    own = client(client_for, "unodc_officer")
    page = own.get(f"/meetings/groups/{group.pk}/").content.decode()
    assert f"/meetings/members/{member.pk}/answer/" in page
    assert own.post(f"/meetings/members/{member.pk}/answer/", {"accept": "1"}).status_code == 302
    member.refresh_from_db()
    assert member.status == WorkingGroupMember.Status.ACTIVE
    # Only the secretariat records that a member left, and the history keeps the reason.
    assert own.post(f"/meetings/members/{member.pk}/leave/").status_code == 403
    left = secretariat_client.post(
        f"/meetings/members/{member.pk}/leave/", {"reason": "Programme closed"}
    )
    assert left.status_code == 302
    member.refresh_from_db()
    assert member.status == WorkingGroupMember.Status.LEFT
    assert member.history.first().history_change_reason == "Programme closed"
    assert member.history.first().history_user.username == "secretariat"
