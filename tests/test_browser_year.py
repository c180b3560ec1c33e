"""The acceptance test of the annual cycle, "a year and the next", in a real browser: every step
goes through the pages each persona uses. Only what no page does is set up here: the Framework
(with the first Plan of Action version, as ``seccoop load-framework`` loads it) and the personas.

1. Jamaica's focal point enters a need by form and two by workbook, all submitted;
2. the secretariat validates one and returns another with a reason;
3. the secretariat drafts the year's plan, with measures that address the needs (and a milestone),
   and an indicator that follows one of them; it prioritises the measures (a cycle, weights,
   scores, a ranking that orders the draft);
4. the Dialogue is held and its decision, recorded on the meeting's page, adopts the plan;
5. INL's partner officer commits and disburses against a measure;
6. the focal point completes the milestone of the measure Jamaica leads and enters a value, which
   the secretariat approves;
7. the next year's draft is started and adopted by the next Dialogue (on the other side), from the
   draft's own page, which records the same decision;
8. funding, milestones and progress continue on the measures of the new version, and the coverage
   page and the Resource Mobilization Committee list agree on every figure.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from seccoop.core.demo import reference_loaders
from seccoop.funding.models import Transaction
from seccoop.meetings.models import Decision
from seccoop.monitoring.models import Value
from seccoop.needs.importer import COLUMNS
from seccoop.needs.models import Need
from seccoop.plan.models import Measure, Milestone, PlanVersion
from seccoop.prioritization.models import Assignment

from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR, NEXT = 2024, 2025  # both Dialogues are held and past, whatever day the test runs


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def choose(select: Any, text: str) -> None:
    """Pick the first option of ``select`` whose text matches the pattern ``text``."""
    options = select.locator("option")
    for i in range(options.count()):
        if re.search(text, options.nth(i).inner_text().strip()):
            select.select_option(options.nth(i).get_attribute("value"))
            return
    raise AssertionError(f"no option matches {text!r}")


def workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Needs"
    ws.append([title for _field, title in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def number(text: str) -> int:
    """A whole amount as the pages print it (1,000 or 1 000): digits only."""
    digits = re.sub(r"[^\d-]", "", text)
    return int(digits) if digits else 0


def coverage_row(page: Any, base: str, measure: Measure) -> dict[str, int]:
    page.goto(f"{base}/funding/?by=measure&cycle={YEAR}")
    cells = page.get_by_test_id(f"coverage-{measure.code}").locator("td")
    values = [cells.nth(i).inner_text() for i in range(cells.count())]
    return {
        "requirement": number(values[0]),
        "pledged": number(values[1]),
        "committed": number(values[2]),
        "gap": number(values[4]),
    }


def committee_row(page: Any, base: str, measure: Measure) -> dict[str, int]:
    page.goto(f"{base}/funding/committee/")
    row = page.get_by_test_id("committee-row").filter(has_text=measure.code)
    cells = row.locator("td")
    values = [cells.nth(i).inner_text() for i in range(cells.count())]
    return {
        "requirement": number(values[2]),
        "committed": number(values[3]),
        "pledged": number(values[4]),
        "gap": number(values[5]),
    }


def measure_facts(page: Any, base: str, measure: Measure) -> dict[str, Any]:
    """What the measure's page says about what happens to it: progress and milestones."""
    page.goto(f"{base}/plan/measures/{measure.pk}/")
    progress = page.locator("progress")
    milestones = page.locator("table").filter(has_text="Milestone").first.locator("tbody tr")
    return {
        "progress": progress.get_attribute("value") if progress.count() else None,
        "milestones": [
            milestones.nth(i).inner_text().split("\t")[:3] for i in range(milestones.count())
        ],
    }


def hold_dialogue(
    page: Any, base: str, year: int, day: str, city: str, zone: str, host: str
) -> None:
    """The secretariat records a Dialogue that took place: scheduled, then marked held."""
    page.goto(f"{base}/meetings/new/")
    page.get_by_label("Body", exact=True).select_option(
        label="High-Level Caribbean-United States Security Cooperation Dialogue"
    )
    page.get_by_label("Title", exact=True).fill(f"High-Level Dialogue {year}")
    page.get_by_label("First day").fill(day)
    page.get_by_label("Starts at (venue time)").fill("09:00")
    page.get_by_label("Last day").fill(day)
    page.get_by_label("Ends at (venue time)").fill("17:00")
    page.get_by_label("Venue time zone").select_option(zone)
    page.get_by_label("Venue city").fill(city)
    page.get_by_label("Host party").select_option(label=host)
    page.get_by_label("Status", exact=True).select_option(label="Held")
    page.get_by_role("button", name="Save").click()


def test_a_year_and_the_next(live_server: Any, monkeypatch: Any, tmp_path: Path) -> None:
    ensure_world()
    for _name, loader in reference_loaders():  # what `seccoop load-framework` adds: the 2010 plan
        loader()
    first = PlanVersion.objects.get(year=2010)
    base = live_server.url
    book = tmp_path / "needs.xlsx"
    book.write_bytes(
        workbook(
            [
                [
                    "JAM",
                    "I.b",
                    "JAM-Y-002",
                    "Firearms",
                    "Ballistic imaging unit",
                    4,
                    "equipment",
                    3000,
                    "USD",
                    2,
                    "",
                ],
                [
                    "JAM",
                    "II.a",
                    "JAM-Y-003",
                    "Policing",
                    "Forensic training",
                    3,
                    "training",
                    2000,
                    "USD",
                    3,
                    "",
                ],
            ]
        )
    )
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        # 0. The secretariat opens the year's needs assessment.
        sign_in(page, base, "secretariat")
        page.goto(f"{base}/needs/cycles/add/")
        choose(page.get_by_label("Owner", exact=True), "Commission")
        page.get_by_label("Year", exact=True).fill(str(YEAR))
        page.get_by_label("Status", exact=True).select_option(label="Open")
        page.get_by_label("Valuation date").fill(f"{YEAR}-01-01")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").first).to_be_visible()
        sign_out(page)

        # 1. Jamaica's focal point enters one need by form and two by workbook, all submitted.
        sign_in(page, base, "jam_focal")
        page.goto(f"{base}/needs/add/")
        page.get_by_label("Cycle", exact=True).select_option(label=str(YEAR))
        page.get_by_label("State", exact=True).select_option(label="Jamaica")
        choose(page.get_by_label("Category", exact=True), r"^I\.a")
        page.get_by_label("Reference", exact=True).fill("JAM-Y-001")
        page.get_by_label("Description", exact=True).fill("Interceptor boat engines")
        page.get_by_label("Severity (1-5)").fill("5")
        page.get_by_label("Gap type").select_option("equipment")
        page.get_by_label("Estimated cost").fill("5000")
        page.get_by_label("currency", exact=True).select_option("USD")
        page.get_by_label("Status", exact=True).select_option(label="Submitted")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("JAM-Y-001")
        page.goto(f"{base}/needs/import/")
        page.get_by_label("Cycle").select_option(label=str(YEAR))
        page.get_by_label("Workbook (.xlsx)").set_input_files(str(book))
        page.get_by_role("button", name="Check the workbook").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("2 to create, 0 to update")
        page.get_by_role("button", name="Confirm the import").click()
        expect(page.get_by_role("status").first).to_contain_text("2 created")
        sign_out(page)
        needs = {n.reference: n for n in Need.objects.filter(cycle__year=YEAR)}
        assert {r: n.status for r, n in needs.items()} == {
            "JAM-Y-001": "submitted",
            "JAM-Y-002": "submitted",
            "JAM-Y-003": "submitted",
        }

        # 2. The secretariat validates one need and returns another with a reason.
        sign_in(page, base, "secretariat")
        page.goto(f"{base}/needs/{needs['JAM-Y-001'].pk}/")
        page.get_by_test_id("review").get_by_role("button", name="Validate").click()
        expect(page.get_by_role("status").first).to_be_visible()
        page.goto(f"{base}/needs/{needs['JAM-Y-003'].pk}/")
        page.get_by_label("Reason for returning").fill("Give the number of officers to train.")
        page.get_by_role("button", name="Return to the State").click()
        expect(page.get_by_test_id("returned-reason")).to_contain_text("number of officers")

        # 3. The secretariat drafts the year's plan from the one in force: two measures that
        # address the needs (the first led by Jamaica, with a milestone), and an indicator.
        page.goto(f"{base}/plan/{first.pk}/")
        page.get_by_label("Year", exact=True).fill(str(YEAR))
        page.get_by_label("Label", exact=True).fill(f"Plan of Action {YEAR}")
        page.get_by_role("button", name="Start as a copy").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Plan of Action {YEAR}")
        draft = PlanVersion.objects.get(label=f"Plan of Action {YEAR}")
        for code, title, category, need, lead in (
            ("I.a-01", "Interceptor boat engines", "I.a", "JAM-Y-001", "Jamaica"),
            ("I.b-01", "Ballistic imaging", "I.b", "JAM-Y-002", None),
        ):
            page.goto(f"{base}/plan/{draft.pk}/")
            page.get_by_role("link", name="Propose a measure").click()
            page.get_by_label("Code", exact=True).fill(code)
            page.get_by_label("Title [en]").fill(title)
            choose(page.get_by_label("Category", exact=True), rf"^{re.escape(category)}\b")
            page.get_by_label("Kind", exact=True).select_option(index=1)
            if lead:
                page.get_by_label("Lead body").select_option(label=lead)
            page.get_by_label("Needs addressed").select_option(str(needs[need].pk))
            page.get_by_label("Status", exact=True).select_option(label="Implementation")
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(code)
        boats = Measure.objects.get(code="I.a-01")
        imaging = Measure.objects.get(code="I.b-01")
        # The secretariat prioritises the draft's measures: a cycle, its weights, the scores, a
        # ranking, and the draft ordered by it.
        page.goto(f"{base}/prioritization/")
        start = page.get_by_test_id("start-cycle")
        start.get_by_label("Plan version").select_option(label=f"Plan of Action {YEAR}")
        start.get_by_label("Year", exact=True).fill(str(YEAR))
        start.get_by_label("Assessors").select_option(label="secretariat")
        start.get_by_role("button", name="Start the cycle").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Prioritisation {YEAR}")
        for code, weight in (("a", "0.5"), ("b", "0.3"), ("c", "0.2")):
            page.locator(f'input[name="{code}_value"]').fill(weight)
        page.get_by_role("button", name="Save the weights").click()
        expect(page.get_by_role("status").first).to_contain_text("Weights saved.")
        page.goto(f"{base}/prioritization/my-assignments/")
        for assignment in Assignment.objects.filter(cycle__year=YEAR):
            score = "5" if assignment.measure_id == imaging.pk else "3"
            for code in ("a", "b", "c"):
                page.locator(f'input[name="s-{assignment.pk}-{code}-low"]').fill(score)
        page.get_by_role("button", name="Save the scores").click()
        expect(page.get_by_role("status").first).to_be_visible()
        page.goto(f"{base}/prioritization/{Assignment.objects.first().cycle_id}/")
        page.get_by_label("Method").select_option("wsum")
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_role("button", name=f"Order Plan of Action {YEAR} by this ranking").click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"2 measures of Plan of Action {YEAR} are now in this ranking's order."
        )
        form = page.locator("form", has=page.get_by_role("button", name="Add a milestone"))
        page.goto(f"{base}/plan/measures/{boats.pk}/")
        form.get_by_label("Title", exact=True).fill("Engines delivered")
        form.get_by_label("Due").fill(f"{YEAR}-09-30")
        form.get_by_role("button", name="Add a milestone").click()
        expect(page.locator("body")).to_contain_text("Engines delivered")
        page.goto(f"{base}/monitoring/indicators/add/")
        choose(page.get_by_label("Owner", exact=True), "Commission")
        page.get_by_label("Code", exact=True).fill("IA-SEIZED")
        page.get_by_label("Name", exact=True).fill("Vessels intercepted")
        page.get_by_label("Definition").fill("Vessels intercepted at sea in the year.")
        choose(page.get_by_label("Category", exact=True), r"^I\.a")
        page.get_by_label("Measures", exact=True).select_option(str(boats.pk))
        page.get_by_label("Decimals shown").fill("0")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("IA-SEIZED")

        # 4. The Dialogue is held (in Washington) and its decision adopts the plan.
        hold_dialogue(
            page,
            base,
            YEAR,
            f"{YEAR}-06-12",
            "Washington, D.C.",
            "America/New_York",
            "United States",
        )
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"DIA-{YEAR}-1")
        page.get_by_role("link", name="Record a decision").click()
        page.get_by_label("Kind").select_option(label="Adoption of a plan version")
        page.get_by_label("Text").fill(f"The Dialogue adopts the Plan of Action {YEAR}.")
        page.get_by_label("Plan version").select_option(label=f"Plan of Action {YEAR}")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("decisions")).to_contain_text(f"DIA-{YEAR}-1/D1")
        page.goto(f"{base}/plan/{draft.pk}/")
        expect(page.get_by_test_id("adopting-decision")).to_contain_text(f"DIA-{YEAR}-1/D1")
        sign_out(page)

        # 5. INL's partner officer commits and disburses against the first measure.
        sign_in(page, base, "inl_partner")
        for kind, amount, day, reference in (
            ("Outgoing commitment", "1000", f"{YEAR}-07-01", "INL-Y-C"),
            ("Disbursement", "400", f"{YEAR}-08-01", "INL-Y-D"),
        ):
            page.goto(f"{base}/funding/transactions/new/")
            choose(page.get_by_label("Provider (your organisation)"), "INL|International Narcotics")
            page.get_by_label("Type", exact=True).select_option(label=kind)
            page.get_by_label("Measure", exact=True).select_option(str(boats.pk))
            page.get_by_label("Value date").fill(day)
            page.get_by_label("Amount", exact=True).fill(amount)
            page.get_by_label("Currency", exact=True).select_option("USD")
            page.get_by_label("Recipient shares").fill("JAM 100")
            page.get_by_label("Reference").fill(reference)
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(kind)
        sign_out(page)

        # 6. The focal point completes the milestone of the measure Jamaica leads and enters the
        # year's value of its indicator; the secretariat approves it.
        sign_in(page, base, "jam_focal")
        page.goto(f"{base}/plan/measures/{boats.pk}/")
        page.get_by_role("link", name="Engines delivered").click()
        page.get_by_label("Completed on").fill(f"{YEAR}-09-15")
        page.get_by_label("Evidence").fill("Delivery note of the coast guard")
        page.get_by_label("Reason for the change").fill("Engines delivered and installed")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("body")).to_contain_text(f"{YEAR}-09-15")
        page.goto(f"{base}/monitoring/entry/")
        page.get_by_label("State", exact=True).select_option("JAM")
        page.get_by_label("Period", exact=True).fill(str(YEAR))
        page.get_by_role("button", name="Open").click()
        row = page.get_by_test_id("entry-grid").locator('tr[data-indicator="IA-SEIZED"]')
        row.get_by_label("Value of IA-SEIZED").fill("12")
        page.get_by_role("button", name="Save and submit for approval").click()
        expect(page.get_by_role("status").first).to_contain_text("done")
        sign_out(page)
        sign_in(page, base, "secretariat")
        page.goto(f"{base}/monitoring/review/")
        review = page.get_by_test_id("review-form")
        review.locator("tr", has_text="IA-SEIZED").get_by_role("checkbox").check()
        review.get_by_role("button", name="Approve the selected values").click()
        expect(page.get_by_role("status").first).to_contain_text("done")

        # What the year leaves: the measure's page and both funding pages.
        before = measure_facts(page, base, boats)
        coverage_before = coverage_row(page, base, boats)
        committee_before = committee_row(page, base, boats)

        # 7. The next year's draft, adopted by the next Dialogue (in Kingston: the venue
        # alternates), from the draft's own page.
        page.goto(f"{base}/plan/{draft.pk}/")
        page.get_by_label("Year", exact=True).fill(str(NEXT))
        page.get_by_label("Label", exact=True).fill(f"Plan of Action {NEXT}")
        page.get_by_role("button", name="Start as a copy").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Plan of Action {NEXT}")
        following = PlanVersion.objects.get(label=f"Plan of Action {NEXT}")
        hold_dialogue(page, base, NEXT, f"{NEXT}-06-10", "Kingston", "America/Jamaica", "Jamaica")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"DIA-{NEXT}-1")
        expect(page.locator("body")).not_to_contain_text("same side as the last one")
        page.goto(f"{base}/plan/{following.pk}/")
        adopt = page.get_by_test_id("adopt-form")
        choose(adopt.get_by_label("Decision of the Dialogue"), f"^DIA-{NEXT}-1 ")
        adopt.get_by_role("button", name="Record the decision and adopt").click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"Plan of Action {NEXT} is adopted by decision DIA-{NEXT}-1/D1."
        )
        expect(page.get_by_test_id("adopting-decision")).to_contain_text(f"DIA-{NEXT}-1/D1")

        # 8. The same measures carry on: milestones, progress and funding, and both funding
        # pages agree on every figure, before and after the turn of the year.
        after = measure_facts(page, base, boats)
        assert after == before
        assert after["progress"] is not None
        assert ["Engines delivered", f"{YEAR}-09-30", f"{YEAR}-09-15"] in after["milestones"]
        page.goto(f"{base}/plan/{following.pk}/")
        expect(page.locator("ul.tree").filter(has_text="I.a-01")).to_contain_text(
            "Interceptor boat engines"
        )
        coverage_after = coverage_row(page, base, boats)
        committee_after = committee_row(page, base, boats)
        assert coverage_after == coverage_before
        assert committee_after == committee_before
        for figure in ("requirement", "committed", "pledged", "gap"):
            assert coverage_after[figure] == committee_after[figure], figure
        assert coverage_after["committed"] == 1000
        assert coverage_after["gap"] == 4000
        assert errors == []

    # The same rows, across the versions: one measure, its funding and milestone untouched.
    boats.refresh_from_db()
    draft.refresh_from_db()
    following.refresh_from_db()
    assert (draft.status, draft.adopted_on) == (PlanVersion.Status.SUPERSEDED, date(YEAR, 6, 12))
    assert (following.status, following.adopted_on) == (
        PlanVersion.Status.ADOPTED,
        date(NEXT, 6, 10),
    )
    assert boats.plan_id == following.pk and boats.ended_by_id is None
    assert [v.plan_id for v in boats.versions.order_by("plan__year")] == [draft.pk, following.pk]
    assert sorted(Transaction.objects.values_list("measure_id", "reference")) == [
        (boats.pk, "INL-Y-C"),
        (boats.pk, "INL-Y-D"),
    ]
    assert Milestone.objects.get(measure=boats).completed_on == date(YEAR, 9, 15)
    assert Value.objects.get(indicator__code="IA-SEIZED").status == Value.Status.APPROVED
    assert imaging.needs.get().reference == "JAM-Y-002"
    assert [(d.code, d.plan_version_id) for d in Decision.objects.order_by("pk")] == [
        (f"DIA-{YEAR}-1/D1", draft.pk),
        (f"DIA-{NEXT}-1/D1", following.pk),
    ]
    statuses = dict(Need.objects.values_list("reference", "status"))
    assert statuses == {"JAM-Y-001": "validated", "JAM-Y-002": "submitted", "JAM-Y-003": "returned"}
