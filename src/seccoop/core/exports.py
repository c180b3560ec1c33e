"""CSV and XLSX exports that carry their TLP marking and cannot inject formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .audit import record_export
from .markings import TLP, derived_marking, label, most_restrictive

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula is prefixed with a quote."""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def marking_of(model: type[models.Model], rows: Sequence[Any]) -> str:
    if any(f.name == "tlp" for f in model._meta.get_fields()):
        return most_restrictive((getattr(r, "tlp", TLP.CLEAR) for r in rows), default=TLP.CLEAR)
    return str(getattr(model, "default_marking", TLP.CLEAR))


def export_response(
    model: type[models.Model],
    columns: Sequence[Any],
    rows: Sequence[Any],
    fmt: str,
    title: str = "",
    *,
    inputs: Any = None,
    what: str = "",
    stem: str = "",
) -> HttpResponse:
    """The rows as a CSV or XLSX file marked with the most restrictive marking of the rows and of
    ``inputs`` (the records the figures were derived from, see :func:`derived_marking`), with
    the marking in the first row, the last row, the file name and the ``X-TLP`` header. Writes
    the export's audit event (``what``: the model's label unless told)."""
    # TLP:RED is view-only: it never leaves the platform in an export.
    rows = [r for r in rows if getattr(r, "tlp", None) != TLP.RED]
    marking = derived_marking(marking_of(model, rows), inputs)
    if marking == TLP.RED:
        raise PermissionDenied(
            _("These figures are derived from TLP:RED records, which are never exported.")
        )
    banner = _("{marking} - exported from seccoop on {when} UTC - {title}").format(
        marking=label(marking),
        when=timezone.now().strftime("%Y-%m-%d %H:%M"),
        title=title or model._meta.verbose_name_plural,
    )
    header = [str(c.label) for c in columns]
    body = [[safe_cell(c.value(r)) for c in columns] for r in rows]
    name = stem or str(model._meta.verbose_name_plural)
    stem = f"{slugify(name)}-tlp-{slugify(marking)}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=name[:31])
        ws.append([banner])
        ws.append(header)
        for row in body:
            ws.append(row)
        ws.append([label(marking)])
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    else:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([banner])
        writer.writerow(header)
        writer.writerows(body)
        writer.writerow([label(marking)])
        response = HttpResponse(
            buf.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    response["X-TLP"] = label(marking)
    record_export(what or model._meta.label_lower, fmt=fmt, marking=marking, rows=len(body))
    return response
