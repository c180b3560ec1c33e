"""Reported values in a workbook: the import template, and reading a filled one.

A filled workbook's rows go through the write path every writer of values shares,
:class:`seccoop.monitoring.services.ValuesImporter` (its declared columns and row rules check every
row and collect every error with its row and column; it writes the whole plan in one transaction).
This module only knows the template: the sheet, its columns and its dropdowns.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from seccoop.core.workbooks import WEB_LIMITS, Limits
from seccoop.framework.models import Party

from .models import Indicator, Value
from .services import COLUMNS, LETTER, ValuesImporter

SHEET = ValuesImporter.sheet
LISTS_SHEET = "Lists"


def read_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
    """Check the file and return the rows of the Values sheet (row 1 is the header)."""
    return ValuesImporter.read(data, limits)


def template_workbook(user: Any) -> bytes:
    """The import template: the header, and dropdowns for indicator, state and quality."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([title for _f, title in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, width in enumerate([16, 10, 10, 18, 12, 10, 10, 10, 40, 40, 30], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    lists = wb.create_sheet(LISTS_SHEET)
    columns = {
        "indicator": list(Indicator.objects.restrict(user, "view").values_list("code", flat=True)),
        "state": sorted(
            Party.objects.restrict(user, "view")
            .filter(organisation__side="caribbean")
            .values_list("iso3", flat=True)
        ),
        "quality": list(Value.Quality.values),
    }
    for col, (name, values) in enumerate(columns.items(), start=1):
        lists.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value)
        letter = get_column_letter(col)
        validation = DataValidation(
            type="list",
            formula1=f"={LISTS_SHEET}!${letter}$2:${letter}${max(len(values), 1) + 1}",
            allow_blank=name == "quality",
            showErrorMessage=True,
        )
        validation.error = _("Choose a value from the list.")
        ws.add_data_validation(validation)
        validation.add(f"{LETTER[name]}2:{LETTER[name]}5000")
    # Periods are text (2019, 2019-Q3, FY2019): keep Excel from turning them into numbers or dates.
    for row in range(2, 5001):
        ws[f"{LETTER['period']}{row}"].number_format = "@"
    lists.sheet_state = "hidden"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
