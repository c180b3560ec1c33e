"""Importers: what a file's rows must be, declared once; checking and writing them, done here.

An importer subclasses :class:`Importer` and declares

* ``columns``: one :class:`Column` a column of the file, in the template's order, with its type
  (:class:`Text`, :class:`Whole`, :class:`Number`, :class:`Day`, :class:`Lookup`), whether it is
  required, and the message (with the fix) for a bad cell;
* lookups: ``load(rows)`` fills ``self.lookups[name]`` (text -> object) for the :class:`Lookup`
  columns, from restricted querysets, and whatever else the rules need (existing records);
* ``row_rules``: the names of small methods ``rule(row)`` that check what one cell cannot (a cost
  with no exchange rate, a period the indicator does not have), calling ``row.error``;
* ``key(row)``: the natural key; a second row with the same key is an error naming the first;
* ``place(row, plan)``: what the row creates, updates or leaves unchanged;
* ``write(plan, actor=, reason=)``: the service call that writes the plan.

:meth:`Importer.plan` checks every row and collects every error (a :class:`RowError` naming the
row, the column letter, the field and the fix); :meth:`Importer.apply` writes a clean plan in one
transaction with one audit event, or raises ``ImportRejected`` having written nothing. The web
wizard (:class:`seccoop.core.wizard.ImportWizard`: upload, preview, confirm, error report), the
command line (:func:`run_command`) and the API (:func:`import_items`, :func:`api_errors`) are the
same for every importer. A State column (its lookup and the user's allowed owners) is declared once
in :mod:`seccoop.framework.importers`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from .audit import record_event
from .db import refresh_statistics
from .workbooks import (
    CLI_LIMITS,
    WEB_LIMITS,
    ImportRejected,
    Limits,
    RowError,
    formula_like,
    read_file,
    read_sheet,
    text_cell,
)

# --- the columns ---------------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read; the message says what to put there instead."""


@dataclass(frozen=True)
class Column:
    """A column of the file. ``required``: the message for an empty cell (empty: optional).
    ``optional_column``: the column itself may be absent (only after the others)."""

    field: str
    header: str
    required: Any = ""
    optional_column: bool = False
    #: how many characters of a bad cell a message quotes
    quote: int = 200

    def parse(self, text: str, importer: Importer) -> Any:
        """The cell's value (``text`` is never empty here); raise ``CellError`` when it is bad."""
        return text

    def empty(self, importer: Importer) -> Any:
        if self.required:
            raise CellError(str(self.required))
        return None

    def fail(self, message: Any, text: str, **more: Any) -> CellError:
        return CellError(str(message).format(value=text[: self.quote], **more))


@dataclass(frozen=True)
class Text(Column):
    max_length: int = 0
    too_long: Any = ""

    def parse(self, text: str, importer: Importer) -> Any:
        if self.max_length and len(text) > self.max_length:
            raise self.fail(self.too_long, text)
        return text

    def empty(self, importer: Importer) -> Any:
        super().empty(importer)
        return ""


@dataclass(frozen=True)
class Whole(Column):
    """A whole number from ``low`` to ``high``; ``invalid`` (with ``{value}``) otherwise, also for
    an empty required cell."""

    low: int = 0
    high: int = 0
    invalid: Any = ""

    def parse(self, text: str, importer: Importer) -> Any:
        try:
            number = Decimal(text)
            whole = int(number)
        except (InvalidOperation, ValueError):
            raise self.fail(self.invalid, text) from None
        if number != whole or not self.low <= whole <= self.high:
            raise self.fail(self.invalid, text)
        return whole

    def empty(self, importer: Importer) -> Any:
        if self.required:
            raise self.fail(self.invalid, "")
        return None


@dataclass(frozen=True)
class Number(Column):
    """A decimal: ``invalid`` when it is not one (or not finite), ``below`` under ``minimum``,
    ``too_big`` over ``maximum`` or with more than ``places`` decimals. ``grouped``: commas
    between thousands are allowed."""

    invalid: Any = ""
    minimum: Decimal | None = None
    below: Any = ""
    maximum: Decimal | None = None
    places: int | None = None
    too_big: Any = ""
    grouped: bool = True
    #: refuse ``minimum`` itself too
    positive: bool = False

    def parse(self, text: str, importer: Importer) -> Any:
        try:
            number = Decimal(text.replace(",", "") if self.grouped else text)
        except InvalidOperation:
            raise self.fail(self.invalid, text) from None
        if not number.is_finite():
            raise self.fail(self.below or self.invalid, text)
        if self.minimum is not None and (
            number < self.minimum or (self.positive and number == self.minimum)
        ):
            raise self.fail(self.below or self.invalid, text)
        if self.maximum is not None and abs(number) > self.maximum:
            raise self.fail(self.too_big or self.invalid, text)
        if self.places is not None and number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise self.fail(self.too_big or self.invalid, text)
        return number


@dataclass(frozen=True)
class Day(Column):
    """A date written YYYY-MM-DD."""

    invalid: Any = ""

    def parse(self, text: str, importer: Importer) -> Any:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(self.invalid, text) from None

    def empty(self, importer: Importer) -> Any:
        if self.required:
            raise self.fail(self.invalid, "")
        return None


@dataclass(frozen=True)
class Lookup(Column):
    """A code looked up in ``importer.lookups[table]`` (keys upper- or lower-cased as ``case``
    says); ``unknown`` (with ``{value}`` and ``{choices}``) when it is not there, also for an
    empty required cell. ``default``: the value of an empty optional cell."""

    table: str = ""
    case: str = "upper"
    unknown: Any = ""
    default: Any = None

    def key(self, text: str) -> str:
        return text.upper() if self.case == "upper" else text.lower()

    def parse(self, text: str, importer: Importer) -> Any:
        table = importer.lookups[self.table or self.field]
        found = table.get(self.key(text))
        if found is None:
            choices = ", ".join(str(v) for v in dict.fromkeys(table.values()))
            raise self.fail(self.unknown, text, choices=choices)
        return found

    def empty(self, importer: Importer) -> Any:
        if self.required:
            return self.parse("", importer)
        return self.default


# --- rows and plans ------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: its number in the file, its cells as text, the values read from them (None
    where a cell is empty or bad), and its errors so far."""

    number: int
    cells: dict[str, Any]
    texts: dict[str, str]
    values: dict[str, Any]
    letters: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.letters.get(name, ""), name, message))

    def bad(self, *names: str) -> bool:
        """Whether any of ``names`` (any field when none is named) has an error."""
        return any(not names or e.field in names for e in self.errors)


@dataclass
class ImportPlan:
    """What a file would do: records to create and update, rows that change nothing, errors."""

    create: list[Any] = field(default_factory=list)
    update: list[Any] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: data row number -> the record it creates, changes or leaves as it is
    by_row: dict[int, Any] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


FORMULA = gettext_lazy("'{value}' looks like a spreadsheet formula; enter plain text or a number.")


class Importer:
    """The base of every importer; see the module docstring for what a subclass declares."""

    #: the worksheet a workbook's rows are read from
    sheet: ClassVar[str] = ""
    columns: ClassVar[list[Column]] = []
    row_rules: ClassVar[tuple[str, ...]] = ()
    #: the model written (its statistics are refreshed after a large import)
    model: ClassVar[Any] = None
    audit_action: ClassVar[str] = ""
    #: the message for a second row with the same key (``{other}``: the first row's number)
    duplicate: ClassVar[Any] = ""
    duplicate_field: ClassVar[str] = ""
    #: refuse text that a spreadsheet would run as a formula
    refuse_formulas: ClassVar[bool] = True
    #: the preview table: headers, and ``preview_row(record)`` gives the cells
    preview_headers: ClassVar[list[Any]] = []

    def __init__(self, user: Any, *, allowed_owner_ids: set[int] | None = None) -> None:
        self.user = user
        self.allowed = allowed_owner_ids
        self.lookups: dict[str, dict[str, Any]] = {}

    # what a subclass declares or overrides

    @classmethod
    def fields(cls) -> list[tuple[str, str]]:
        """(field, header) of the columns every file has."""
        return [(c.field, c.header) for c in cls.columns if not c.optional_column]

    @classmethod
    def letters(cls) -> dict[str, str]:
        return {c.field: get_column_letter(i) for i, c in enumerate(cls.columns, start=1)}

    @classmethod
    def read(cls, data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
        """Check the file and return its rows, the header first."""
        optional = len(cls.columns) - len(cls.fields())
        return read_sheet(data, cls.sheet, cls.fields(), limits, optional=optional)

    def refuse(self) -> list[RowError]:
        """Errors that refuse the whole file before any row is read (e.g. a closed cycle)."""
        return []

    def load(self, rows: list[Row]) -> None:
        """Fill ``self.lookups`` and load what the rules and ``place`` need."""

    def key(self, row: Row) -> tuple[Any, ...] | None:
        """The row's natural key, or None when the row cannot have one."""
        return None

    def place(self, row: Row, plan: ImportPlan) -> None:
        """Decide what a checked row creates or changes (writing nothing)."""
        raise NotImplementedError  # abstract: every importer says how a row is placed

    def finish(self, plan: ImportPlan) -> None:
        """Checks across the planned rows, once every row is placed."""

    def write(self, plan: ImportPlan, *, actor: Any, reason: str) -> None:
        """Write the plan through the app's services (inside the import's transaction)."""
        raise NotImplementedError  # abstract: every importer writes through its own services

    def audit_detail(self, plan: ImportPlan) -> dict[str, Any]:
        return {}

    def preview_row(self, record: Any) -> list[Any]:
        return [str(record)]

    def new_plan(self) -> ImportPlan:
        return ImportPlan()

    # what every importer shares

    def present(self, header: list[Any]) -> list[Column]:
        """The columns this file has: every required one, and the optional ones it names."""
        titles = [str(c).strip().lower() for c in header]
        found = []
        for index, column in enumerate(self.columns):
            named = index < len(titles) and titles[index] in (column.header.lower(), column.field)
            if not column.optional_column or named:
                found.append(column)
        return found

    def rows(self, rows: list[list[Any]]) -> Iterable[Row]:
        """Each non-empty data row, its cells read by its column's type."""
        letters = self.letters()
        present = self.present(list(rows[0]) if rows else [])
        for number, raw in enumerate(rows[1:], start=2):
            cells = {c.field: raw[i] if i < len(raw) else None for i, c in enumerate(present)}
            if all(cells[c.field] in (None, "") for c in present):
                continue
            for column in self.columns:
                cells.setdefault(column.field, None)
            texts = {name: text_cell(value) for name, value in cells.items()}
            yield Row(number, cells, texts, {}, letters)

    def read_cells(self, row: Row) -> None:
        if self.refuse_formulas:
            for name, text in row.texts.items():
                if formula_like(text):
                    row.error(name, FORMULA.format(value=text[:40]))
        for column in self.columns:
            text = row.texts[column.field]
            try:
                value = column.parse(text, self) if text else column.empty(self)
            except CellError as exc:
                row.error(column.field, str(exc))
                value = None
            row.values[column.field] = value

    def plan(self, rows: list[list[Any]]) -> ImportPlan:
        """Check every row, collecting every error, and work out what to create and update."""
        plan = self.new_plan()
        plan.errors.extend(self.refuse())
        if plan.errors:
            return plan
        parsed = list(self.rows(rows))
        self.load(parsed)
        seen: dict[tuple[Any, ...], int] = {}
        for row in parsed:
            self.read_cells(row)
            for rule in self.row_rules:
                getattr(self, rule)(row)
            key = self.key(row)
            if key is not None and key in seen:
                message = str(self.duplicate).format(other=seen[key], **row.values)
                row.error(self.duplicate_field, message)
            elif key is not None:
                seen[key] = row.number
            if not row.errors:
                self.place(row, plan)
            plan.errors.extend(row.errors)
        self.finish(plan)
        return plan

    def apply(
        self, plan: ImportPlan, *, actor: Any, source: str = "", audit: bool = True
    ) -> dict[str, int]:
        """Write the plan in one transaction with one audit event (``audit=False``: none, for the
        platform's own reference loads that change nothing); nothing when it has errors."""
        if plan.errors:
            raise ImportRejected(plan.errors)
        reason = _("Imported from {source}").format(source=source or _("a workbook"))
        with transaction.atomic():
            self.write(plan, actor=actor, reason=reason)
            if audit:
                detail: dict[str, Any] = {**self.audit_detail(plan), **plan.summary}
                record_event(self.audit_action, actor=actor, source=source[:100], **detail)
        if len(plan.create) >= 1000 and self.model is not None:
            refresh_statistics(self.model)
        return plan.summary

    def run(
        self, data: bytes, *, actor: Any, source: str, limits: Limits = WEB_LIMITS
    ) -> dict[str, int]:
        """Read, plan and write ``data`` all or nothing; raises ``ImportRejected``."""
        plan = self.plan(self.read(data, limits))
        return self.apply(plan, actor=actor, source=source)


# --- the template ----------------------------------------------------------------------------


class Template:
    """An importer's blank workbook: the header of its columns (bold, frozen), their widths, and a
    hidden *Lists* sheet whose columns feed the dropdowns (``dropdown``). ``check`` adds any other
    cell validation, ``as_text`` keeps a column's cells text. ``save()`` gives the file."""

    ROWS = 5000
    LISTS = "Lists"

    def __init__(self, importer_class: type[Importer], widths: list[int]) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        self.letters = importer_class.letters()
        self.book = Workbook()
        self.sheet = self.book.active
        self.sheet.title = importer_class.sheet
        self.sheet.append([c.header for c in importer_class.columns])
        for cell in self.sheet[1]:
            cell.font = Font(bold=True)
        for i, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(i)].width = width
        self.sheet.freeze_panes = "A2"
        self.lists = self.book.create_sheet(self.LISTS)
        self.lists.sheet_state = "hidden"

    def cells(self, name: str) -> str:
        letter = self.letters[name]
        return f"{letter}2:{letter}{self.ROWS}"

    def dropdown(self, name: str, values: list[Any], *, allow_blank: bool = False) -> None:
        """Column ``name`` takes one of ``values`` (listed on the hidden sheet)."""
        from openpyxl.worksheet.datavalidation import DataValidation

        col = self.lists.max_column + 1 if self.lists.cell(row=1, column=1).value else 1
        self.lists.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            self.lists.cell(row=row, column=col, value=value)
        letter = get_column_letter(col)
        last = max(len(values), 1) + 1
        validation = DataValidation(
            type="list",
            formula1=f"={self.LISTS}!${letter}$2:${letter}${last}",
            allow_blank=allow_blank,
            showErrorMessage=True,
        )
        self.check(name, validation, _("Choose a value from the list."))

    def check(self, name: str, validation: Any, error: str) -> None:
        validation.error = error
        self.sheet.add_data_validation(validation)
        validation.add(self.cells(name))

    def as_text(self, name: str) -> None:
        """Keep a spreadsheet from turning the column's entries into numbers or dates."""
        letter = self.letters[name]
        for row in range(2, self.ROWS + 1):
            self.sheet[f"{letter}{row}"].number_format = "@"

    def save(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


# --- the command line and the API ----------------------------------------------------------------


def import_arguments(sub: Any, what: str, *, template: bool = True, acting: bool = True) -> Any:
    """The subcommands every import command has: ``template --out FILE`` (when ``template``) and
    ``import FILE [--dry-run] [--as USER]``; returns the ``import`` parser for more options."""
    if template:
        blank = sub.add_parser("template", help="write the import template")
        blank.add_argument("--out", required=True)
    imp = sub.add_parser("import", help=f"import {what}, all or nothing")
    imp.add_argument("file", nargs=None if template else "?")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    if acting:
        imp.add_argument(
            "--as", dest="username", help="act as this user (default: the system account)"
        )
    return imp


def run_command(
    command: BaseCommand,
    options: dict[str, Any],
    importer_class: type[Importer],
    make_importer: Callable[[], Importer],
) -> None:
    """``seccoop <app> import FILE [--dry-run]`` (``options["file"]``, ``options["dry_run"]``):
    the file is checked (size, structure, bounds, header) before anything else; every problem is
    printed by row and column, and nothing is written unless there is none. ``make_importer`` may
    raise ``CommandError``, or ``ValueError`` (an unknown ``--as`` user), said as the command's
    error."""
    path, dry_run = Path(options["file"]), options.get("dry_run", False)
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    try:
        rows = importer_class.read(read_file(path, CLI_LIMITS), CLI_LIMITS)
        try:
            importer = make_importer()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        plan = importer.plan(rows)
        if plan.errors:
            raise ImportRejected(plan.errors)
        if dry_run:
            command.stdout.write(
                "dry run, nothing written: {created} to create, {updated} to update, "
                "{unchanged} unchanged".format(**plan.summary)
            )
            return
        summary = importer.apply(plan, actor=importer.user, source=path.name)
    except ImportRejected as exc:
        for e in exc.errors:
            where = f"row {e.row}, column {e.column} ({e.field})" if e.row else e.field
            command.stderr.write(f"{where}: {e.message}")
        raise CommandError(f"{len(exc.errors)} problem(s); nothing was written.") from None
    command.stdout.write(
        "imported: {created} created, {updated} updated, {unchanged} unchanged".format(**summary)
    )


def import_items(
    importer: Importer, items: list[dict[str, Any]], *, actor: Any, source: str = "API"
) -> dict[str, int]:
    """An API batch: each item (field -> value) is a row of the importer's columns, checked and
    written all or nothing like a file; a bad item is a 400 naming ``items[i].field``."""
    names = [c.field for c in importer.columns]
    rows: list[list[Any]] = [names, *[[item.get(n) for n in names] for item in items]]
    try:
        return importer.apply(importer.plan(rows), actor=actor, source=source)
    except ImportRejected as exc:
        raise api_errors(exc.errors) from None


def api_errors(errors: list[RowError], prefix: str = "items") -> ValidationError:
    """Row errors as an API 400, keyed ``items[i].field`` (``i`` counts the items from 0)."""
    keyed: dict[str, list[str]] = {}
    for e in errors:
        where = f"{prefix}[{e.row - 2}].{e.field}" if e.row >= 2 else e.field
        keyed.setdefault(where, []).append(e.message)
    return ValidationError(keyed)
