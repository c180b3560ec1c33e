"""The Plan of Action: versions, adoption, the next version, diffs, benchmarks, progress, pages and API."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from seccoop.core.models import AuditEvent
from seccoop.framework.models import Category, Mechanism, Organisation, Party
from seccoop.needs.models import AssessmentCycle, Need
from seccoop.plan.models import Benchmark, Measure, MeasureVersion, Milestone, PlanVersion
from seccoop.plan.services import (
    FIRST_VERSION_LABEL,
    adopt_plan_version,
    change_content,
    diff_versions,
    progress_of,
    revise_benchmark,
    seed_first_version,
    set_measure_status,
    start_next_version,
    with_progress,
)

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 20  # above 2**63 - 1: a 404, never a database overflow
LANGS = ("en", "es", "fr", "nl")


# --- fixtures and factories ----------------------------------------------------------------------


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


@pytest.fixture
def first(world: None) -> PlanVersion:
    """The 2010 version (the ``world`` fixture loads the Framework, not the plan seed)."""
    return seed_first_version()


def make_version(label: str, year: int = 2030) -> PlanVersion:
    version = PlanVersion(year=year, label=label, owner=org("COMMISSION"), tlp="CLEAR")
    version.save()
    return version


def make_measure(
    plan: PlanVersion, code: str, category: str | None = "I.a", **kwargs: Any
) -> Measure:
    fields: dict[str, Any] = {
        "title": f"Measure {code}",
        "kind": Measure.Kind.PROGRAMME,
        "status": Measure.Status.IMPLEMENTATION,
        "lead": org("IMPACS"),
        "owner": org("COMMISSION"),
        "tlp": "CLEAR",
        **kwargs,
    }
    return Measure.objects.create(
        plan=plan,
        code=code,
        category=Category.objects.get(code=category) if category else None,
        **fields,
    )


def add_milestone(measure: Measure, title: str, due: date, done: date | None = None) -> Milestone:
    return Milestone.objects.create(
        measure=measure,
        title=title,
        due=due,
        completed_on=done,
        owner=org("COMMISSION"),
        tlp="CLEAR",
    )


def add_benchmark(measure: Measure, value: str = "50") -> Benchmark:
    return Benchmark.objects.create(
        measure=measure,
        description="Officers trained",
        value=value,
        proposed_by=org("TWG"),
        owner=org("COMMISSION"),
        tlp="CLEAR",
    )


def make_need(reference: str = "N-1") -> Need:
    cycle, _created = AssessmentCycle.objects.get_or_create(
        year=2031, defaults={"owner": org("COMMISSION"), "tlp": "CLEAR"}
    )
    jam = Party.objects.get(iso3="JAM")
    return Need.objects.create(
        cycle=cycle,
        state=jam,
        category=Category.objects.get(code="I.a"),
        reference=reference,
        description="Interceptor boats",
        severity=4,
        gap_type=Need.GapType.EQUIPMENT,
        amount=1000,
        currency="USD",
        amount_usd=1000,
        owner=jam.organisation,
        tlp="AMBER",
    )


def measure_form(measure: Measure, **changes: Any) -> dict[str, Any]:
    """A complete, valid edit form for ``measure`` (with ``changes`` applied)."""
    data: dict[str, Any] = {
        "code": measure.code,
        **{f"title_{lang}": getattr(measure, f"title_{lang}") or "" for lang in LANGS},
        **{f"description_{lang}": getattr(measure, f"description_{lang}") or "" for lang in LANGS},
        "category": measure.category_id or "",
        "kind": measure.kind,
        "lead": measure.lead_id or "",
        "twg": measure.twg_id or "",
        "implementing_agencies": [o.pk for o in measure.implementing_agencies.all()],
        "partners": [o.pk for o in measure.partners.all()],
        "participating_states": [p.pk for p in measure.participating_states.all()],
        "needs": [n.pk for n in measure.needs.all()],
        "start": measure.start.isoformat() if measure.start else "",
        "end": measure.end.isoformat() if measure.end else "",
        "status": measure.status,
        "order": measure.order,
        "form_version": measure.version,
        "change_reason": "annual review",
    }
    data.update(changes)
    return data


def page_messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- (a) the seed --------------------------------------------------------------------------------


def test_seed_first_version_is_idempotent_with_the_six_mechanisms(world: None) -> None:
    version = seed_first_version()
    again = seed_first_version()
    assert again.pk == version.pk
    assert PlanVersion.objects.filter(label=FIRST_VERSION_LABEL).count() == 1
    assert version.year == 2010
    assert version.status == PlanVersion.Status.ADOPTED
    assert version.adopted_on == date(2010, 5, 27)
    assert version.adopted_by.code == "DIALOGUE"
    assert version.owner.code == "COMMISSION"
    assert version.tlp == "CLEAR"
    assert version.is_frozen

    measures = list(version.measures.order_by("order"))
    assert len(measures) == 6
    assert Measure.objects.filter(plan=version).count() == 6
    assert [m.code for m in measures] == [f"III.A-{n}" for n in range(1, 7)]
    assert all(m.kind == Measure.Kind.INSTITUTIONAL for m in measures)
    assert all(m.owner.code == "COMMISSION" and m.tlp == "CLEAR" for m in measures)
    assert [m.mechanism.number for m in measures] == [1, 2, 3, 4, 5, 6]
    assert {m.mechanism_id for m in measures} == set(Mechanism.objects.values_list("pk", flat=True))
    for m in measures:
        assert m.title == m.mechanism.title
    assert measures[0].lead.code == "COMMISSION"
    assert measures[1].lead.code == "TWG"
    assert measures[2].category.code == "I.a"  # the first related category of mechanism 3


# --- (b) the next version ------------------------------------------------------------------------


def test_start_next_version_carries_the_same_measures_over(
    first: PlanVersion, users: dict[str, Any]
) -> None:
    """The draft holds what the source says about each measure; the measures themselves (with
    their links, milestones and benchmarks) are the same ones, not copies."""
    source = make_version("Source 2030")
    parent = make_measure(source, "I.a-01", order=1)
    child = make_measure(
        source,
        "I.a-02",
        order=2,
        parent=parent,
        twg=org("TWG"),
        start=date(2030, 1, 1),
        end=date(2031, 12, 31),
    )
    child.participating_states.set(Party.objects.filter(iso3__in=["JAM", "BRB"]))
    need = make_need()
    child.needs.set([need])
    add_milestone(child, "Inception", date(2030, 3, 1), done=date(2030, 3, 2))
    add_milestone(child, "Delivery", date(2030, 9, 1))
    benchmark = add_benchmark(child, "50")

    draft = start_next_version(source, actor=users["secretariat"], year=2031, label="Next 2031")

    assert draft.status == PlanVersion.Status.DRAFT
    assert not draft.is_frozen
    assert draft.based_on_id == source.pk
    assert draft.owner_id == source.owner_id and draft.tlp == source.tlp
    assert draft.adopted_on is None
    entries = {e.code: e for e in draft.entries.all()}
    assert set(entries) == {"I.a-01", "I.a-02"}
    assert entries["I.a-02"].measure_id == child.pk  # the same measure, not a copy
    assert entries["I.a-02"].title == "Measure I.a-02" and entries["I.a-02"].order == 2
    assert entries["I.a-02"].category.code == "I.a"
    assert Measure.objects.count() == 8  # the six mechanisms and the two measures, once each
    child.refresh_from_db()
    assert child.parent_id == parent.pk
    assert list(child.needs.all()) == [need]
    assert child.milestones.count() == 2 and list(child.benchmarks.all()) == [benchmark]
    # the measure shows its source's content until the draft is adopted
    assert child.plan_id == source.pk
    # the draft's entry says where it came from; the event is audited
    assert entries["I.a-02"].history.first().history_change_reason == "Copied from Source 2030"
    assert AuditEvent.objects.filter(action="plan.next_version", object_id=str(draft.pk)).exists()
    # a diff between the two says nothing changed
    diff = diff_versions(source, draft, user=users["secretariat"])
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == ([], [], [], 2)


def test_start_next_version_from_the_seed(first: PlanVersion, users: dict[str, Any]) -> None:
    draft = start_next_version(
        first, actor=users["secretariat"], year=2011, label="Plan of Action 2011"
    )
    assert draft.entries.count() == 6
    assert set(draft.entries.values_list("measure_id", flat=True)) == set(
        first.entries.values_list("measure_id", flat=True)
    )
    assert first.entries.count() == 6 and Measure.objects.count() == 6
    first.refresh_from_db()
    assert first.status == PlanVersion.Status.ADOPTED  # starting a draft supersedes nothing


def test_the_label_of_the_next_version_must_be_unique(
    first: PlanVersion, users: dict[str, Any], client_for: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        start_next_version(first, actor=users["secretariat"], year=2011, label=FIRST_VERSION_LABEL)
    assert "label" in exc.value.message_dict
    assert PlanVersion.objects.count() == 1
    # the API answers a field-keyed 400
    response = client_for("secretariat").post(
        f"/api/v1/plan/versions/{first.pk}/next",
        {"year": 2011, "label": FIRST_VERSION_LABEL},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["label"]
    assert PlanVersion.objects.count() == 1


def test_next_version_through_the_pages(first: PlanVersion, client_for: Any) -> None:
    client = client_for("secretariat")
    url = reverse("plan:version_next", args=[first.pk])
    response = client.post(url, {"year": 2011, "label": "Plan of Action 2011"})
    draft = PlanVersion.objects.get(label="Plan of Action 2011")
    assert response.status_code == 302
    assert response["Location"] == reverse("plan:version_detail", args=[draft.pk])
    assert draft.status == PlanVersion.Status.DRAFT and draft.entries.count() == 6
    again = client.post(url, {"year": 2011, "label": "Plan of Action 2011"}, follow=True)
    assert any("already called" in m for m in page_messages(again))
    assert PlanVersion.objects.filter(label="Plan of Action 2011").count() == 1
    # only the secretariat manages versions
    for persona in ("twg_member", "jam_focal", "viewer"):
        assert client_for(persona).post(url, {"year": 2012, "label": "x"}).status_code == 403
    assert not PlanVersion.objects.filter(label="x").exists()


def test_next_version_through_the_api(first: PlanVersion, client_for: Any) -> None:
    url = f"/api/v1/plan/versions/{first.pk}/next"
    response = client_for("secretariat").post(
        url, {"year": 2011, "label": "Plan 2011"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["based_on"] == first.pk and body["measure_count"] == 6
    denied = client_for("jam_focal").post(
        url, {"year": 2012, "label": "Plan 2012"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert not PlanVersion.objects.filter(label="Plan 2012").exists()


# --- (c) adoption --------------------------------------------------------------------------------


def test_only_a_draft_can_be_adopted_and_adoption_supersedes(
    first: PlanVersion, users: dict[str, Any]
) -> None:
    secretariat = users["secretariat"]
    dialogue = org("DIALOGUE")
    with pytest.raises(ValidationError) as exc:
        adopt_plan_version(first, actor=secretariat, adopted_on=date(2011, 1, 1), body=dialogue)
    assert "only a draft can be adopted" in " ".join(exc.value.messages)
    assert "already adopted" in " ".join(exc.value.messages)
    first.refresh_from_db()
    assert first.adopted_on == date(2010, 5, 27) and first.version == 1

    draft = start_next_version(first, actor=secretariat, year=2011, label="Plan of Action 2011")
    adopted = adopt_plan_version(
        draft, actor=secretariat, adopted_on=date(2011, 6, 1), body=dialogue
    )
    assert adopted.status == PlanVersion.Status.ADOPTED
    assert adopted.adopted_on == date(2011, 6, 1) and adopted.adopted_by == dialogue
    assert adopted.version == 2
    first.refresh_from_db()
    assert first.status == PlanVersion.Status.SUPERSEDED
    assert first.is_frozen
    assert first.history.first().history_change_reason == "Superseded by Plan of Action 2011"
    assert PlanVersion.objects.filter(status=PlanVersion.Status.ADOPTED).get() == adopted

    event = AuditEvent.objects.get(action="plan.adopted", object_id=str(adopted.pk))
    assert event.actor == secretariat
    assert event.detail == {"adopted_on": "2011-06-01", "body": "DIALOGUE"}
    assert event.object_type == "plan.planversion"

    # a superseded version cannot be adopted again either
    with pytest.raises(ValidationError, match="only a draft can be adopted"):
        adopt_plan_version(first, actor=secretariat, adopted_on=date(2012, 1, 1), body=dialogue)
    assert AuditEvent.objects.filter(action="plan.adopted").count() == 1


def test_a_version_is_adopted_by_a_body(first: PlanVersion, users: dict[str, Any]) -> None:
    draft = make_version("Draft 2030")
    with pytest.raises(ValidationError) as exc:
        adopt_plan_version(
            draft, actor=users["secretariat"], adopted_on=date(2030, 1, 1), body=org("JAM")
        )
    assert "adopted_by" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT


def held_dialogue(
    day: date = date(2026, 6, 1), status: str = "held", body: str = "DIALOGUE"
) -> Any:
    """A Dialogue (or another body's meeting) on ``day`` in Port of Spain, 10:00-17:00."""
    from datetime import timedelta

    from seccoop.framework.models import Body
    from seccoop.meetings import services as meetings
    from seccoop.meetings.models import Meeting

    start = meetings.local_to_utc(day, 10, 0, "America/Port_of_Spain")
    meeting = Meeting(
        body=Body.objects.get(organisation__code=body),
        title="High-Level Dialogue",
        start=start,
        end=start + timedelta(hours=7),
        time_zone="America/Port_of_Spain",
        venue_city="Port of Spain",
        host=Party.objects.get(iso3="TTO"),
        status=status,
    )
    return meetings.schedule(meeting, actor=None)


def test_adoption_through_the_page(first: PlanVersion, client_for: Any) -> None:
    """The version page adopts by recording the decision of a held Dialogue, through the meetings
    service: the version is adopted as of the Dialogue's day, and the decision is on its page."""
    client = client_for("secretariat")
    draft = make_version("Draft 2030")
    url = reverse("plan:version_adopt", args=[draft.pk])
    page = client.get(reverse("plan:version_detail", args=[draft.pk])).content.decode()
    assert "Adopt this version" in page and "Start the next version" not in page
    # no Dialogue held yet: the page says so and offers no form
    assert 'data-testid="adopt-no-dialogue"' in page and 'data-testid="adopt-form"' not in page
    planned = held_dialogue(date(2099, 6, 1), status="planned")
    commission = held_dialogue(date(2026, 3, 1), body="COMMISSION")
    dialogue = held_dialogue(date(2026, 6, 1))
    page = client.get(reverse("plan:version_detail", args=[draft.pk])).content.decode()
    assert 'data-testid="adopt-form"' in page and "DIA-2026-1 High-Level Dialogue" in page
    assert planned.code not in page and commission.code not in page
    # a meeting that is not a held Dialogue is refused (even when typed in) and writes nothing
    for other in (planned, commission):
        refused = client.post(url, {"meeting": other.pk}, follow=True)
        assert "Choose the held Dialogue" in " ".join(page_messages(refused))
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT

    response = client.post(url, {"meeting": dialogue.pk, "text": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("plan:version_detail", args=[draft.pk])
    assert "Draft 2030 is adopted by decision DIA-2026-1/D1." in page_messages(response)
    draft.refresh_from_db()
    first.refresh_from_db()
    assert draft.status == PlanVersion.Status.ADOPTED and draft.adopted_on == date(2026, 6, 1)
    assert draft.adopted_by == org("DIALOGUE")
    assert first.status == PlanVersion.Status.SUPERSEDED
    decision = draft.decisions.get()
    assert (decision.code, decision.kind, decision.text) == (
        "DIA-2026-1/D1",
        "adopt_plan",
        "The Dialogue adopts the Draft 2030.",
    )
    page = response.content.decode()
    assert "Adopt this version" not in page and "Start the next version" in page
    assert 'data-testid="adopting-decision"' in page

    again = client.post(url, {"meeting": dialogue.pk}, follow=True)
    assert again.status_code == 200
    assert "Draft 2030 is already adopted; only a draft can be adopted." in page_messages(again)
    assert "Draft 2030 is already adopted; only a draft can be adopted." in again.content.decode()
    draft.refresh_from_db()
    assert draft.adopted_on == date(2026, 6, 1) and draft.version == 2
    assert AuditEvent.objects.filter(action="plan.adopted", object_id=str(draft.pk)).count() == 1
    assert draft.decisions.count() == 1

    # the old form's fields adopt nothing
    other = make_version("Draft 2031", year=2031)
    old = client.post(
        reverse("plan:version_adopt", args=[other.pk]),
        {"adopted_on": "2031-06-01", "body": org("DIALOGUE").pk},
        follow=True,
    )
    assert "Choose the held Dialogue whose decision adopts this version." in page_messages(old)
    other.refresh_from_db()
    assert other.status == PlanVersion.Status.DRAFT


def test_without_the_meetings_module_nothing_adopts(
    first: PlanVersion, users: dict[str, Any], monkeypatch: Any
) -> None:
    from seccoop.plan import services

    monkeypatch.setattr(services, "_adoption", [])
    draft = make_version("Draft 2030")
    with pytest.raises(ValidationError) as exc:
        services.adopt_by_decision(draft, actor=users["secretariat"], meeting="DIA-2026-1")
    assert list(exc.value.message_dict) == ["meeting"]
    assert services.adopting_meetings(users["secretariat"]) == []
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT


def test_adoption_through_the_api(first: PlanVersion, client_for: Any) -> None:
    client = client_for("secretariat")
    draft = make_version("Draft 2030")
    commission = held_dialogue(date(2026, 3, 1), body="COMMISSION")
    planned = held_dialogue(date(2099, 6, 1), status="planned")
    dialogue = held_dialogue(date(2026, 6, 1))
    url = f"/api/v1/plan/versions/{draft.pk}/adopt"
    payload = {"meeting": dialogue.code}
    etag = client.get(f"/api/v1/plan/versions/{draft.pk}")["ETag"]
    assert etag == 'W/"1"'

    missing = client.post(url, payload, content_type="application/json")
    assert missing.status_code == 428
    stale = client.post(url, payload, content_type="application/json", HTTP_IF_MATCH='W/"7"')
    assert stale.status_code == 412
    conflict = client.post(url, {**payload, "version": 7}, content_type="application/json")
    assert conflict.status_code == 409
    # the old payload (a date and a body) is a 400 that names each removed field
    old = client.post(
        url,
        {"adopted_on": "2030-06-01", "body": "DIALOGUE"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert old.status_code == 400
    fields = {e["field"]: e["message"] for e in old.json()["errors"]}
    assert set(fields) == {"meeting", "adopted_on", "body"}
    assert "name that meeting in 'meeting' instead of 'adopted_on'" in fields["adopted_on"]
    for ref, field in (
        ("NOPE-1", "meeting"),
        ("DIA-2026-9", "meeting"),
        ("²", "meeting"),
        ("DIA-²-1", "meeting"),
        (0, "meeting"),
        (commission.code, "meeting.body"),
        (planned.pk, "meeting.status"),
    ):
        refused = client.post(
            url, {"meeting": ref}, content_type="application/json", HTTP_IF_MATCH=etag
        )
        assert refused.status_code == 400, ref
        assert [e["field"] for e in refused.json()["errors"]] == [field], ref
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT
    assert not draft.decisions.exists()

    response = client.post(url, payload, content_type="application/json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "adopted" and body["adopted_on"] == "2026-06-01"
    assert body["adopted_by"] == "DIALOGUE" and body["version"] == 2
    first.refresh_from_db()
    assert first.status == PlanVersion.Status.SUPERSEDED
    assert AuditEvent.objects.filter(action="plan.adopted", object_id=str(draft.pk)).count() == 1
    assert [d.code for d in draft.decisions.all()] == ["DIA-2026-1/D1"]

    etag = client.get(f"/api/v1/plan/versions/{draft.pk}")["ETag"]
    again = client.post(url, payload, content_type="application/json", HTTP_IF_MATCH=etag)
    assert again.status_code == 409
    assert again.json()["detail"] == "Draft 2030 is already adopted; only a draft can be adopted."
    with_version = client.post(url, {**payload, "version": 2}, content_type="application/json")
    assert with_version.status_code == 409
    assert AuditEvent.objects.filter(action="plan.adopted", object_id=str(draft.pk)).count() == 1


# --- (d) an adopted version is frozen ------------------------------------------------------------


def entry_form(entry: MeasureVersion, **changes: Any) -> dict[str, Any]:
    """A complete, valid form for what a version says about a measure (``changes`` applied)."""
    data: dict[str, Any] = {
        "code": entry.code,
        **{f"title_{lang}": getattr(entry, f"title_{lang}") or "" for lang in LANGS},
        **{f"description_{lang}": getattr(entry, f"description_{lang}") or "" for lang in LANGS},
        "category": entry.category_id or "",
        "order": entry.order,
        "form_version": entry.version,
        "change_reason": "annual review",
    }
    data.update(changes)
    return data


def test_the_content_of_an_adopted_version_cannot_be_edited(
    first: PlanVersion, client_for: Any
) -> None:
    entry = first.entries.get(code="III.A-1")
    measure = entry.measure
    before = (entry.title, entry.version, measure.title, measure.version)
    client = client_for("secretariat")
    response = client.post(
        reverse("plan:entry_edit", args=[entry.pk]), entry_form(entry, title_en="Rewritten")
    )
    assert response.status_code == 400
    assert (
        "Plan of Action 2010 is adopted and frozen; start the next version to change it."
        in response.content.decode()
    )
    entry.refresh_from_db()
    measure.refresh_from_db()
    assert (entry.title, entry.version, measure.title, measure.version) == before
    # what happens to the measure in force stays open, with a reason
    response = client.post(
        reverse("plan:measure_edit", args=[measure.pk]), measure_form(measure, status="closed")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    measure.refresh_from_db()
    assert (measure.status, measure.version) == ("closed", 2)
    assert measure.history.first().history_change_reason == "annual review"
    # without a reason it is refused
    response = client.post(
        reverse("plan:measure_edit", args=[measure.pk]),
        measure_form(measure, status="implementation", change_reason=""),
    )
    assert response.status_code == 400
    measure.refresh_from_db()
    assert measure.status == "closed"


def test_the_content_of_a_draft_can_be_edited_by_the_secretariat(
    first: PlanVersion, client_for: Any
) -> None:
    """The control for the frozen case: the same form on a draft is saved, and the measure shows
    it (the draft is the version it shows until a version holding it is adopted)."""
    draft = make_version("Draft 2030")
    measure = make_measure(draft, "I.a-01")
    entry = draft.entries.get(measure=measure)
    response = client_for("secretariat").post(
        reverse("plan:entry_edit", args=[entry.pk]), entry_form(entry, title_en="Rewritten")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry.refresh_from_db()
    measure.refresh_from_db()
    assert (entry.title, entry.version) == ("Rewritten", 2)
    assert measure.title == "Rewritten"
    assert entry.history.first().history_change_reason == "annual review"


def test_a_duplicate_code_is_a_form_error_not_a_crash(first: PlanVersion, client_for: Any) -> None:
    draft = make_version("Draft 2030")
    make_measure(draft, "I.a-01")
    other = draft.entries.get(measure=make_measure(draft, "I.a-02"))
    client = client_for("secretariat")
    client.raise_request_exception = False
    response = client.post(
        reverse("plan:entry_edit", args=[other.pk]), entry_form(other, code="I.a-01")
    )
    assert response.status_code == 400
    assert "This plan version already has a measure with this code." in response.content.decode()
    other.refresh_from_db()
    assert (other.code, other.version) == ("I.a-02", 1)


def test_the_benchmark_of_an_ended_measure_cannot_be_revised(
    first: PlanVersion, users: dict[str, Any]
) -> None:
    """Benchmarks belong to the measure: revised with a reason while it runs, closed once a
    version ended it. (Before measures kept one identity, an adopted version froze them.)"""
    secretariat = users["secretariat"]
    running = add_benchmark(first.measures.get(code="III.A-4"), "10")
    revise_benchmark(running, actor=secretariat, value="12", reason="target raised")
    running.refresh_from_db()
    assert (running.value, running.version) == ("12", 2)
    draft = start_next_version(first, actor=secretariat, year=2011, label="Plan 2011")
    draft.entries.get(code="III.A-4").delete()
    adopt_plan_version(draft, actor=secretariat, adopted_on=date(2011, 5, 1), body=org("DIALOGUE"))
    with pytest.raises(ValidationError, match="ended by Plan 2011"):
        revise_benchmark(running, actor=secretariat, value="99", reason="late change")
    running.refresh_from_db()
    assert (running.value, running.version) == ("12", 2)


# --- (e) benchmark revisions ---------------------------------------------------------------------


def test_revising_a_benchmark_needs_a_reason_and_keeps_the_earlier_value(
    first: PlanVersion, users: dict[str, Any]
) -> None:
    draft = make_version("Draft 2030")
    benchmark = add_benchmark(make_measure(draft, "I.a-01"), "50")
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            revise_benchmark(benchmark, actor=users["secretariat"], value="80", reason=reason)
        assert list(exc.value.message_dict) == ["reason"]
    benchmark.refresh_from_db()
    assert (benchmark.value, benchmark.version) == ("50", 1)

    revised = revise_benchmark(
        benchmark, actor=users["secretariat"], value="80", reason="  Target raised  "
    )
    assert (revised.value, revised.version) == ("80", 2)
    history = list(benchmark.history.order_by("-history_date", "-history_id"))
    assert [h.value for h in history] == ["80", "50"]
    assert history[0].history_change_reason == "Target raised"
    assert history[0].history_user == users["secretariat"]


def test_a_long_revision_reason_fits_the_history(first: PlanVersion, users: dict[str, Any]) -> None:
    """``revise_benchmark`` keeps up to 250 characters of the reason, so the history must hold them."""
    draft = make_version("Draft 2030")
    benchmark = add_benchmark(make_measure(draft, "I.a-01"), "50")
    reason = "Target raised after the mid-term review of the maritime programme; " * 3
    assert 100 < len(reason.strip()) <= 250
    column = Benchmark.history.model._meta.get_field("history_change_reason")
    revise_benchmark(benchmark, actor=users["secretariat"], value="80", reason=reason)
    kept = benchmark.history.order_by("-history_id").first().history_change_reason
    assert kept == reason.strip()
    assert column.max_length is None or len(kept) <= column.max_length


# --- (f) diffs -----------------------------------------------------------------------------------


@pytest.fixture
def diff_case(first: PlanVersion, users: dict[str, Any]) -> tuple[PlanVersion, PlanVersion]:
    """From A to B: one measure added, one removed, one changed (renamed and moved), one kept.
    What happens to a measure (its status, benchmarks) is not a difference between versions."""
    secretariat = users["secretariat"]
    a = make_version("Diff A", year=2030)
    changed = make_measure(a, "I.a-01", order=1)
    add_benchmark(changed, "50")
    kept = make_measure(a, "I.a-02", order=2, parent=changed)
    kept.participating_states.set(Party.objects.filter(iso3="JAM"))
    make_measure(a, "II.b-01", category="II.b", order=3, title="Coast guard maintenance")
    b = start_next_version(a, actor=secretariat, year=2031, label="Diff B")
    b.entries.get(code="II.b-01").delete()
    change_content(
        b.entries.get(code="I.a-01"),
        actor=secretariat,
        reason="Renamed at the review",
        title_en="Maritime interdiction",
        order=5,
    )
    set_measure_status(changed, actor=secretariat, status="finalisation", reason="on track")
    revise_benchmark(changed.benchmarks.get(), actor=secretariat, value="80", reason="Raised")
    make_measure(b, "III.b-01", category="III.b", order=4, title="Legal aid and public defenders")
    return a, b


def expected_diff(a: PlanVersion, b: PlanVersion) -> dict[str, Any]:
    return {
        "from": {"id": a.pk, "label": "Diff A", "status": "draft"},
        "to": {"id": b.pk, "label": "Diff B", "status": "draft"},
        "added": [
            {
                "code": "III.b-01",
                "title": "Legal aid and public defenders",
                "id": b.entries.get(code="III.b-01").measure_id,
            }
        ],
        "removed": [
            {
                "code": "II.b-01",
                "title": "Coast guard maintenance",
                "id": a.entries.get(code="II.b-01").measure_id,
            }
        ],
        "changed": [
            {
                "code": "I.a-01",
                "title": "Maritime interdiction",
                "id": b.entries.get(code="I.a-01").measure_id,
                "changes": [
                    {"field": "title", "from": "Measure I.a-01", "to": "Maritime interdiction"},
                    {"field": "order", "from": 1, "to": 5},
                ],
            }
        ],
        "unchanged": 1,
    }


def test_diff_versions_reports_exactly_what_changed(
    diff_case: tuple[PlanVersion, PlanVersion],
) -> None:
    a, b = diff_case
    # Everything in this case is TLP:CLEAR, so an anonymous caller sees the whole diff.
    assert diff_versions(a, b, user=None) == expected_diff(a, b)
    backwards = diff_versions(b, a, user=None)
    assert [r["code"] for r in backwards["added"]] == ["II.b-01"]
    assert [r["code"] for r in backwards["removed"]] == ["III.b-01"]
    assert backwards["changed"][0]["changes"][0] == {
        "field": "title",
        "from": "Maritime interdiction",
        "to": "Measure I.a-01",
    }


def test_diff_through_the_api(diff_case: tuple[PlanVersion, PlanVersion], client_for: Any) -> None:
    a, b = diff_case
    for persona in (None, "jam_focal"):
        response = client_for(persona).get(f"/api/v1/plan/diff?a={a.pk}&b={b.pk}")
        assert response.status_code == 200, response.content
        assert response.json() == expected_diff(a, b)
    assert client_for("jam_focal").get(f"/api/v1/plan/diff?a={HUGE_ID}&b={b.pk}").status_code == 404


def test_diff_through_the_command(diff_case: tuple[PlanVersion, PlanVersion]) -> None:
    a, b = diff_case
    out = StringIO()
    call_command("plan", "diff", a.pk, b.pk, "--json", stdout=out)
    assert json.loads(out.getvalue()) == expected_diff(a, b)
    text = StringIO()
    call_command("plan", "diff", a.pk, b.pk, stdout=text)
    lines = text.getvalue().splitlines()
    assert lines[0] == "Diff A -> Diff B: 1 added, 1 removed, 1 changed, 1 unchanged"
    assert "+ III.b-01 Legal aid and public defenders" in lines
    assert "- II.b-01 Coast guard maintenance" in lines
    assert any(
        line.startswith("~ I.a-01: title: Measure I.a-01 -> Maritime interdiction")
        for line in lines
    )


def test_diff_through_the_page(diff_case: tuple[PlanVersion, PlanVersion], client_for: Any) -> None:
    a, b = diff_case
    response = client_for(None).get(reverse("plan:diff") + f"?a={a.pk}&b={b.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "From Diff A to Diff B: 1 added, 1 removed, 1 changed, 1 unchanged." in page
    assert response.context["diff"] == expected_diff(a, b)
    added = page.split('id="added-h"')[1].split("</section>")[0]
    removed = page.split('id="removed-h"')[1].split("</section>")[0]
    changed = page.split("<tbody>")[-1].split("</tbody>")[0]
    assert ">III.b-01 Legal aid" in added and ">II.b-01" not in added
    assert ">II.b-01 Coast guard" in removed and ">III.b-01" not in removed
    assert "I.a-01" in changed and "I.a-02" not in changed
    assert "<td>title</td>" in changed and "<td>order</td>" in changed
    assert changed.count("<tr>") == 2
    assert client_for(None).get(reverse("plan:diff") + f"?a={HUGE_ID}&b={b.pk}").status_code == 400


def test_the_diff_shows_no_measure_the_caller_cannot_see(
    first: PlanVersion, client_for: Any, users: dict[str, Any]
) -> None:
    """Every endpoint reads through the restricted queryset; the version page and the measure list do,
    so a diff must not name a measure that they hide."""
    a = make_version("Diff A")
    b = start_next_version(a, actor=users["secretariat"], year=2031, label="Diff B")
    make_measure(b, "I.a-09", title="Commission eyes only", tlp="AMBER+STRICT")
    anonymous = client_for(None)
    assert anonymous.get("/api/v1/plan/measures?version=" + str(b.pk)).json()["count"] == 0
    assert (
        "Commission eyes only"
        not in anonymous.get(reverse("plan:version_detail", args=[b.pk])).content.decode()
    )
    assert (
        "Commission eyes only"
        in client_for("secretariat").get(f"/api/v1/plan/diff?a={a.pk}&b={b.pk}").content.decode()
    )
    api = anonymous.get(f"/api/v1/plan/diff?a={a.pk}&b={b.pk}")
    assert api.status_code == 200
    assert api.json()["added"] == []
    page = anonymous.get(reverse("plan:diff") + f"?a={a.pk}&b={b.pk}")
    assert "Commission eyes only" not in page.content.decode()


# --- (g) progress --------------------------------------------------------------------------------


def test_progress_counts_completed_milestones(first: PlanVersion, client_for: Any) -> None:
    draft = make_version("Draft 2030")
    half = make_measure(draft, "I.a-01")
    for k in range(4):
        add_milestone(
            half, f"Step {k}", date(2030, k + 1, 1), done=date(2030, k + 1, 2) if k < 2 else None
        )
    none = make_measure(draft, "I.a-02")
    assert progress_of(half) == 50
    assert progress_of(none) is None
    annotated = {m.code: m for m in with_progress(Measure.objects.filter(plan=draft))}
    assert progress_of(annotated["I.a-01"]) == 50
    assert progress_of(annotated["I.a-02"]) is None
    client = client_for(None)
    api = client_for(None)
    assert api.get(f"/api/v1/plan/measures/{half.pk}").json()["progress"] == 50
    assert api.get(f"/api/v1/plan/measures/{none.pk}").json()["progress"] is None
    detail = client.get(reverse("plan:measure_detail", args=[half.pk])).content.decode()
    assert "50% of milestones completed" in detail
    empty = client.get(reverse("plan:measure_detail", args=[none.pk])).content.decode()
    assert "No milestones yet." in empty


# --- (h) permissions -----------------------------------------------------------------------------


def test_anonymous_reads_the_plan_but_cannot_change_it(first: PlanVersion, client_for: Any) -> None:
    client = client_for(None)
    measure = first.measures.get(code="III.A-1")
    listing = client.get(reverse("plan:version_list"))
    assert listing.status_code == 200
    assert FIRST_VERSION_LABEL in listing.content.decode()
    assert client.get(reverse("plan:version_detail", args=[first.pk])).status_code == 200
    assert client.get(reverse("plan:version_history", args=[first.pk])).status_code == 200
    assert client.get(reverse("plan:measure_list")).status_code == 200
    assert client.get(reverse("plan:measure_detail", args=[measure.pk])).status_code == 200
    assert client.get(reverse("plan:measure_history", args=[measure.pk])).status_code == 200
    versions = client.get("/api/v1/plan/versions")
    assert versions.status_code == 200
    assert [v["label"] for v in versions.json()["items"]] == [FIRST_VERSION_LABEL]
    assert client.get(f"/api/v1/plan/versions/{first.pk}").status_code == 200
    assert client.get("/api/v1/plan/measures").json()["count"] == 6
    assert client.get(f"/api/v1/plan/measures/{measure.pk}").json()["code"] == "III.A-1"

    edit_url = reverse("plan:measure_edit", args=[measure.pk])
    for response in (client.get(edit_url), client.post(edit_url, measure_form(measure))):
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    adopt = client.post(
        f"/api/v1/plan/versions/{first.pk}/adopt",
        {"meeting": "DIA-2030-1", "version": 1},
        content_type="application/json",
    )
    assert adopt.status_code == 401
    nxt = client.post(
        f"/api/v1/plan/versions/{first.pk}/next",
        {"year": 2031, "label": "x"},
        content_type="application/json",
    )
    assert nxt.status_code == 401
    draft = make_version("Draft 2030")
    # the UI action sends an anonymous caller to sign in
    ui = client.post(reverse("plan:version_adopt", args=[draft.pk]), {"meeting": "1"})
    assert ui.status_code == 302
    assert ui["Location"].startswith(reverse("accounts:login"))
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT
    assert not PlanVersion.objects.filter(label="x").exists()


def test_a_focal_point_cannot_adopt(first: PlanVersion, client_for: Any) -> None:
    draft = make_version("Draft 2030")
    dialogue = held_dialogue()
    client = client_for("jam_focal")
    ui = client.post(reverse("plan:version_adopt", args=[draft.pk]), {"meeting": dialogue.pk})
    assert ui.status_code == 403
    api = client.post(
        f"/api/v1/plan/versions/{draft.pk}/adopt",
        {"meeting": dialogue.code},
        content_type="application/json",
        HTTP_IF_MATCH='W/"1"',
    )
    assert api.status_code == 403
    page = client.get(reverse("plan:version_detail", args=[draft.pk])).content.decode()
    assert "Adopt this version" not in page
    draft.refresh_from_db()
    assert draft.status == PlanVersion.Status.DRAFT
    assert not AuditEvent.objects.filter(action="plan.adopted").exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(draft.pk)).count() == 2


def test_the_focal_points_of_the_lead_state_record_its_milestones(
    first: PlanVersion, client_for: Any
) -> None:
    """A State leading a measure reports its milestones: its focal point completes them (with a
    reason) from the measure's page; another State's focal point only reads them, and neither
    edits the measure itself."""
    draft = make_version("Draft 2030")
    led = make_measure(draft, "I.a-01", lead=org("JAM"))
    other = make_measure(draft, "I.a-02")
    done = add_milestone(led, "Engines delivered", date(2030, 9, 30))
    elsewhere = add_milestone(other, "Boats delivered", date(2030, 9, 30))
    jam, brb = client_for("jam_focal"), client_for("brb_focal")
    url = reverse("plan:milestone_edit", args=[done.pk])
    page = jam.get(reverse("plan:measure_detail", args=[led.pk])).content.decode()
    assert f'href="{url}"' in page
    assert reverse("plan:measure_edit", args=[led.pk]) not in page
    assert jam.get(reverse("plan:measure_edit", args=[led.pk])).status_code == 403
    for client, pk in ((brb, done.pk), (jam, elsewhere.pk)):
        assert client.get(reverse("plan:milestone_edit", args=[pk])).status_code == 403
    page = brb.get(reverse("plan:measure_detail", args=[led.pk])).content.decode()
    assert f'href="{url}"' not in page
    form = {
        "title": "Engines delivered",
        "due": "2030-09-30",
        "completed_on": "2030-09-15",
        "evidence": "Delivery note",
        "form_version": done.version,
    }
    assert jam.post(url, form).status_code == 400  # the reason is required
    response = jam.post(url, {**form, "change_reason": "Delivered"})
    assert response.status_code == 302
    done.refresh_from_db()
    assert done.completed_on == date(2030, 9, 15)
    assert done.history.first().history_change_reason == "Delivered"


def test_who_may_edit_a_measure(first: PlanVersion, client_for: Any) -> None:
    """Measures are owned by the Commission; editing needs an editing role *in the Commission*.

    ``Measure.editor_roles`` names TWG_MEMBER, but the policy only grants a change right to members of
    the owner organisation, so a TWG member (a member of TWG, not of COMMISSION) cannot edit.
    """
    draft = make_version("Draft 2030")
    measure = make_measure(draft, "I.a-01")
    url = reverse("plan:measure_edit", args=[measure.pk])
    assert client_for("secretariat").get(url).status_code == 200
    for persona in ("twg_member", "viewer", "jam_focal", "outsider"):
        client = client_for(persona)
        assert client.get(url).status_code == 403, persona
        assert client.post(url, measure_form(measure, title_en="Nope")).status_code == 403, persona
        detail = client.get(reverse("plan:measure_detail", args=[measure.pk])).content.decode()
        assert url not in detail, persona
    measure.refresh_from_db()
    assert (measure.title, measure.version) == ("Measure I.a-01", 1)


def test_a_twenty_digit_id_is_a_404(first: PlanVersion, client_for: Any) -> None:
    for persona in (None, "secretariat"):
        client = client_for(persona)
        for name in (
            "plan:version_detail",
            "plan:version_history",
            "plan:measure_detail",
            "plan:measure_history",
        ):
            assert client.get(reverse(name, args=[HUGE_ID])).status_code == 404, (persona, name)
        assert client.get(f"/api/v1/plan/versions/{HUGE_ID}").status_code == 404
        assert client.get(f"/api/v1/plan/measures/{HUGE_ID}").status_code == 404
    secretariat = client_for("secretariat")
    assert secretariat.get(reverse("plan:measure_edit", args=[HUGE_ID])).status_code == 404
    assert secretariat.post(reverse("plan:version_adopt", args=[HUGE_ID])).status_code == 404
    assert secretariat.post(reverse("plan:version_next", args=[HUGE_ID])).status_code == 404
    adopt = secretariat.post(
        f"/api/v1/plan/versions/{HUGE_ID}/adopt",
        {"meeting": "DIA-2030-1", "version": 1},
        content_type="application/json",
    )
    assert adopt.status_code == 404


# --- (i) the version page ------------------------------------------------------------------------


def test_the_version_page_shows_the_measure_tree(
    first: PlanVersion, client_for: Any, users: dict[str, Any]
) -> None:
    draft = start_next_version(
        first, actor=users["secretariat"], year=2011, label="Plan of Action 2011"
    )
    make_measure(draft, "I.a-01", title="Maritime interdiction capacity", order=10)
    make_measure(draft, "I.a-02", title="Port container control", order=11)
    make_measure(draft, "III.b-01", category="III.b", title="Legal aid", order=12)
    response = client_for(None).get(reverse("plan:version_detail", args=[draft.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "9 measures" in page

    # the institutional mechanisms first, all six, and only there
    institutional = page.split("Institutional mechanisms (section III.A)</h3>")[1].split("</ul>")[0]
    for n in range(1, 7):
        assert f"III.A-{n} " in institutional
        assert page.count(f"III.A-{n} ") == 1  # not repeated under its category (III.A-3 is in I.a)

    # then the three priorities, in order, each with its categories
    headings = [part.split("</h3>")[0] for part in page.split("<h3>")[2:]]
    assert headings == [
        "I. Substantially Reduce Illicit Trafficking",
        "II. Advance Public Safety and Security",
        "III. Further Promote Social Justice",
    ]
    sections = dict(zip(headings, page.split("<h3>")[2:], strict=True))
    priority_one = sections["I. Substantially Reduce Illicit Trafficking"]
    assert "<summary>I.a Counternarcotics (2)</summary>" in priority_one
    counternarcotics = priority_one.split("<summary>I.a Counternarcotics (2)</summary>")[1].split(
        "</details>"
    )[0]
    assert "I.a-01 Maritime interdiction capacity" in counternarcotics
    assert "I.a-02 Port container control" in counternarcotics
    assert "III.b-01" not in counternarcotics
    assert "<details open><summary>I.a" in priority_one
    assert "<details><summary>I.b Small Arms and Light Weapons (SALW) (0)</summary>" in priority_one
    priority_three = sections["III. Further Promote Social Justice"]
    justice = priority_three.split("<summary>III.b Justice Sector Reform (1)</summary>")[1].split(
        "</details>"
    )[0]
    assert "III.b-01 Legal aid" in justice
    assert page.index("I.a-01 Maritime") < page.index("I.a-02 Port")
    # anonymous gets no management forms
    assert "Adopt this version" not in page and "Start the next version" not in page


# --- (j) query counts ----------------------------------------------------------------------------


def populate(plan: PlanVersion, start: int, count: int) -> None:
    categories = list(Category.objects.all())
    for i in range(start, start + count):
        measure = make_measure(
            plan, f"X-{i:03d}", category=categories[i % len(categories)].code, order=i
        )
        measure.participating_states.set(Party.objects.filter(iso3__in=["JAM", "BRB"]))
        add_milestone(measure, "Inception", date(2030, 1, 1), done=date(2030, 1, 2))
        add_milestone(measure, "Delivery", date(2030, 6, 1))
        add_benchmark(measure)


@pytest.mark.parametrize("persona", [None, "secretariat"])
def test_query_counts_do_not_grow_with_rows(
    first: PlanVersion, client_for: Any, persona: str | None, django_assert_max_num_queries: Any
) -> None:
    draft = make_version("Draft 2030")
    populate(draft, 0, 3)
    client = page_client = client_for(persona)
    api_url = "/api/v1/plan/measures?limit=100"
    page_url = reverse("plan:version_detail", args=[draft.pk])
    client.get(api_url)  # warm the session and caches
    page_client.get(page_url)
    with django_assert_max_num_queries(20) as api_few:
        assert client.get(api_url).json()["count"] == 9
    with django_assert_max_num_queries(30) as page_few:
        assert page_client.get(page_url).status_code == 200
    populate(draft, 3, 40)
    with django_assert_max_num_queries(len(api_few.captured_queries)):
        response = client.get(api_url)
    assert response.json()["count"] == 49 and len(response.json()["items"]) == 49
    assert {
        row["progress"] for row in response.json()["items"] if row["code"].startswith("X-")
    } == {50}
    with django_assert_max_num_queries(len(page_few.captured_queries)):
        page = page_client.get(page_url)
    assert "43 measures" in page.content.decode()
