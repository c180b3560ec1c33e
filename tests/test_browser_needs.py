"""Key user flow in a real browser: a focal point imports needs, fixes a bad row, sees the matrix."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from seccoop.framework.models import Organisation
from seccoop.needs.importer import COLUMNS
from seccoop.needs.models import AssessmentCycle

from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


GOOD = [
    "JAM",
    "II.a",
    "JAM-B-001",
    "Forensics",
    "DNA laboratory reagents",
    4,
    "equipment",
    1_549_400,
    "JMD",
    1,
    "",
]
OTHER = [
    "JAM",
    "II.a",
    "JAM-B-002",
    "Community policing",
    "Community policing vehicles",
    3,
    "equipment",
    774_700,
    "JMD",
    2,
    "",
]


def test_focal_point_imports_fixes_a_bad_row_and_sees_the_matrix(
    live_server: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    ensure_world()
    AssessmentCycle.objects.create(
        year=2030,
        status="open",
        valuation_date=date(2030, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
        tlp="CLEAR",
    )
    bad_row = [*OTHER[:7], "-500", *OTHER[8:]]
    bad = tmp_path / "needs-bad.xlsx"
    bad.write_bytes(workbook([GOOD, bad_row]))
    fixed = tmp_path / "needs-fixed.xlsx"
    fixed.write_bytes(workbook([GOOD, OTHER]))
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("User name").fill("jam_focal")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        page.goto(f"{live_server.url}/needs/matrix/?cycle=2030")
        expect(page.get_by_test_id("matrix-total")).to_contain_text("0 needs")
        page.get_by_role("link", name="Import a workbook").click()
        page.get_by_label("Cycle").select_option(label="2030")
        page.get_by_label("Workbook (.xlsx)").set_input_files(str(bad))
        page.get_by_role("button", name="Check the workbook").click()
        table = page.get_by_test_id("import-errors")
        expect(page.get_by_role("alert").first).to_contain_text("nothing was imported")
        expect(table.locator("tbody tr")).to_have_count(1)
        expect(table.locator("tbody tr").first).to_contain_text("3")
        expect(table.locator("tbody tr").first).to_contain_text("H")
        expect(table.locator("tbody tr").first).to_contain_text("zero or more")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the error report").click()
        assert download.value.suggested_filename == "needs-import-errors.xlsx"

        page.get_by_label("Cycle").select_option(label="2030")
        page.get_by_label("Workbook (.xlsx)").set_input_files(str(fixed))
        page.get_by_role("button", name="Check the workbook").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("2 to create, 0 to update")
        page.get_by_role("button", name="Confirm the import").click()

        expect(page).to_have_url(f"{live_server.url}/needs/matrix/?cycle=2030")
        expect(page.get_by_role("status").first).to_contain_text("2 created")
        cell = page.locator('td[data-cell="JAM-II.a"]')
        expect(cell).to_contain_text("(2)")
        heat_cell = page.locator('svg.heatmap a[href$="state=JAM&category=II.a"]')
        expect(heat_cell).to_have_count(1)
        expect(heat_cell).to_have_accessible_name(re.compile(r"^Jamaica, .*: 2 needs, USD "))
        expect(page.get_by_test_id("matrix-total")).to_contain_text("2 needs")
        # The heat map's cell is a link by keyboard and by pointer (its words let clicks through).
        heat_cell.focus()
        expect(heat_cell).to_be_focused()
        heat_cell.click()
        expect(page).to_have_url(re.compile(r"/needs/\?cycle=2030&state=JAM&category=II\.a$"))
        expect(page.get_by_role("link", name="JAM-B-001")).to_be_visible()
        # The rejected upload answers 400 on purpose; chromium logs that status as a console error.
        assert [e for e in errors if "status of 400" not in e] == []
