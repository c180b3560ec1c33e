"""Workbook uploads shared by every importer: limits, the file checks, row errors, error reports.

An importer reads a sheet with ``read_sheet``, validates every row collecting ``RowError``s, and
writes all or nothing. ``ImportRejected`` carries the errors; ``error_report`` turns them into a
workbook.

``read_sheet`` hands a file to the spreadsheet reader only once it is known to be read within
``Limits``: the size of the file; the zip's single end record, its number of parts, each part's
declared unpacked size, the total and the packing ratio; every part unpacked (in bounded pieces,
never whole) to exactly its declared size and checksum; only the XLSX layout (an OpenDocument or
binary workbook is refused); and, for every worksheet part, its declared ``<dimension>`` and the
cells it really holds, found by a streaming XML parse that places cells the way the reader does
(``r`` attributes, or one after another when they are absent), so a lying or missing dimension
changes nothing. A sheet reaching past the row or column limit, or spanning more cells from A1
than the cell limit, is refused naming the cell.
"""

from __future__ import annotations

import io
import posixpath
import re
import secrets
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an upload may be. The web form uses the defaults; the command line may allow more."""

    max_bytes: int = 5 * MB
    max_unpacked: int = 50 * MB
    max_members: int = 1000
    #: how many times its packed size a part over ``RATIO_FROM`` may unpack to
    max_ratio: int = 100
    #: data rows, below the header row
    max_rows: int = 10_000
    max_columns: int = 60
    #: rows x columns from A1 to the farthest cell with a value
    max_cells: int = 300_000

    @property
    def sheet_rows(self) -> int:
        """The last row a sheet may reach: the header and ``max_rows`` data rows."""
        return self.max_rows + 1


WEB_LIMITS = Limits()
CLI_LIMITS = Limits(
    max_bytes=200 * MB,
    max_unpacked=2 * 1024 * MB,
    max_rows=1_000_000,
    max_cells=12_000_000,
)

#: Parts smaller than this are not held to the packing ratio (small XML packs tightly too).
RATIO_FROM = 1 * MB
#: Unpacked bytes handed on at a time while a part is checked.
CHUNK = 64 * 1024


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


def _too_big(size: int, limits: Limits) -> ImportRejected:
    return file_error(
        _("The file is {size} MB; the limit is {limit} MB.").format(
            size=round(size / MB, 1), limit=limits.max_bytes // MB
        )
    )


def upload_too_large(limit: int) -> ImportRejected:
    """An upload the web server stopped taking at ``limit`` bytes (see ``core.uploads``)."""
    return file_error(
        _("The file is too large; the limit is {limit} MB.").format(limit=limit // MB)
    )


def read_file(path: Path, limits: Limits) -> bytes:
    """The file's bytes, once its size is known to be within ``limits`` (for the command line)."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _too_big(size, limits)
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)  # the file may have grown since
    if len(data) > limits.max_bytes:
        raise _too_big(path.stat().st_size, limits)
    return data


def _damaged() -> ImportRejected:
    return file_error(_("The file is truncated or damaged; it cannot be opened as a workbook."))


def _unreadable(reason: str) -> ImportRejected:
    return file_error(_("The workbook cannot be read: {reason}").format(reason=reason[:200]))


def _not_xlsx() -> ImportRejected:
    return file_error(
        _("This is not an XLSX workbook (Excel 2007 or later). Save it as .xlsx and try again.")
    )


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def column_letters(column: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD (and on past Excel's last column)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_END = b"PK\x05\x06"
_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"


def _check_end_record(data: bytes, limits: Limits) -> None:
    """One end record, at the very end, naming a directory small enough to read.

    Two end records would let this check and the reader see two different archives; a ZIP64 end
    record is never needed within these limits.
    """
    tail_from = max(0, len(data) - _END_SIZE - 0xFFFF)
    tail = data[tail_from:]
    if tail.count(_END) != 1:
        raise _damaged()
    at = tail_from + tail.index(_END)
    if len(data) - at < _END_SIZE:
        raise _damaged()
    _sig, _disk, _cd_disk, _here, entries, cd_size, cd_at, comment = struct.unpack(
        "<4s4H2LH", data[at : at + _END_SIZE]
    )
    if data[max(0, at - 20) : at].startswith(_ZIP64_LOCATOR):
        raise _unreadable("ZIP64")
    if at + _END_SIZE + comment != len(data) or cd_at + cd_size != at:
        raise _damaged()  # bytes after the end record, or before or between the parts
    if entries > limits.max_members:
        raise file_error(_("The workbook has too many parts ({count}).").format(count=entries))
    if cd_size > limits.max_members * 1024:
        raise _damaged()


def _part_key(name: str) -> str:
    """A part's name as the reader looks it up: forward slashes, no leading slash, any case."""
    return posixpath.normpath(name.replace("\\", "/").lstrip("/")).lower()


#: Parts that make the reader take the file for an OpenDocument or a binary (.xlsb) workbook.
_OTHER_FORMATS = {"mimetype", "content.xml", "xl/_rels/workbook.bin.rels", "xl/workbook.bin"}


def _check_members(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.max_members:
        raise file_error(_("The workbook has too many parts ({count}).").format(count=len(members)))
    keys = [_part_key(m.filename) for m in members]
    if len(set(keys)) != len(keys):
        raise _damaged()
    if _OTHER_FORMATS & set(keys):
        raise _not_xlsx()
    too_much = file_error(
        _("The workbook unpacks to more than {limit} MB.").format(limit=limits.max_unpacked // MB)
    )
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise _unreadable(_("the part '{part}' is encrypted").format(part=m.filename[:80]))
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable(f"{m.filename[:80]}: compression method {m.compress_type}")
        total += m.file_size
        if m.file_size > limits.max_unpacked or total > limits.max_unpacked:
            raise too_much
        if m.file_size > RATIO_FROM and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise file_error(
                _(
                    "The workbook part '{part}' unpacks to {ratio} times its packed size; "
                    "the limit is {limit} times."
                ).format(
                    part=m.filename[:80],
                    ratio=_grouped(m.file_size // max(m.compress_size, 1)),
                    limit=limits.max_ratio,
                )
            )


def _unpack(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's content in pieces of at most ``CHUNK`` bytes, refused as damaged the moment it
    unpacks past its declared size, and at the end unless it matches that size and its checksum."""
    at = info.header_offset
    header = data[at : at + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise _damaged()
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = at + 30 + name_length + extra_length
    end = begin + info.compress_size
    if end > len(data):
        raise _damaged()
    packed = memoryview(data)[begin:end]
    produced = 0
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(packed), CHUNK):
            piece = bytes(packed[offset : offset + CHUNK])
            produced += len(piece)
            crc = zlib.crc32(piece, crc)
            yield piece
    else:
        inflater = zlib.decompressobj(-15)
        offset = 0
        while not inflater.eof:
            if inflater.unconsumed_tail:
                feed: bytes | memoryview = inflater.unconsumed_tail
            else:
                feed = packed[offset : offset + CHUNK]
                offset += len(feed)
            try:
                piece = inflater.decompress(feed, CHUNK)
            except zlib.error:
                raise _damaged() from None
            if not piece and not feed:
                break  # the packed data ends before the deflate stream does
            produced += len(piece)
            if produced > info.file_size:
                raise _damaged()
            crc = zlib.crc32(piece, crc)
            yield piece
        if not inflater.eof:
            raise _damaged()
    if produced != info.file_size or crc != info.CRC:
        raise _damaged()


def _holds_sheet_data(data: bytes, info: zipfile.ZipInfo) -> bool:
    """Check the part unpacks right and say whether the reader could take cells from it.

    The reader only reads cells after a ``sheetData`` element, and whatever the text encoding,
    that name's letters are in the bytes (with zero bytes between them in UTF-16).
    """
    found = False
    tail = b""
    for piece in _unpack(data, info):
        if not found:
            window = tail + piece.replace(b"\x00", b"")
            found = b"sheetData" in window
            tail = window[-8:]
    return found


_REFERENCE = re.compile(r"([A-Za-z]*)([0-9]+)")


def _safe_parser() -> expat.XMLParserType:
    """An expat parser that refuses document types and entity declarations."""

    def refuse(*_args: Any) -> None:
        raise expat.ExpatError("document type declarations are not allowed")

    def refuse_external(*_args: Any) -> int:
        raise expat.ExpatError("external entities are not allowed")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def check_reach(
    label: str, limits: Limits, row: int, column: int, max_row: int = 0, max_column: int = 0
) -> None:
    """Refuse a sheet whose cell at ``row``, ``column`` is past the row or column limit, or that
    with the cells before it (reaching ``max_row``, ``max_column``) spans too many cells."""
    cell = f"{column_letters(column)}{row}"
    if row > limits.sheet_rows or column > limits.max_columns:
        raise file_error(
            _(
                "The sheet '{sheet}' reaches cell {cell} (column {column}, row {row}); "
                "the limit is column {max_column} and row {max_row}."
            ).format(
                sheet=label,
                cell=cell,
                column=column,
                row=row,
                max_column=_grouped(limits.max_columns),
                max_row=_grouped(limits.sheet_rows),
            )
        )
    cells = max(max_row, row) * max(max_column, column)
    if cells > limits.max_cells:
        raise file_error(
            _(
                "The sheet '{sheet}' reaches cell {cell}, a range of {cells} cells from A1; "
                "the limit is {limit} cells."
            ).format(
                sheet=label, cell=cell, cells=_grouped(cells), limit=_grouped(limits.max_cells)
            )
        )


class _SheetScan:
    """How far the cells of one worksheet part reach, placed the way the reader places them.

    Rows and columns count from 1. A ``row`` sets the current row from its ``r`` and moves to the
    next one when it ends; a ``c`` takes its place from its ``r`` (which also sets the current
    column) or else the current row and column, and moves one column on. A cell counts when it has
    content (a value, formula or inline string); an empty one, however far, is not read.
    """

    def __init__(self, label: str, limits: Limits) -> None:
        self.label = label
        self.limits = limits
        self.in_data = False
        self.row = 1
        self.column = 1
        self.cell: tuple[int, int] | None = None
        self.depth = 0
        self.has_content = False
        self.max_row = 0
        self.max_column = 0
        self.parser = _safe_parser()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end

    def feed(self, piece: bytes, last: bool = False) -> None:
        try:
            self.parser.Parse(piece, last)
        except expat.ExpatError as exc:
            raise _unreadable(f"{self.label}: {exc}") from None

    def place(self, reference: str, *, column: bool) -> tuple[int, int]:
        found = _REFERENCE.fullmatch(reference) if len(reference) <= 16 else None
        if not found or int(found.group(2)) < 1 or (column and not found.group(1)):
            raise _unreadable(
                _("the sheet '{sheet}' has the cell reference '{reference}'").format(
                    sheet=self.label, reference=reference[:30]
                )
            )
        letters = found.group(1).upper()
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        return int(found.group(2)), number

    def reach(self, row: int, column: int, *, count: bool = True) -> None:
        """Refuse a cell (or, with ``count=False``, a declared corner) past the limits."""
        check_reach(self.label, self.limits, row, column, self.max_row, self.max_column)
        if count:
            self.max_row = max(self.max_row, row)
            self.max_column = max(self.max_column, column)

    def dimension(self, reference: str) -> None:
        corners = [self.place(part, column=True) for part in reference.split(":")]
        if len(corners) > 2:
            raise _unreadable(
                _("the sheet '{sheet}' has the cell reference '{reference}'").format(
                    sheet=self.label, reference=reference[:30]
                )
            )
        self.reach(max(r for r, _c in corners), max(c for _r, c in corners), count=False)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell is not None:
            self.depth += 1
            self.has_content = True
            return
        local = name.rpartition(":")[2]
        if local == "c" and self.in_data:
            reference = attributes.get("r")
            if reference is None:
                self.cell = (self.row, self.column)
            else:
                self.cell = self.place(reference, column=True)
                self.column = self.cell[1]
            self.depth = 0
            self.has_content = False
        elif local == "row" and self.in_data:
            reference = attributes.get("r")
            if reference is not None:
                self.row = self.place(reference, column=False)[0]
        elif local == "sheetData":
            self.in_data = True
        elif local == "dimension" and "ref" in attributes:
            self.dimension(attributes["ref"])

    def end(self, name: str) -> None:
        if self.cell is not None:
            if self.depth:
                self.depth -= 1
                return
            if self.has_content:
                self.reach(*self.cell)
            self.cell = None
            self.column += 1
        elif self.in_data and name.rpartition(":")[2] == "row":
            self.row += 1
            self.column = 1


def _small_part(data: bytes, info: zipfile.ZipInfo | None) -> bytes:
    if info is None or info.file_size > MB:
        return b""
    return b"".join(_unpack(data, info))


def _elements(content: bytes, wanted: str) -> list[dict[str, str]]:
    """The attributes of every element named ``wanted`` (any prefix) in a small XML part."""
    found: list[dict[str, str]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if name.rpartition(":")[2] == wanted:
            found.append({k.rpartition(":")[2]: v for k, v in attributes.items()})

    parser = _safe_parser()
    parser.StartElementHandler = start
    try:
        parser.Parse(content, True)
    except expat.ExpatError:
        return []
    return found


def _sheet_names(data: bytes, parts: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Part key -> sheet name, from the workbook's relationships (for messages only)."""
    book = "xl/workbook.xml"
    for rel in _elements(_small_part(data, parts.get("_rels/.rels")), "Relationship"):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("Target"):
            book = _part_key(rel["Target"])
    folder = posixpath.dirname(book)
    rels = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets = {
        rel.get("Id", ""): rel.get("Target", "")
        for rel in _elements(_small_part(data, parts.get(rels)), "Relationship")
    }
    names = {}
    for sheet in _elements(_small_part(data, parts.get(book)), "sheet"):
        target = targets.get(sheet.get("id", ""))
        if target:
            path = target if target.startswith("/") else posixpath.join(folder, target)
            names[_part_key(path)] = sheet.get("name", "")
    return names


def check_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> None:
    """Refuse the file unless the spreadsheet reader can read it within ``limits``."""
    if len(data) > limits.max_bytes:
        raise _too_big(len(data), limits)
    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    _check_end_record(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, OSError, EOFError):
        raise _damaged() from None
    _check_members(members, limits)
    sheets = [m for m in members if _holds_sheet_data(data, m)]
    names = _sheet_names(data, {_part_key(m.filename): m for m in members})
    for info in sheets:
        scan = _SheetScan(names.get(_part_key(info.filename), info.filename[:80]), limits)
        for piece in _unpack(data, info):
            scan.feed(piece)
        scan.feed(b"", last=True)


def _reader_failure(exc: BaseException) -> bool:
    """An error of the reader itself: an exception, or a Rust panic (pyo3's PanicException is
    a BaseException so that ``except Exception`` does not swallow it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def read_sheet(
    data: bytes,
    sheet: str,
    columns: list[tuple[str, str]],
    limits: Limits = WEB_LIMITS,
    optional: int = 0,
) -> list[list[Any]]:
    """Check the file and return the rows of ``sheet`` (row 1, the header, must match ``columns``;
    each row holds the cells of those columns, and of the ``optional`` columns after them)."""
    check_workbook(data, limits)
    from python_calamine import CalamineWorkbook

    width = len(columns) + optional
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet not in names:
            raise file_error(
                _(
                    "The workbook has no sheet named '{sheet}' (it has: {names}). Start from the template."
                ).format(sheet=sheet, names=", ".join(names))
            )
        found = workbook.get_sheet_by_name(sheet)
        if found.start is None or found.end is None:
            raise file_error(_("The sheet '{sheet}' is empty.").format(sheet=sheet))
        # What the scan found bounds what the reader built; check again before rows are made.
        check_reach(sheet, limits, found.end[0] + 1, found.end[1] + 1)
        padding = [""] * found.start[1]
        rows = [(padding + row)[:width] for row in found.iter_rows()]
    except ImportRejected:
        raise
    except BaseException as exc:
        if not _reader_failure(exc):
            raise
        raise _unreadable(str(exc)) from None
    header = [str(c).strip() for c in rows[0]]
    for index, (name, title) in enumerate(columns):
        found_title = header[index] if index < len(header) else ""
        if found_title.lower() not in (title.lower(), name.lower()):
            raise ImportRejected(
                [
                    RowError(
                        1,
                        get_column_letter(index + 1),
                        name,
                        _(
                            "Column {col} should be '{title}' but is '{found}'. Start from the template."
                        ).format(col=get_column_letter(index + 1), title=title, found=found_title),
                    )
                ]
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
