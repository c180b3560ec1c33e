"""Workbook uploads shared by every importer: limits, the file checks, row errors, error reports.

An importer reads a sheet with ``read_sheet`` (size, zip structure, sheet and header are checked
before any row is looked at), validates every row collecting ``RowError``s, and writes all or
nothing. ``ImportRejected`` carries the errors; ``error_report`` turns them into a workbook.
"""

from __future__ import annotations

import io
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Limits:
    """What an upload may be. The web form uses the defaults; the command line may allow more."""

    max_bytes: int = 5 * 1024 * 1024
    max_unpacked: int = 50 * 1024 * 1024
    max_members: int = 1000
    max_rows: int = 10_000


WEB_LIMITS = Limits()
CLI_LIMITS = Limits(max_bytes=200 * 1024 * 1024, max_unpacked=2 * 1024**3, max_rows=1_000_000)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }


class ImportRejected(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


def file_error(message: str) -> ImportRejected:
    return ImportRejected([RowError(0, "", "file", message)])


def read_sheet(
    data: bytes, sheet: str, columns: list[tuple[str, str]], limits: Limits = WEB_LIMITS
) -> list[list[Any]]:
    """Check the file and return the rows of ``sheet`` (row 1, the header, must match ``columns``)."""
    if len(data) > limits.max_bytes:
        raise file_error(
            _("The file is {size} MB; the limit is {limit} MB.").format(
                size=round(len(data) / 1024 / 1024, 1), limit=limits.max_bytes // 1024 // 1024
            )
        )
    if not data.startswith(b"PK\x03\x04"):
        raise file_error(
            _("This is not an XLSX workbook (Excel 2007 or later). Save it as .xlsx and try again.")
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.max_members:
                raise file_error(
                    _("The workbook has too many parts ({count}).").format(count=len(members))
                )
            if sum(m.file_size for m in members) > limits.max_unpacked:
                raise file_error(
                    _("The workbook unpacks to more than {limit} MB.").format(
                        limit=limits.max_unpacked // 1024 // 1024
                    )
                )
    except zipfile.BadZipFile:
        raise file_error(
            _("The file is truncated or damaged; it cannot be opened as a workbook.")
        ) from None
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet not in names:
            raise file_error(
                _(
                    "The workbook has no sheet named '{sheet}' (it has: {names}). Start from the template."
                ).format(sheet=sheet, names=", ".join(names))
            )
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except ImportRejected:
        raise
    except Exception as exc:  # calamine raises its own errors for damaged content
        raise file_error(
            _("The workbook cannot be read: {reason}").format(reason=str(exc)[:200])
        ) from None
    if not rows:
        raise file_error(_("The sheet '{sheet}' is empty.").format(sheet=sheet))
    header = [str(c).strip() for c in rows[0]]
    for index, (name, title) in enumerate(columns):
        found = header[index] if index < len(header) else ""
        if found.lower() not in (title.lower(), name.lower()):
            raise ImportRejected(
                [
                    RowError(
                        1,
                        get_column_letter(index + 1),
                        name,
                        _(
                            "Column {col} should be '{title}' but is '{found}'. Start from the template."
                        ).format(col=get_column_letter(index + 1), title=title, found=found),
                    )
                ]
            )
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r[: len(columns)])]
    if len(body) > limits.max_rows:
        raise file_error(
            _("The sheet has {count} rows; the limit is {limit}.").format(
                count=len(body), limit=limits.max_rows
            )
        )
    return rows


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def formula_like(text: str) -> bool:
    return text.startswith(("=", "@"))


def error_report(errors: list[RowError]) -> bytes:
    """The errors as a workbook: row, column, field, message."""
    from openpyxl import Workbook

    from seccoop.core.exports import safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Errors")
    ws.append([_("Row"), _("Column"), _("Field"), _("Message")])
    for e in errors:
        ws.append([e.row, e.column, e.field, safe_cell(e.message)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


#: A previewed workbook that is never confirmed is removed after this long.
UPLOAD_RETENTION_SECONDS = 24 * 3600


def upload_dir() -> Path:
    """Where previewed workbooks wait for confirmation; stale ones are removed on the way."""
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_RETENTION_SECONDS
    for stale in path.glob("*.xlsx"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except FileNotFoundError:  # another worker removed it first
            continue
    return path


class PendingUpload:
    """The two-step upload wizard's memory: a previewed workbook waits (under a random token, in
    ``upload_dir``) until the user confirms it; the errors of a rejected one stay in the session
    for the downloadable error report. ``key`` names the wizard (e.g. ``needs_import``)."""

    def __init__(self, request: Any, key: str) -> None:
        self.request = request
        self.key = key

    def keep(self, data: bytes, name: str, **extra: Any) -> str:
        token = secrets.token_urlsafe(16)
        (upload_dir() / f"{token}.xlsx").write_bytes(data)
        self.request.session[self.key] = {"token": token, "name": name[:100], **extra}
        return token

    def pending(self) -> dict[str, Any] | None:
        """The waiting upload named by the posted token, or None (expired or not this one)."""
        pending = self.request.session.get(self.key) or {}
        if not pending or self.request.POST.get("token") != pending.get("token"):
            return None
        return dict(pending)

    def read(self, pending: dict[str, Any]) -> bytes | None:
        path = upload_dir() / f"{pending['token']}.xlsx"
        return path.read_bytes() if path.exists() else None

    def discard(self, pending: dict[str, Any]) -> None:
        (upload_dir() / f"{pending['token']}.xlsx").unlink(missing_ok=True)
        self.request.session.pop(self.key, None)

    def remember_errors(self, errors: list[RowError]) -> None:
        self.request.session[f"{self.key}_errors"] = [e.as_dict() for e in errors[:2000]]

    def error_report_response(self, filename: str) -> Any:
        from django.http import HttpResponse

        from .audit import record_export
        from .markings import TLP

        errors = [RowError(**e) for e in self.request.session.get(f"{self.key}_errors", [])]
        response = HttpResponse(
            error_report(errors),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # The report repeats the uploader's own rows: marked as a new record is, by default.
        record_export(f"{self.key}.errors", fmt="xlsx", marking=TLP.AMBER_STRICT, rows=len(errors))
        return response
