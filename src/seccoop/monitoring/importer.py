"""Reported values in a workbook: the import template, and reading a filled one.

A filled workbook's rows go through the write path every writer of values shares,
:class:`seccoop.monitoring.services.ValuesImporter` (its declared columns and row rules check every
row and collect every error with its row and column; it writes the whole plan in one transaction).
This module only knows the template: the sheet, its columns and its dropdowns.
"""

from __future__ import annotations

from typing import Any

from seccoop.core.importing import Template
from seccoop.core.workbooks import WEB_LIMITS, Limits
from seccoop.framework.models import Party

from .models import Indicator, Value
from .services import ValuesImporter

SHEET = ValuesImporter.sheet
LISTS_SHEET = "Lists"


def read_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
    """Check the file and return the rows of the Values sheet (row 1 is the header)."""
    return ValuesImporter.read(data, limits)


def template_workbook(user: Any) -> bytes:
    """The import template: the header, and dropdowns for indicator, state and quality."""
    template = Template(ValuesImporter, [16, 10, 10, 18, 12, 10, 10, 10, 40, 40, 30])
    codes = Indicator.objects.restrict(user, "view").values_list("code", flat=True)
    template.dropdown("indicator", list(codes))
    caribbean = Party.objects.restrict(user, "view").filter(organisation__side="caribbean")
    template.dropdown("state", sorted(caribbean.values_list("iso3", flat=True)))
    template.dropdown("quality", list(Value.Quality.values), allow_blank=True)
    # Periods are text (2019, 2019-Q3, FY2019): keep Excel from turning them into numbers or dates.
    template.as_text("period")
    return template.save()
