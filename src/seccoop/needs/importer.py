"""The Needs Assessment Matrix workbook: template, parse, validate, then write all or nothing.

Import runs in three steps. ``read_workbook`` checks the file itself (size, zip structure, sheet,
header) before anything else; ``plan_import`` validates every row and collects every error with its
row and column; ``apply_import`` writes the whole plan in one transaction. A dry run stops after the
plan. Re-import matches on the natural key (cycle, state, category, reference) and updates.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from seccoop.core.audit import record_event
from seccoop.core.db import refresh_statistics
from seccoop.core.money import CURRENCIES, RateMissing, RateTable
from seccoop.core.workbooks import (
    CLI_LIMITS,
    WEB_LIMITS,
    ImportRejected,
    Limits,
    RowError,
    error_report,
    file_error,
    formula_like,
    read_sheet,
    text_cell,
)
from seccoop.framework.models import Category, Party

from .models import AssessmentCycle, Need
from .services import AUTHOR_STATUSES, entry_errors, save_needs

SHEET = "Needs"
LISTS_SHEET = "Lists"
#: (field, header in the template)
COLUMNS: list[tuple[str, str]] = [
    ("state", "State (ISO alpha-3)"),
    ("category", "Category"),
    ("reference", "Reference"),
    ("sub_area", "Sub-area"),
    ("description", "Description"),
    ("severity", "Severity (1-5)"),
    ("gap_type", "Gap type"),
    ("amount", "Estimated cost"),
    ("currency", "Currency"),
    ("priority_rank", "State priority rank"),
    ("evidence", "Evidence"),
]
#: An optional twelfth column: draft or submitted (empty: submitted). Validated and returned are
#: the Commission's review and are refused with a row error.
STATUS_COLUMN = ("status", "Status")
FIELDS = [f for f, _h in COLUMNS]
LETTER = {f: get_column_letter(i) for i, (f, _h) in enumerate([*COLUMNS, STATUS_COLUMN], start=1)}
COMPARED = [
    "sub_area",
    "description",
    "severity",
    "gap_type",
    "amount",
    "currency",
    "priority_rank",
    "evidence",
    "status",
]
#: 15 significant digits: what SQLite keeps exactly (its REAL-backed decimals), with 2 decimals.
MAX_AMOUNT = Decimal("9999999999999.99")


@dataclass
class ImportPlan:
    cycle: AssessmentCycle
    create: list[Need] = field(default_factory=list)
    update: list[Need] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


def read_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
    """Check the file and return the rows of the Needs sheet (row 1 is the header)."""
    return read_sheet(data, SHEET, COLUMNS, limits, optional=1)  # the optional Status column


class _Lookups:
    def __init__(self, user: Any, allowed_owner_ids: set[int] | None) -> None:
        self.states = {
            p.iso3: p for p in Party.objects.restrict(user, "view").select_related("organisation")
        }
        self.categories = {c.code.lower(): c for c in Category.objects.restrict(user, "view")}
        self.gap_types = {}
        for value, label in Need.GapType.choices:
            self.gap_types[value.lower()] = value
            self.gap_types[str(label).lower()] = value
        self.allowed = allowed_owner_ids
        self.statuses: dict[str, str] = {}
        for value, label in Need.Status.choices:
            self.statuses[value.lower()] = value
            self.statuses[str(label).lower()] = value


def plan_import(
    rows: list[list[Any]],
    *,
    cycle: AssessmentCycle,
    user: Any,
    allowed_owner_ids: set[int] | None = None,
) -> ImportPlan:
    """Validate every row (collecting every error) and work out what to create and update."""
    plan = ImportPlan(cycle=cycle)
    look = _Lookups(user, allowed_owner_ids)
    rates = RateTable()
    existing = {
        (n.state_id, n.category_id, n.reference): n for n in Need.objects.filter(cycle=cycle)
    }
    seen: dict[tuple[int, int, str], int] = {}
    if cycle.status != AssessmentCycle.Status.OPEN:
        plan.errors.append(
            RowError(
                0,
                "",
                "cycle",
                _("The {year} cycle is closed; it takes no more needs.").format(year=cycle.year),
            )
        )
        return plan

    header = [str(c).strip().lower() for c in rows[0]] if rows else []
    with_status = len(header) > len(COLUMNS) and header[len(COLUMNS)] in {
        t.lower() for t in STATUS_COLUMN
    }
    for number, raw in enumerate(rows[1:], start=2):
        cells = list(raw[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(raw))
        if all(c in (None, "") for c in cells):
            continue
        values = dict(zip(FIELDS, cells, strict=True))
        status_text = (
            text_cell(raw[len(COLUMNS)]) if with_status and len(raw) > len(COLUMNS) else ""
        )
        errors: list[RowError] = []

        def err(
            field_name: str, message: str, row: int = number, out: list[RowError] = errors
        ) -> None:
            out.append(RowError(row, LETTER[field_name], field_name, message))

        texts = {f: text_cell(values[f]) for f in FIELDS}
        for f, text in texts.items():
            if formula_like(text):
                err(
                    f,
                    _(
                        "'{value}' looks like a spreadsheet formula; enter plain text or a number."
                    ).format(value=text[:40]),
                )
        state = look.states.get(texts["state"].upper())
        if state is None:
            err(
                "state",
                _("Unknown state '{value}'. Use an ISO alpha-3 code such as JAM or BRB.").format(
                    value=texts["state"]
                ),
            )
        elif look.allowed is not None and state.organisation_id not in look.allowed:
            err("state", _("You cannot enter needs for {state}.").format(state=state.iso3))
        category = look.categories.get(texts["category"].lower())
        if category is None:
            err(
                "category",
                _("Unknown category '{value}'. Use a code from I.a to III.c.").format(
                    value=texts["category"]
                ),
            )
        reference = texts["reference"]
        if not reference:
            err("reference", _("Give the need a reference."))
        elif len(reference) > 40:
            err("reference", _("The reference is longer than 40 characters."))
        if not texts["description"]:
            err("description", _("Describe the need."))
        severity = None
        try:
            severity = int(Decimal(texts["severity"]))
            if not 1 <= severity <= 5 or Decimal(texts["severity"]) != severity:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            err(
                "severity",
                _("Severity must be a whole number from 1 to 5 (found '{value}').").format(
                    value=texts["severity"]
                ),
            )
        gap_type = look.gap_types.get(texts["gap_type"].lower())
        if gap_type is None:
            err(
                "gap_type",
                _("Unknown gap type '{value}'. Use one of: {choices}.").format(
                    value=texts["gap_type"], choices=", ".join(Need.GapType.values)
                ),
            )
        amount = None
        try:
            amount = Decimal(texts["amount"].replace(",", "")) if texts["amount"] else None
            if amount is None:
                err("amount", _("Give the estimated cost."))
            elif not amount.is_finite() or amount < 0:
                err(
                    "amount",
                    _("The cost must be zero or more (found '{value}').").format(
                        value=texts["amount"]
                    ),
                )
                amount = None
            elif amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
                err(
                    "amount",
                    _(
                        "The cost must have at most 2 decimals and 13 digits before the point (found '{value}')."
                    ).format(value=texts["amount"]),
                )
                amount = None
        except InvalidOperation:
            err(
                "amount",
                _("The cost must be a number (found '{value}').").format(value=texts["amount"]),
            )
        currency = texts["currency"].upper()
        amount_usd = None
        if currency not in CURRENCIES:
            err(
                "currency",
                _("Unknown currency '{value}'. Use an ISO 4217 code such as JMD or USD.").format(
                    value=texts["currency"]
                ),
            )
        elif amount is not None:
            try:
                amount_usd = rates.to_usd(amount, currency, cycle.valuation_date)
                if amount_usd > MAX_AMOUNT:
                    err(
                        "amount",
                        _(
                            "The cost is more than USD {limit}; check the amount and currency."
                        ).format(limit=f"{MAX_AMOUNT:,.0f}"),
                    )
                    amount_usd = None
            except RateMissing as exc:
                err("currency", exc.messages[0])
        rank = None
        if texts["priority_rank"]:
            try:
                rank = int(Decimal(texts["priority_rank"]))
                if rank < 1 or rank > 999:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                err(
                    "priority_rank",
                    _("The priority rank must be a whole number from 1 (found '{value}').").format(
                        value=texts["priority_rank"]
                    ),
                )
        status = look.statuses.get(status_text.lower()) if status_text else Need.Status.SUBMITTED
        if status is None:
            err(
                "status",
                _("Unknown status '{value}'. Use draft or submitted.").format(
                    value=status_text[:40]
                ),
            )
        elif status not in AUTHOR_STATUSES:
            err(
                "status",
                _(
                    "Only the Commission's secretariat validates or returns a need; a workbook "
                    "row is draft or submitted (found '{value}')."
                ).format(value=status_text[:40]),
            )
        if len(texts["sub_area"]) > 120:
            err("sub_area", _("The sub-area is longer than 120 characters."))
        if state is not None and category is not None and reference:
            key = (state.pk, category.pk, reference)
            if key in seen:
                err(
                    "reference",
                    _("Duplicate of row {other}: the same state, category and reference.").format(
                        other=seen[key]
                    ),
                )
            else:
                seen[key] = number
        if errors:
            plan.errors.extend(errors)
            continue
        assert (
            state is not None
            and category is not None
            and amount is not None
            and amount_usd is not None
        )
        fields = {
            "sub_area": texts["sub_area"],
            "description": texts["description"],
            "severity": severity,
            "gap_type": gap_type,
            "amount": amount,
            "currency": currency,
            "priority_rank": rank,
            "evidence": texts["evidence"],
        }
        current = existing.get((state.pk, category.pk, reference))
        if current is None:
            plan.create.append(
                Need(
                    cycle=cycle,
                    state=state,
                    category=category,
                    reference=reference,
                    owner_id=state.organisation_id,
                    tlp=Need.default_tlp,
                    amount_usd=amount_usd,
                    status=status,
                    **fields,
                )
            )
            continue
        changed = (
            any(getattr(current, k) != v for k, v in fields.items())
            or current.amount_usd != amount_usd
        )
        # An empty status keeps an unchanged need as it is; a changed need is submitted again.
        if not status_text:
            status = Need.Status.SUBMITTED if changed else current.status
        if not changed and status == current.status:
            plan.unchanged += 1
            continue
        for k, v in fields.items():
            setattr(current, k, v)
        current.status = status
        for message in entry_errors(current).values():
            err("status", message)
        if errors:
            plan.errors.extend(errors)
            continue
        current.amount_usd = amount_usd
        current.version += 1
        current.updated_at = timezone.now()
        plan.update.append(current)
    return plan


def apply_import(plan: ImportPlan, *, actor: Any, source: str = "") -> dict[str, int]:
    """Write the plan through ``services.save_needs`` (the rules every path shares, in one
    transaction, with history rows) and one audit event."""
    if plan.errors:
        raise ImportRejected(plan.errors)
    reason = _("Imported from {source}").format(source=source or _("a workbook"))
    with transaction.atomic():
        save_needs(
            plan.create,
            plan.update,
            actor=actor,
            reason=reason,
            fields=COMPARED + ["amount_usd", "version", "updated_at"],
        )
        record_event(
            "needs.imported",
            actor=actor,
            cycle=plan.cycle.year,
            source=source[:100],
            **plan.summary,
        )
    if len(plan.create) >= 1000:
        refresh_statistics(Need)
    return plan.summary


def template_workbook(user: Any, cycle: AssessmentCycle | None = None) -> bytes:
    """The import template: the header, dropdowns for state, category, gap type and currency."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([title for _f, title in [*COLUMNS, STATUS_COLUMN]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [10, 10, 14, 22, 60, 12, 16, 16, 10, 12, 40, 12]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    lists = wb.create_sheet(LISTS_SHEET)
    columns = {
        "state": sorted(
            Party.objects.restrict(user, "view")
            .filter(organisation__side="caribbean")
            .values_list("iso3", flat=True)
        ),
        "category": list(Category.objects.restrict(user, "view").values_list("code", flat=True)),
        "gap_type": list(Need.GapType.values),
        "currency": sorted(CURRENCIES),
        "status": [str(s) for s in AUTHOR_STATUSES],
    }
    for col, (name, values) in enumerate(columns.items(), start=1):
        lists.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value)
        letter = get_column_letter(col)
        validation = DataValidation(
            type="list",
            formula1=f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=False,
            showErrorMessage=True,
        )
        validation.error = _("Choose a value from the list.")
        ws.add_data_validation(validation)
        validation.add(f"{LETTER[name]}2:{LETTER[name]}5000")
    severity = DataValidation(
        type="whole", operator="between", formula1="1", formula2="5", showErrorMessage=True
    )
    severity.error = _("Severity runs from 1 to 5.")
    ws.add_data_validation(severity)
    severity.add(f"{LETTER['severity']}2:{LETTER['severity']}5000")
    cost = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", showErrorMessage=True
    )
    cost.error = _("A cost cannot be negative.")
    ws.add_data_validation(cost)
    cost.add(f"{LETTER['amount']}2:{LETTER['amount']}5000")
    lists.sheet_state = "hidden"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = [
    "CLI_LIMITS",
    "WEB_LIMITS",
    "ImportRejected",
    "Limits",
    "RowError",
    "error_report",
    "file_error",
]
