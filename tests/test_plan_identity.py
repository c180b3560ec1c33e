"""A measure keeps its identity across plan versions: a year and the next, and the migration that
merged the per-version copies of each measure into one."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import etree

from seccoop.accounts.models import User
from seccoop.funding import services as funding
from seccoop.funding.iati import export_activities, org_ref
from seccoop.funding.models import Budget, Transaction
from seccoop.meetings.pack import _Context, _implementation
from seccoop.plan.models import Measure, MeasureVersion, Milestone, PlanVersion
from seccoop.plan.services import (
    adopt_plan_version,
    change_content,
    record_milestone,
    set_measure_status,
    start_next_version,
)

from .test_funding import record
from .test_plan import add_milestone, make_measure, make_need, make_version, org

pytestmark = pytest.mark.django_db

merge_lineages = importlib.import_module(
    "seccoop.plan.migrations.0003_measure_identity_across_versions"
).merge_lineages


def secretariat() -> User:
    return User.objects.get(username="secretariat")


@pytest.fixture
def two_years(world: None, users: dict[str, Any]) -> dict[str, Any]:
    """Plan A adopted; a year of implementation on it; plan B started from A (one measure
    dropped, one renamed) and adopted."""
    actor = secretariat()
    a = make_version("Plan A", year=2030)
    kept = make_measure(a, "I.a-01", title="Maritime interdiction", order=1)
    renamed = make_measure(a, "I.a-02", title="Port control", order=2)
    dropped = make_measure(a, "II.b-01", category="II.b", title="Coast guard", order=3)
    need = make_need()
    need.tlp = "CLEAR"
    need.save()
    kept.needs.set([need])
    adopt_plan_version(a, actor=actor, adopted_on=date(2030, 6, 1), body=org("DIALOGUE"))
    # a year on the plan in force: money, a milestone completed, a status recorded
    record("2", 400, kept, day=date(2030, 7, 1))
    record("3", 150, kept, day=date(2030, 9, 1))
    milestone = add_milestone(kept, "Inception", date(2030, 8, 1))
    record_milestone(
        milestone,
        actor=actor,
        completed_on=date(2030, 8, 3),
        evidence="Inception report",
        reason="Reported by the lead body",
    )
    b = start_next_version(a, actor=actor, year=2031, label="Plan B")
    b.entries.get(measure=dropped).delete()
    change_content(
        b.entries.get(measure=renamed),
        actor=actor,
        reason="Scope widened",
        title_en="Port and container control",
    )
    adopt_plan_version(b, actor=actor, adopted_on=date(2031, 6, 1), body=org("DIALOGUE"))
    return {
        "a": a,
        "b": b,
        "kept": kept,
        "renamed": renamed,
        "dropped": dropped,
        "milestone": milestone,
    }


def fresh(measure: Measure) -> Measure:
    return Measure.objects.get(pk=measure.pk)


def test_the_money_and_the_milestone_stay_with_the_measure(two_years: dict[str, Any]) -> None:
    kept = fresh(two_years["kept"])
    b = two_years["b"]
    assert Measure.objects.count() == 3  # one row per measure, whatever the versions
    assert kept.plan_id == b.pk and kept.ended_by_id is None
    assert set(kept.versions.values_list("plan__label", flat=True)) == {"Plan A", "Plan B"}
    # the milestone completed on the adopted plan A is still complete on the plan in force
    milestone = Milestone.objects.get(pk=two_years["milestone"].pk)
    assert milestone.measure_id == kept.pk and milestone.completed_on == date(2030, 8, 3)
    assert milestone.history.first().history_change_reason == "Reported by the lead body"
    # the transactions recorded under A count for the measure in B's coverage
    cover = funding.coverage(None, by="measure")
    rows = [r for r in cover.rows if r.key == "I.a-01"]
    assert len(rows) == 1
    assert (rows[0].committed_usd, rows[0].disbursed_usd) == (Decimal(400), Decimal(150))
    # the Committee list: one row per measure of the plan in force, with its commitment
    needs, _run = funding.committee_list(None)
    assert [n.measure.pk for n in needs] == [kept.pk]
    assert needs[0].committed_usd == Decimal(400)
    assert needs[0].requirement_usd == Decimal(1000)


def test_the_renamed_measure_shows_each_versions_title(
    two_years: dict[str, Any], client_for: Any
) -> None:
    renamed = fresh(two_years["renamed"])
    a, b = two_years["a"], two_years["b"]
    assert renamed.title == "Port and container control"  # the plan in force
    assert a.entries.get(measure=renamed).title == "Port control"  # frozen with A
    anonymous = client_for(None)
    page_a = anonymous.get(reverse("plan:version_detail", args=[a.pk])).content.decode()
    page_b = anonymous.get(reverse("plan:version_detail", args=[b.pk])).content.decode()
    assert "I.a-02 Port control<" in page_a and "Port and container control" not in page_a
    assert "I.a-02 Port and container control<" in page_b
    detail = anonymous.get(reverse("plan:measure_detail", args=[renamed.pk])).content.decode()
    assert "Port control" in detail and "Port and container control" in detail


def test_the_dropped_measure_is_ended_by_the_new_version(
    two_years: dict[str, Any], client_for: Any
) -> None:
    dropped = fresh(two_years["dropped"])
    a, b = two_years["a"], two_years["b"]
    assert dropped.ended_by_id == b.pk
    assert dropped.plan_id == a.pk  # it shows what the last version holding it said
    assert dropped.history.first().history_change_reason == "Ended: Plan B no longer holds it"
    anonymous = client_for(None)
    detail = anonymous.get(reverse("plan:measure_detail", args=[dropped.pk])).content.decode()
    assert "Ended by Plan B" in detail
    page_b = anonymous.get(reverse("plan:version_detail", args=[b.pk])).content.decode()
    ended = page_b.split('data-testid="ended-measures"')[1].split("</ul>")[0]
    assert "II.b-01 Coast guard" in ended
    api = anonymous.get(f"/api/v1/plan/measures/{dropped.pk}").json()
    assert (api["ended"], api["ended_by"]) == (True, b.pk)
    assert [v["label"] for v in api["versions"]] == ["Plan A"]
    ended_list = anonymous.get("/api/v1/plan/measures?ended=true").json()
    assert [m["id"] for m in ended_list["items"]] == [dropped.pk]
    # its record is closed
    with pytest.raises(ValidationError, match="ended by Plan B"):
        set_measure_status(dropped, actor=secretariat(), status="closed", reason="done")
    # and the next version does not carry it over
    c = start_next_version(b, actor=secretariat(), year=2032, label="Plan C")
    assert not c.entries.filter(measure=dropped).exists()
    assert c.entries.count() == 2


def test_the_measure_in_force_is_edited_with_a_reason_its_adopted_content_is_not(
    two_years: dict[str, Any], client_for: Any
) -> None:
    kept = fresh(two_years["kept"])
    actor = secretariat()
    with pytest.raises(ValidationError) as exc:
        set_measure_status(kept, actor=actor, status="finalisation", reason=" ")
    assert list(exc.value.message_dict) == ["reason"]
    changed = set_measure_status(
        kept, actor=actor, status="finalisation", reason="Equipment delivered"
    )
    assert changed.status == "finalisation"
    latest = changed.history.first()
    assert (latest.status, latest.history_change_reason, latest.history_user) == (
        "finalisation",
        "Equipment delivered",
        actor,
    )
    second = add_milestone(kept, "Delivery", date(2031, 9, 1))
    record_milestone(second, actor=actor, completed_on=date(2031, 9, 2), reason="Delivered")
    assert Milestone.objects.get(pk=second.pk).completed_on == date(2031, 9, 2)
    # what the adopted versions say about it is frozen
    for version in (two_years["a"], two_years["b"]):
        entry = version.entries.get(measure=kept)
        with pytest.raises(ValidationError, match="frozen"):
            change_content(entry, actor=actor, reason="late", title_en="Rewritten")
        entry.refresh_from_db()
        assert entry.title == "Maritime interdiction"
    # the milestone page of the measure in force is open to the secretariat
    client = client_for("secretariat")
    response = client.post(
        reverse("plan:milestone_edit", args=[second.pk]),
        {
            "title": "Delivery",
            "due": "2031-09-01",
            "completed_on": "",
            "evidence": "",
            "form_version": Milestone.objects.get(pk=second.pk).version,
            "change_reason": "Delivery not accepted",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Milestone.objects.get(pk=second.pk).completed_on is None


def test_the_iati_export_and_the_pack_have_one_row_per_measure(
    two_years: dict[str, Any],
) -> None:
    kept = fresh(two_years["kept"])
    root = etree.fromstring(export_activities(None))
    ids = [a.findtext("iati-identifier") for a in root.findall("iati-activity")]
    assert len(ids) == len(set(ids)) == 2  # the two measures of the plan in force
    mine = [
        a
        for a in root.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(str(kept.lineage))
    ]
    assert len(mine) == 1
    assert mine[0].findtext("iati-identifier") == f"{org_ref()}-{kept.lineage}"
    kinds = [t.find("transaction-type").get("code") for t in mine[0].findall("transaction")]
    assert sorted(kinds) == ["2", "3"], etree.tostring(mine[0])[:3000]
    as_of = date(2031, 12, 31)
    ctx = _Context(None, as_of, datetime.combine(as_of, time.max, tzinfo=UTC))
    section = _implementation(ctx, None)
    assert "Plan B: 2 measures" in section.note
    done = [row for row in section.rows if "Inception" in str(row)]
    assert len(done) == 1


def test_the_ended_measure_names_the_decision_that_adopted_the_version(
    world: None, users: dict[str, Any], client_for: Any
) -> None:
    from seccoop.meetings.models import Decision
    from seccoop.plan.services import seed_first_version

    from .test_meetings import decide, held_dialogue

    actor = secretariat()
    first = seed_first_version()
    draft = start_next_version(first, actor=actor, year=2025, label="Plan of Action 2025")
    dropped = draft.entries.get(code="III.A-6").measure
    draft.entries.get(measure=dropped).delete()
    decision = decide(
        held_dialogue(actor),
        actor,
        text="The Dialogue adopts the Plan of Action 2025.",
        kind=Decision.Kind.ADOPT_PLAN,
        plan_version=draft,
    )
    dropped.refresh_from_db()
    assert dropped.ended_by_id == draft.pk
    page = client_for("viewer").get(reverse("plan:measure_detail", args=[dropped.pk]))
    ended = page.content.decode().split('data-testid="ended"')[1].split("</p>")[0]
    assert "Ended by Plan of Action 2025" in ended and decision.code in ended
    # the other five mechanisms run on
    assert Measure.objects.filter(ended_by__isnull=True).count() == 5


def test_a_measure_proposed_in_a_draft_is_a_new_measure_held_by_the_draft(
    world: None, users: dict[str, Any], client_for: Any
) -> None:
    from seccoop.framework.models import Category

    from .test_plan import LANGS

    a = make_version("Plan A", year=2030)
    make_measure(a, "I.a-01")
    adopt_plan_version(a, actor=secretariat(), adopted_on=date(2030, 6, 1), body=org("DIALOGUE"))
    b = start_next_version(a, actor=secretariat(), year=2031, label="Plan B")
    form = {
        "code": "I.a-02",
        **{f"title_{lang}": "" for lang in LANGS},
        **{f"description_{lang}": "" for lang in LANGS},
        "title_en": "Drug-analysis laboratories",
        "category": Category.objects.get(code="I.a").pk,
        "order": 2,
        "kind": "programme",
        "status": "pipeline",
        "change_reason": "",
    }
    client = client_for("secretariat")
    client.raise_request_exception = False
    response = client.post(reverse("plan:measure_add", args=[b.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Measure.objects.get(code="I.a-02")
    assert (new.plan_id, new.title) == (b.pk, "Drug-analysis laboratories")
    assert list(new.versions.values_list("plan__label", "code")) == [("Plan B", "I.a-02")]
    # the same code again is a form error; an adopted version takes no new measure
    again = client.post(reverse("plan:measure_add", args=[b.pk]), form)
    assert again.status_code == 400
    assert "This plan version already has a measure with this code." in again.content.decode()
    assert client.post(reverse("plan:measure_add", args=[a.pk]), form).status_code == 403
    assert Measure.objects.filter(code="I.a-02").count() == 1


# --- the migration: one measure per lineage ------------------------------------------------------


def old_row(plan: PlanVersion, lineage: Any, code: str, title: str) -> Measure:
    """A measure row as each version held its own copy before (no MeasureVersion)."""
    row = Measure(
        plan=plan,
        lineage=lineage,
        code=code,
        title=title,
        owner=org("COMMISSION"),
        tlp="CLEAR",
        status=Measure.Status.IMPLEMENTATION,
    )
    Measure.objects.bulk_create([row])
    return Measure.objects.get(plan=plan, code=code)


def test_the_migration_merges_the_copies_of_each_measure(world: None, users: Any) -> None:
    import uuid

    v1 = make_version("Old 2030", year=2030)
    v2 = make_version("Old 2031", year=2031)
    v3 = make_version("Old 2032", year=2032)
    PlanVersion.objects.filter(pk=v1.pk).update(status="superseded", adopted_on=date(2030, 6, 1))
    PlanVersion.objects.filter(pk=v2.pk).update(status="adopted", adopted_on=date(2031, 6, 1))
    l1, l2, l3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a1 = old_row(v1, l1, "I.a-01", "Old title")
    a2 = old_row(v2, l1, "I.a-01", "Title in force")
    a3 = old_row(v3, l1, "I.a-09", "Draft title")
    b1 = old_row(v1, l2, "II.b-01", "Dropped in 2031")
    old_row(v1, l3, "III.a-01", "Kept, not in the draft")
    c2 = old_row(v2, l3, "III.a-01", "Kept, not in the draft")
    need = make_need()
    a1.needs.set([need])
    record("2", 400, a1, day=date(2030, 7, 1))
    Budget.objects.create(
        measure=a2,
        owner=org("US-INL"),
        tlp="CLEAR",
        amount=Decimal(500),
        currency="USD",
        amount_usd=Decimal(500),
        value_date=date(2031, 1, 1),
        period_start=date(2031, 1, 1),
        period_end=date(2031, 12, 31),
    )
    add_milestone(a1, "Inception", date(2030, 8, 1), done=date(2030, 8, 3))
    for row in (a2, a3):
        add_milestone(row, "Inception", date(2030, 8, 1))
    MeasureVersion.objects.all().delete()

    merge_lineages(apps)

    assert set(Measure.objects.values_list("pk", flat=True)) == {a3.pk, b1.pk, c2.pk}
    measure = Measure.objects.get(pk=a3.pk)
    # it shows the plan in force and keeps each version's content
    assert (measure.plan_id, measure.code, measure.title) == (v2.pk, "I.a-01", "Title in force")
    assert measure.ended_by_id is None
    assert dict(measure.versions.values_list("plan__label", "title")) == {
        "Old 2030": "Old title",
        "Old 2031": "Title in force",
        "Old 2032": "Draft title",
    }
    # everything that pointed to an older copy points to the measure
    assert Transaction.objects.get().measure_id == a3.pk
    assert Budget.objects.get().measure_id == a3.pk
    assert list(measure.needs.all()) == [need]
    milestones = list(measure.milestones.all())
    assert [(m.title, m.completed_on) for m in milestones] == [("Inception", date(2030, 8, 3))]
    # dropped after 2030: ended by the first adopted version without it
    assert Measure.objects.get(pk=b1.pk).ended_by_id == v2.pk
    assert Measure.objects.get(pk=c2.pk).ended_by_id is None
    # a second run changes nothing
    merge_lineages(apps)
    assert MeasureVersion.objects.count() == 6 and Measure.objects.count() == 3
