"""Workbooks are read within bounds: hostile files are refused before the spreadsheet reader sees
them, through the web wizards and the command line, and oversized uploads are dropped while they
stream in."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from seccoop.core.models import AuditEvent
from seccoop.core.workbooks import CLI_LIMITS, WEB_LIMITS, ImportRejected, read_sheet
from seccoop.monitoring.models import Value
from seccoop.monitoring.services import COLUMNS as VALUE_COLUMNS
from seccoop.needs.importer import COLUMNS as NEED_COLUMNS
from seccoop.needs.models import AssessmentCycle, Need

from . import needs_helpers as nh

pytestmark = pytest.mark.django_db

open_cycle = nh.open_cycle

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XFD = "The sheet '{sheet}' reaches cell XFD1048576 (column 16384, row 1048576); the limit is column 60 and row {row}."
K_END = "The sheet '{sheet}' reaches cell K1048576 (column 11, row 1048576); the limit is column 60 and row {row}."


# --- hostile files, built here ------------------------------------------------------------------


def header(columns: list[tuple[str, str]]) -> str:
    return "".join(f'<c t="inlineStr"><is><t>{title}</t></is></c>' for _f, title in columns)


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{declared}<sheetData>{rows}</sheetData></worksheet>'


def xlsx(sheet: str, *, name: str = "Needs", zeros: int = 0) -> bytes:
    """A minimal XLSX: the package and workbook relationships, the workbook, one sheet, and with
    ``zeros`` a part of that many zero bytes (written a megabyte at a time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if zeros:
            with z.open("xl/media/zeros.bin", "w") as part:
                piece = bytes(MB)
                for _ in range(zeros // MB):
                    part.write(piece)
    return out.getvalue()


def far_cell(cell: str, *, sheet: str = "Needs", dimension: str | None = "A1") -> bytes:
    """The sheet's header row and one cell far away; the dimension lies (A1) or is absent."""
    columns = VALUE_COLUMNS if sheet == "Values" else NEED_COLUMNS
    row = re.sub(r"[A-Z]+", "", cell)
    rows = f'<row r="1">{header(columns)}</row><row r="{row}"><c r="{cell}"><v>1</v></c></row>'
    return xlsx(sheet_xml(rows, dimension), name=sheet)


def good_needs(zeros: int = 0) -> bytes:
    return xlsx(sheet_xml(f'<row r="1">{header(NEED_COLUMNS)}</row>'), zeros=zeros)


def declare_size(data: bytes, part: str, size: int) -> bytes:
    """The workbook with ``part``'s unpacked size declared as ``size`` (local header and central
    directory), whatever it really unpacks to."""
    out = bytearray(data)
    name = part.encode()
    for signature, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                out[at + field : at + field + 4] = struct.pack("<L", size)
            at = out.find(signature, at + 4)
    return bytes(out)


def opendocument() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


WEB_ROW = "10,001"
CLI_ROW = "1,000,001"

#: name -> (the file, what the web refusal says)
HOSTILE = {
    "XFD1048576, the dimension lying": (
        lambda: far_cell("XFD1048576"),
        XFD.format(sheet="Needs", row=WEB_ROW),
    ),
    "XFD1048576, no dimension": (
        lambda: far_cell("XFD1048576", dimension=None),
        XFD.format(sheet="Needs", row=WEB_ROW),
    ),
    "K1048576": (lambda: far_cell("K1048576"), K_END.format(sheet="Needs", row=WEB_ROW)),
    "a dimension of the whole sheet": (
        lambda: xlsx(sheet_xml(f'<row r="1">{header(NEED_COLUMNS)}</row>', "A1:XFD1048576")),
        XFD.format(sheet="Needs", row=WEB_ROW),
    ),
    "rows without numbers, one after another": (
        lambda: xlsx(
            sheet_xml(
                f'<row r="1">{header(NEED_COLUMNS)}</row>' + "<row><c><v>1</v></c></row>" * 10_001
            )
        ),
        "The sheet 'Needs' reaches cell A10002 (column 1, row 10002); the limit is column 60 and row 10,001.",
    ),
    "a part unpacking past the limit": (
        lambda: good_needs(zeros=51 * MB),
        "The workbook unpacks to more than 50 MB.",
    ),
    "a part unpacking past its declared size": (
        lambda: declare_size(good_needs(zeros=8 * MB), "xl/media/zeros.bin", 1000),
        "The file is truncated or damaged; it cannot be opened as a workbook.",
    ),
    "a part packed a thousand to one": (
        lambda: good_needs(zeros=2 * MB),
        "The workbook part 'xl/media/zeros.bin' unpacks to ",
    ),
    "an OpenDocument spreadsheet": (
        opendocument,
        "This is not an XLSX workbook (Excel 2007 or later). Save it as .xlsx and try again.",
    ),
}


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spreadsheet reader must never be given these files."""
    import python_calamine

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the reader was given a hostile file")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_before_the_reader(name: str, no_reader: None) -> None:
    make, says = HOSTILE[name]
    data = make()
    assert len(data) < 200_000  # the test files stay small
    with pytest.raises(ImportRejected) as caught:
        read_sheet(data, "Needs", NEED_COLUMNS, WEB_LIMITS)
    [error] = caught.value.errors
    assert (error.row, error.column, error.field) == (0, "", "file")
    assert says in error.message


def test_the_command_line_limits_are_wider_but_bounded(no_reader: None) -> None:
    cases = [
        (far_cell("XFD1048576"), XFD.format(sheet="Needs", row=CLI_ROW)),
        (far_cell("K1048576"), K_END.format(sheet="Needs", row=CLI_ROW)),
        (
            far_cell("BH900000"),
            "The sheet 'Needs' reaches cell BH900000, a range of 54,000,000 cells from A1; "
            "the limit is 12,000,000 cells.",
        ),
        (
            declare_size(good_needs(), "xl/worksheets/sheet1.xml", 3 * 1024 * MB),
            "The workbook unpacks to more than 2048 MB.",
        ),
    ]
    for data, says in cases:
        with pytest.raises(ImportRejected) as caught:
            read_sheet(data, "Needs", NEED_COLUMNS, CLI_LIMITS)
        assert caught.value.errors[0].message == says


def test_cells_are_placed_as_the_reader_places_them() -> None:
    """No dimension, no references: rows and cells follow one another; an empty cell far away
    (a style only) is not read and does not count."""
    rows = (
        f"<row>{header(NEED_COLUMNS)}</row>"
        '<row><c><v>1</v></c><c r="C2"><v>3</v></c><c><v>4</v></c></row>'
        '<row r="5"><c r="XFD5" s="1"/></row>'
    )
    read = read_sheet(xlsx(sheet_xml(rows)), "Needs", NEED_COLUMNS)
    assert read[1][:4] == [1.0, "", 3.0, 4.0]
    assert len(read) == 2
    assert all(len(row) <= len(NEED_COLUMNS) for row in read)


# --- the web wizards ------------------------------------------------------------------------------


def error_rows(response: Any) -> list[tuple[str, str, str]]:
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page, page[:2000]
    table = page.split('data-testid="import-errors"')[1].split("</table>")[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)
    return [(unescape(r), unescape(c), unescape(m)) for r, c, m in cells]


def upload_needs(client: Any, cycle: AssessmentCycle, data: bytes) -> Any:
    return client.post(
        reverse("needs:import"),
        {"cycle": cycle.pk, "file": SimpleUploadedFile("needs.xlsx", data, content_type=nh.XLSX)},
    )


def upload_values(client: Any, data: bytes) -> Any:
    return client.post(
        reverse("monitoring:import"),
        {"file": SimpleUploadedFile("values.xlsx", data, content_type=nh.XLSX)},
    )


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_needs_wizard_refuses_hostile_files(
    name: str, open_cycle: AssessmentCycle, client_for: Any, no_reader: None
) -> None:
    make, says = HOSTILE[name]
    response = upload_needs(client_for("jam_focal"), open_cycle, make())
    assert response.status_code == 400
    [(row, column, message)] = error_rows(response)
    assert (row, column) == ("—", "—")
    assert says in message
    assert not Need.objects.exists()
    assert not AuditEvent.objects.filter(action="needs.imported").exists()


@pytest.mark.parametrize("cell", ["XFD1048576", "K1048576"])
def test_the_values_wizard_refuses_far_cells(cell: str, client_for: Any, no_reader: None) -> None:
    response = upload_values(client_for("jam_focal"), far_cell(cell, sheet="Values"))
    assert response.status_code == 400
    [(_row, _column, message)] = error_rows(response)
    assert message.startswith(f"The sheet 'Values' reaches cell {cell} ")
    assert message.endswith("the limit is column 60 and row 10,001.")
    assert not Value.objects.exists()
    assert not AuditEvent.objects.filter(action="monitoring.imported").exists()


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the uploaded bytes Django's own handlers keep (in memory or on disk)."""
    kept: list[int] = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def counting(self: Any, raw_data: bytes, start: int, original: Any = original) -> Any:
            if getattr(self, "activated", True):  # the memory handler passes on larger uploads
                kept.append(len(raw_data))
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", counting)
    return kept


def test_an_oversized_upload_is_dropped_while_it_streams_in(
    open_cycle: AssessmentCycle, client_for: Any, stored: list[int]
) -> None:
    client = client_for("jam_focal")
    data = os.urandom(12 * MB)
    response = upload_needs(client, open_cycle, data)
    assert response.status_code == 400
    assert error_rows(response) == [("—", "—", "The file is too large; the limit is 5 MB.")]
    assert f'<option value="{open_cycle.pk}" selected>' in response.content.decode()
    assert sum(stored) <= WEB_LIMITS.max_bytes  # nothing past the limit was kept
    report = client.get(reverse("needs:import_errors"))
    assert nh.sheet_rows(report.content)[1][3] == "The file is too large; the limit is 5 MB."
    assert not Need.objects.exists()
    stored.clear()
    response = upload_values(client, data)
    assert response.status_code == 400
    assert error_rows(response) == [("—", "—", "The file is too large; the limit is 5 MB.")]
    assert sum(stored) <= WEB_LIMITS.max_bytes


def test_the_iati_page_drops_a_file_past_its_20_mb(client_for: Any, stored: list[int]) -> None:
    response = client_for("secretariat").post(
        reverse("funding:iati_import"),
        {"file": SimpleUploadedFile("big.xml", bytes(21 * MB), content_type="text/xml")},
    )
    assert response.status_code == 400
    assert "The file is larger than 20 MB; import it with seccoop iati import." in unescape(
        response.content.decode()
    )
    assert sum(stored) <= 20 * MB


# --- the command line -------------------------------------------------------------------------------


def seccoop(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``seccoop ARGS`` in its own process, on an empty data folder (the file is checked first)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(SECCOOP_DEBUG="1", SECCOOP_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "seccoop.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_command_line_exits_1_with_the_message(tmp_path: Path) -> None:
    needs = tmp_path / "needs.xlsx"
    needs.write_bytes(far_cell("XFD1048576"))
    done = seccoop(tmp_path, "needs", "import", str(needs), "--cycle", "2030")
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"file: {XFD.format(sheet='Needs', row=CLI_ROW)}" in done.stderr
    assert "1 problem(s); nothing was written." in done.stderr
    values = tmp_path / "values.xlsx"
    values.write_bytes(far_cell("K1048576", sheet="Values", dimension=None))
    done = seccoop(tmp_path, "indicators", "import", str(values))
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"file: {K_END.format(sheet='Values', row=CLI_ROW)}" in done.stderr


def test_the_command_line_checks_the_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    with big.open("wb") as handle:
        handle.truncate(CLI_LIMITS.max_bytes + 1)  # sparse: nothing is written to disk
    for command in (
        ["needs", "import", str(big), "--cycle", "2030"],
        ["indicators", "import", str(big)],
    ):
        stderr = io.StringIO()
        with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was written\."):
            call_command(*command, stdout=io.StringIO(), stderr=stderr)
        assert stderr.getvalue() == "file: The file is 200.0 MB; the limit is 200 MB.\n"
