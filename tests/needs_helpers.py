"""Helpers for the needs tests: workbooks built in memory, and an open assessment cycle."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from seccoop.framework.models import Category, Organisation, Party
from seccoop.needs.importer import COLUMNS, SHEET
from seccoop.needs.models import AssessmentCycle, Need

HEADER = [title for _field, title in COLUMNS]
FIELDS = [field for field, _title in COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_cycle(
    year: int = 2030,
    valuation_date: date | None = None,
    status: str = AssessmentCycle.Status.OPEN,
) -> AssessmentCycle:
    """An assessment cycle owned by the Commission, public (TLP:CLEAR)."""
    return AssessmentCycle.objects.create(
        year=year,
        status=status,
        valuation_date=valuation_date or date(year, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
        tlp="CLEAR",
    )


@pytest.fixture
def open_cycle(world: None) -> AssessmentCycle:
    """The open 2030 cycle (rates stop in 2024, so the latest rate applies)."""
    return make_cycle(2030, date(2030, 1, 1))


def row(
    state: str = "JAM",
    category: str = "I.a",
    reference: str = "JAM-001",
    sub_area: str = "",
    description: str = "Patrol boats",
    severity: Any = 3,
    gap_type: str = "equipment",
    amount: Any = 1000,
    currency: str = "JMD",
    priority_rank: Any = None,
    evidence: str = "",
) -> list[Any]:
    """One data row in template order (A..K)."""
    return [
        state,
        category,
        reference,
        sub_area,
        description,
        severity,
        gap_type,
        amount,
        currency,
        priority_rank,
        evidence,
    ]


def workbook_bytes(
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = SHEET,
    header: Sequence[str] | None = None,
    text_cells: Iterable[tuple[int, int, str]] = (),
) -> bytes:
    """A workbook with one sheet: the header, then ``rows``.

    ``text_cells`` are (row, column, text) cells stored as plain text even when the text starts
    with '=' (openpyxl would otherwise write a formula).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(HEADER if header is None else header))
    for values in rows:
        ws.append(list(values))
    for r, c, text in text_cells:
        cell = ws.cell(row=r, column=c)
        cell.value = text
        cell.data_type = "s"
    return save(wb)


def fill_template(template: bytes, rows: Iterable[Sequence[Any]]) -> bytes:
    """The template with ``rows`` appended under its header, as a focal point would fill it."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET]
    for values in rows:
        ws.append(list(values))
    return save(wb)


def save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_rows(data: bytes, sheet: str | None = None) -> list[list[Any]]:
    """The values of a workbook's sheet (the first one unless named)."""
    wb = load_workbook(io.BytesIO(data), read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def export_to_template_rows(exported: bytes) -> list[list[Any]]:
    """Rows of a /needs/?export=xlsx workbook rearranged into the template's columns.

    The export has a marking banner, its own header and a closing marking line; its columns are
    matched to the template's by field. A template column the export lacks comes back empty.
    """
    rows = sheet_rows(exported)
    header = [str(c) for c in rows[1]]
    by_label = {
        "State": "state",
        "Category": "category",
        "Reference": "reference",
        "Sub-area": "sub_area",
        "Description": "description",
        "Severity": "severity",
        "Gap type": "gap_type",
        "Cost": "amount",
        "Currency": "currency",
        "State's priority rank": "priority_rank",
        "State priority rank": "priority_rank",
        "Evidence": "evidence",
    }
    index = {by_label[h]: i for i, h in enumerate(header) if h in by_label}
    body = [r for r in rows[2:] if len(r) == len(header)]
    return [[r[index[f]] if f in index else None for f in FIELDS] for r in body]


def make_need(
    cycle: AssessmentCycle,
    actor: Any,
    *,
    state: str = "JAM",
    category: str = "I.a",
    reference: str = "JAM-001",
    amount: Decimal | int | str = 1000,
    currency: str = "JMD",
    **fields: Any,
) -> Need:
    """A need saved through the service (priced, owned by the state, released to the Commission)."""
    from seccoop.needs.services import save_need

    need = Need(
        cycle=cycle,
        state=Party.objects.get(iso3=state),
        category=Category.objects.get(code=category),
        reference=reference,
        description=fields.pop("description", "Patrol boats"),
        severity=fields.pop("severity", 3),
        gap_type=fields.pop("gap_type", Need.GapType.EQUIPMENT),
        amount=Decimal(amount),
        currency=currency,
        **fields,
    )
    return save_need(need, actor=actor)
