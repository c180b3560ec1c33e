"""Entering monitoring values: the grid, the workbook import, the command line, review and the
value form, through the full stack."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook, load_workbook

from seccoop.accounts.models import User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring import services
from seccoop.monitoring.models import Indicator, ValidationRule, Value
from seccoop.monitoring.reference import load_homicide_rates
from seccoop.monitoring.services import COLUMNS

pytestmark = pytest.mark.django_db

HEADER = [title for _field, title in COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRID = "/monitoring/entry/"
PERIOD = "2026-Q3"


# --- helpers ---------------------------------------------------------------------------------


def user(username: str) -> User:
    return User.objects.get(username=username)


def make_indicator(code: str, **fields: Any) -> Indicator:
    """A public (TLP:CLEAR) quarterly count of the Commission unless told otherwise."""
    values: dict[str, Any] = {
        "name": f"Indicator {code}",
        "definition": f"What {code} counts.",
        "unit": "cases",
        "measure_type": Indicator.MeasureType.UNIT,
        "aggregation": Indicator.Aggregation.SUM,
        "period_type": Indicator.PeriodType.QUARTERLY,
        "category": Category.objects.get(code="I.b"),
        "owner": Organisation.objects.get(code="COMMISSION"),
        "tlp": TLP.CLEAR,
        **fields,
    }
    return Indicator.objects.create(code=code, **values)


@pytest.fixture
def quarterly(world: None) -> dict[str, Indicator]:
    return {
        "seiz": make_indicator("Q-SEIZ", name="Firearms seized"),
        "share": make_indicator("Q-SHARE", name="Firearms traced", measure_type="percentage"),
        "vict": make_indicator("Q-VICT", disaggregations={"sex": ["female", "male"]}),
        "annual": make_indicator("Y-ONLY", period_type=Indicator.PeriodType.ANNUAL),
    }


@pytest.fixture
def homicide(world: None) -> Indicator:
    load_homicide_rates()
    return Indicator.objects.get(code="HOM-RATE")


def block_above(indicator: Indicator, maximum: int, code: str = "MAX") -> ValidationRule:
    return ValidationRule.objects.create(
        indicator=indicator,
        code=code,
        kind=ValidationRule.RuleKind.RANGE,
        maximum=maximum,
        severity=ValidationRule.Severity.BLOCK,
        owner=Organisation.objects.get(code="COMMISSION"),
    )


def grid_post(client: Client, cells: dict[str, str], do: str = "save", state: str = "JAM") -> Any:
    return client.post(GRID, {"state": state, "period": PERIOD, "do": do, **cells})


def cell(indicator: Indicator, field: str = "value", key: str = "") -> str:
    """The grid's field name for one cell: ``<indicator pk>:<disaggregation>:<field>``."""
    return f"{indicator.pk}:{key}:{field}"


def page(response: Any) -> str:
    return unescape(response.content.decode())


def grid_values(state: str = "JAM") -> list[tuple[str, str, Any, str]]:
    return [
        (v.indicator.code, v.disaggregation, v.value, v.status)
        for v in Value.objects.filter(state__iso3=state, period=PERIOD)
        .select_related("indicator")
        .order_by("indicator__code", "disaggregation")
    ]


def workbook(rows: list[list[Any]], sheet: str = "Values") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(
    indicator: str = "Q-SEIZ",
    state: str = "JAM",
    period: str = PERIOD,
    cell: str = "",
    value: Any = 40,
    **rest: Any,
) -> list[Any]:
    fields = {"quality": "B", "comment": "", "evidence": "", "low": None, "high": None, **rest}
    return [
        indicator,
        state,
        period,
        cell,
        value,
        fields["low"],
        fields["high"],
        fields["quality"],
        fields["comment"],
        fields["evidence"],
        fields.get("reason", ""),
    ]


def upload(client: Client, data: bytes) -> Any:
    return client.post(
        "/monitoring/import/", {"file": SimpleUploadedFile("values.xlsx", data, content_type=XLSX)}
    )


def token_of(preview: Any) -> str:
    found = re.search(r'name="token" value="([^"]+)"', preview.content.decode())
    assert found, preview.content.decode()[:2000]
    return found.group(1)


def summary_of(preview: Any) -> str:
    found = re.search(r'data-testid="import-summary">([^<]*)<', preview.content.decode())
    assert found, preview.content.decode()[:2000]
    return found.group(1)


def error_table(response: Any) -> list[tuple[str, str, str]]:
    text = response.content.decode()
    assert 'data-testid="import-errors"' in text, text[:2000]
    table = text.split('data-testid="import-errors"')[1].split("</table>")[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)
    return [(unescape(r), unescape(c), unescape(m)) for r, c, m in cells]


def submitted_values(actor: User, indicator: Indicator, periods: list[str]) -> list[Value]:
    """JAM values saved and submitted by ``actor`` through the services."""
    jam = Party.objects.get(iso3="JAM")
    values = []
    for number, period in enumerate(periods, start=10):
        value = services.new_value(indicator, jam, indicator.parse_period(period))
        value.value = number
        values.append(services.save_value(value, actor=actor))
    services.transition(values, "submit", actor=actor)
    return values


# --- the entry grid ----------------------------------------------------------------------------


def test_the_grid_lists_the_quarterly_indicators(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    response = client_for("jam_focal").get(f"{GRID}?state=JAM&period={PERIOD}")
    assert response.status_code == 200
    rows = re.findall(r'data-indicator="([^"]+)" data-cell="([^"]*)"', response.content.decode())
    assert rows == [
        ("Q-SEIZ", ""),
        ("Q-SHARE", ""),
        ("Q-VICT", ""),
        ("Q-VICT", "sex=female"),
        ("Q-VICT", "sex=male"),
    ]
    assert f'name="{cell(quarterly["vict"], key="sex=female")}"' in response.content.decode()


def test_the_grid_saves_drafts_then_submits(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    client = client_for("jam_focal")
    seiz, share, vict = quarterly["seiz"], quarterly["share"], quarterly["vict"]
    saved = grid_post(
        client,
        {
            cell(seiz): "40",
            cell(seiz, "quality"): "a",
            cell(share): "62.5",
            cell(vict, key="sex=female"): "3",
            cell(vict, key="sex=male"): "11",
        },
    )
    assert saved.status_code == 302
    assert saved["Location"] == f"{GRID}?state=JAM&period={PERIOD}"
    assert grid_values() == [
        ("Q-SEIZ", "", 40, "draft"),
        ("Q-SHARE", "", Decimal("62.5"), "draft"),
        ("Q-VICT", "sex=female", 3, "draft"),
        ("Q-VICT", "sex=male", 11, "draft"),
    ]
    assert Value.objects.get(indicator=seiz).quality == "A"
    again = client.get(saved["Location"])
    assert "Saved as drafts: 4 new, 0 changed." in page(again)
    # A browser posts every input of the grid again, changed or not.
    submitted = grid_post(
        client,
        {
            cell(seiz): "41",
            cell(seiz, "quality"): "A",
            cell(share): "62.5",
            cell(vict, key="sex=female"): "3",
            cell(vict, key="sex=male"): "11",
        },
        do="submit",
    )
    assert submitted.status_code == 302
    assert grid_values() == [
        ("Q-SEIZ", "", 41, "submitted"),
        ("Q-SHARE", "", Decimal("62.5"), "submitted"),
        ("Q-VICT", "sex=female", 3, "submitted"),
        ("Q-VICT", "sex=male", 11, "submitted"),
    ]


def test_the_grid_shows_a_round_figure_as_typed(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    client = client_for("jam_focal")
    assert grid_post(client, {cell(quarterly["seiz"]): "100"}).status_code == 302
    text = client.get(f"{GRID}?state=JAM&period={PERIOD}").content.decode()
    field = re.search(rf'name="{cell(quarterly["seiz"])}"[^>]*value="([^"]*)"', text)
    assert field, text[:2000]
    assert field.group(1) == "100"


def test_a_blocking_rule_stops_the_grid_submission(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    block_above(quarterly["seiz"], 100)
    client = client_for("jam_focal")
    response = grid_post(
        client, {cell(quarterly["seiz"]): "150", cell(quarterly["share"]): "50"}, do="submit"
    )
    assert response.status_code == 400
    text = page(response)
    assert "Q-SEIZ/MAX: Q-SEIZ JAM 2026-Q3 is 150, above the maximum 100." in text
    assert "Nothing was submitted: fix the values above first." in text
    assert not Value.objects.filter(status=Value.Status.SUBMITTED).exists()
    assert {status for *_rest, status in grid_values()} == {"draft"}


def test_text_in_a_numeric_cell_saves_nothing(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    before = Value.objects.count()
    response = grid_post(
        client_for("jam_focal"),
        {cell(quarterly["seiz"]): "forty", cell(quarterly["share"]): "50"},
    )
    assert response.status_code == 400
    text = page(response)
    assert "'forty' is not a number; Q-SEIZ is numeric." in text
    assert "Nothing was saved: 1 problem(s) are marked below." in text
    assert Value.objects.count() == before


def test_a_focal_point_cannot_post_another_states_grid(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    client = client_for("jam_focal")
    assert client.get(f"{GRID}?state=BRB&period={PERIOD}").status_code == 200
    response = grid_post(client, {cell(quarterly["seiz"]): "40"}, state="BRB")
    assert response.status_code == 403
    assert not Value.objects.exists()


# --- the workbook ------------------------------------------------------------------------------


def test_workbook_preview_confirm_and_reimport(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    client = client_for("jam_focal")
    data = workbook(
        [
            row(value=40, comment="coast guard"),
            row("Q-VICT", cell="sex=female", value=3),
            row("Y-ONLY", period=2025, value=7),
        ]
    )
    preview = upload(client, data)
    assert preview.status_code == 200
    assert summary_of(preview) == "3 to create, 0 to update, 0 unchanged."
    assert not Value.objects.exists()  # the preview writes nothing
    done = client.post("/monitoring/import/confirm/", {"token": token_of(preview)})
    assert done.status_code == 302 and done["Location"] == "/monitoring/values/"
    stored = {
        (v.indicator.code, v.period, v.disaggregation): (v.value, v.status, v.comment)
        for v in Value.objects.select_related("indicator")
    }
    assert stored == {
        ("Q-SEIZ", PERIOD, ""): (40, "draft", "coast guard"),
        ("Q-VICT", PERIOD, "sex=female"): (3, "draft", ""),
        ("Y-ONLY", "2025", ""): (7, "draft", ""),
    }
    versions = dict(Value.objects.values_list("pk", "version"))
    again = upload(client, data)
    assert summary_of(again) == "0 to create, 0 to update, 3 unchanged."
    assert client.post("/monitoring/import/confirm/", {"token": token_of(again)}).status_code == 302
    assert dict(Value.objects.values_list("pk", "version")) == versions
    # The token is spent: confirming twice imports nothing more.
    stale = client.post("/monitoring/import/confirm/", {"token": token_of(again)}, follow=True)
    assert "This import preview has expired" in page(stale)


def test_a_bad_row_is_listed_and_nothing_is_written(
    quarterly: dict[str, Indicator], client_for: Any
) -> None:
    client = client_for("jam_focal")
    data = workbook(
        [
            row(value=40),
            row("Q-SHARE", value=140),
            row(state="BRB"),
            row(period="2026-Q5"),
        ]
    )
    response = upload(client, data)
    assert response.status_code == 400
    assert error_table(response) == [
        ("3", "E", "140 is not a percentage: Q-SHARE runs from 0 to 100."),
        ("4", "B", "You cannot report values for BRB."),
        (
            "5",
            "C",
            "Unknown period '2026-Q5': '2026-Q5' is not a period; write 2019, 2019-H1, "
            "2019-Q3, 2019-07 or FY2019",
        ),
    ]
    assert "3 problems found; nothing was imported." in page(response)
    assert not Value.objects.exists()
    report = client.get("/monitoring/import/errors.xlsx")
    assert report.status_code == 200
    assert report["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(report.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Row", "Column", "Field", "Message"]
    assert [r[:3] for r in rows[1:]] == [[3, "E", "value"], [4, "B", "state"], [5, "C", "period"]]


# --- the command line --------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("indicators", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_dry_run_import_and_errors(quarterly: dict[str, Indicator], tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook([row(value=40), row(state="BRB", value=12)]))
    out, _err = run("import", str(good), "--dry-run")
    assert out.strip() == "dry run, nothing written: 2 to create, 0 to update, 0 unchanged"
    assert not Value.objects.exists()
    out, _err = run("import", str(good))
    assert out.strip() == "imported: 2 created, 0 updated, 0 unchanged"
    assert sorted(Value.objects.values_list("state__iso3", "value")) == [("BRB", 12), ("JAM", 40)]
    out, _err = run("import", str(good))
    assert out.strip() == "imported: 0 created, 0 updated, 2 unchanged"

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([row(value=41), row("Q-SHARE", value="high")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was written\."):
        call_command("indicators", "import", str(bad), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == (
        "row 3, column E (value): 'high' is not a number; Q-SHARE is numeric."
    )
    assert Value.objects.get(state__iso3="JAM").value == 40  # row 2 was not written either
    with pytest.raises(CommandError, match=r"1 problem\(s\)"):
        run("import", str(bad), "--dry-run")

    not_xlsx = tmp_path / "values.csv"
    not_xlsx.write_text("indicator,state\n")
    with pytest.raises(CommandError, match=r"1 problem\(s\)"):
        run("import", str(not_xlsx))
    with pytest.raises(CommandError, match="No file"):
        run("import", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        run("import", str(good), "--as", "nobody")
    with pytest.raises(CommandError, match=r"1 problem\(s\)"):
        run("import", str(good), "--as", "jam_focal")  # BRB is not JAM's to report
    assert Value.objects.count() == 2


def test_command_writes_the_template(quarterly: dict[str, Indicator], tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    out, _err = run("template", "--out", str(path))
    assert out.strip() == f"wrote {path}"
    wb = load_workbook(path)
    assert [c.value for c in wb["Values"][1]] == HEADER
    lists = wb["Lists"]
    assert lists.sheet_state == "hidden"
    codes = [lists.cell(row=r, column=1).value for r in range(2, lists.max_row + 1)]
    assert {"Q-SEIZ", "Q-SHARE", "Q-VICT", "Y-ONLY"} <= set(codes)


# --- review ------------------------------------------------------------------------------------


def test_secretariat_approves_and_returns_on_the_review_page(
    quarterly: dict[str, Indicator], client_for: Any, users: dict[str, User]
) -> None:
    values = submitted_values(users["jam_focal"], quarterly["seiz"], ["2026-Q1", "2026-Q2"])
    other = submitted_values(users["jam_focal"], quarterly["share"], ["2026-Q1"])[0]
    client = client_for("secretariat")
    queue = client.get("/monitoring/review/")
    assert queue.status_code == 200
    assert "3 values wait for approval." in page(queue)
    approved = client.post(
        "/monitoring/review/", {"ids": [v.pk for v in values], "action": "approve"}
    )
    assert approved.status_code == 302
    for v in values:
        v.refresh_from_db()
        assert (v.status, v.approved_by) == ("approved", users["secretariat"])
    no_reason = client.post(
        "/monitoring/review/", {"ids": [other.pk], "action": "return"}, follow=True
    )
    assert "Give a reason." in page(no_reason)
    other.refresh_from_db()
    assert other.status == "submitted"
    client.post(
        "/monitoring/review/", {"ids": [other.pk], "action": "return", "reason": "Check Q1"}
    )
    other.refresh_from_db()
    assert (other.status, other.return_reason) == ("returned", "Check Q1")
    # A focal point has no review queue to act on.
    refused = client_for("jam_focal").post(
        "/monitoring/review/", {"ids": [v.pk for v in values], "action": "return", "reason": "x"}
    )
    assert refused.status_code == 302
    assert set(
        Value.objects.filter(pk__in=[v.pk for v in values]).values_list("status", flat=True)
    ) == {"approved"}


# --- the value form ----------------------------------------------------------------------------


def edit_form(value: Value, **changes: Any) -> dict[str, Any]:
    data = {
        "version": value.version,
        "value": "50.1",
        "low": "",
        "high": "",
        "quality": value.quality,
        "comment": value.comment,
        "evidence": value.evidence,
        "reason": "",
    }
    data.update(changes)
    return data


def test_editing_an_approved_value_needs_a_reason(homicide: Indicator, client_for: Any) -> None:
    value = Value.objects.get(indicator=homicide, state__iso3="JAM", period="2023")
    url = f"/monitoring/values/{value.pk}/edit/"
    client = client_for("jam_focal")
    form = client.get(url)
    assert form.status_code == 200
    assert "This value is approved and locked." in page(form)
    refused = client.post(url, edit_form(value))
    assert refused.status_code == 400
    assert "HOM-RATE JAM 2023 is approved and locked; give a reason for the change." in page(
        refused
    )
    value.refresh_from_db()
    assert (value.value, value.status, value.version) == (Decimal("49.44"), "approved", 1)
    done = client.post(url, edit_form(value, reason="UNODC revised the 2023 figure"))
    assert done.status_code == 302
    assert done["Location"] == f"/monitoring/values/{value.pk}/"
    value.refresh_from_db()
    assert (value.value, value.status, value.version) == (Decimal("50.1"), "submitted", 2)
    assert "UNODC revised the 2023 figure" in value.history.first().history_change_reason


def test_a_stale_form_saves_nothing(homicide: Indicator, client_for: Any) -> None:
    value = Value.objects.get(indicator=homicide, state__iso3="JAM", period="2022")
    url = f"/monitoring/values/{value.pk}/edit/"
    client = client_for("jam_focal")
    stale = edit_form(value, reason="first")
    assert client.post(url, stale).status_code == 302
    value.refresh_from_db()
    assert value.version == 2
    again = client.post(url, {**stale, "value": "60", "reason": "second"}, follow=True)
    assert again.redirect_chain == [(url, 302)]
    assert "This value changed since you opened it" in page(again)
    value.refresh_from_db()
    assert (value.value, value.version) == (Decimal("50.1"), 2)


def test_another_state_cannot_open_the_value_form(homicide: Indicator, client_for: Any) -> None:
    value = Value.objects.get(indicator=homicide, state__iso3="JAM", period="2023")
    url = f"/monitoring/values/{value.pk}/edit/"
    assert client_for("brb_focal").post(url, edit_form(value, reason="x")).status_code in (403, 404)
    value.refresh_from_db()
    assert (value.value, value.status) == (Decimal("49.44"), "approved")
