"""Reported values in bulk: the workbook template and import, shared with the API batch and the grid.

Every path that writes many values (a workbook, ``POST /api/v1/monitoring/values``, the entry grid)
turns its input into rows and goes through ``plan_import``, which validates every row and collects
every error with its row and column, then ``apply_import``, which writes the whole plan in one
transaction. Re-import matches on the natural key (indicator, state, period, disaggregation): an
unchanged row changes nothing. An approved value is locked: a row that changes one must give a
reason, and sends the value back for approval (after the rules have run on it).
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
from seccoop.core.markings import TLP
from seccoop.core.models import mark_history
from seccoop.core.workbooks import (
    WEB_LIMITS,
    Limits,
    RowError,
    formula_like,
    read_sheet,
    text_cell,
)
from seccoop.framework.models import Party

from .models import Indicator, Value
from .periods import PeriodError
from .services import commission, domain_errors, evaluate

SHEET = "Values"
LISTS_SHEET = "Lists"
COLUMNS: list[tuple[str, str]] = [
    ("indicator", "Indicator"),
    ("state", "State (ISO alpha-3)"),
    ("period", "Period"),
    ("disaggregation", "Disaggregation"),
    ("value", "Value"),
    ("low", "Low"),
    ("high", "High"),
    ("quality", "Quality (A-D)"),
    ("comment", "Comment"),
    ("evidence", "Evidence"),
    ("reason", "Reason for a change"),
]
FIELDS = [f for f, _h in COLUMNS]
LETTER = {f: get_column_letter(i) for i, (f, _h) in enumerate(COLUMNS, start=1)}
COMPARED = ["value", "text_value", "low", "high", "quality", "comment", "evidence"]
MAX_NUMBER = Decimal("9999999999999999.9999")


@dataclass
class ValuesPlan:
    create: list[Value] = field(default_factory=list)
    update: list[Value] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: data row number -> the value it creates or changes (for callers that act on them next)
    by_row: dict[int, Value] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


def read_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
    """Check the file and return the rows of the Values sheet (row 1 is the header)."""
    return read_sheet(data, SHEET, COLUMNS, limits)


def _number(text: str) -> Decimal:
    number = Decimal(text.replace(",", ""))
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise InvalidOperation
    return number


def plan_import(
    rows: list[list[Any]], *, user: Any, allowed_owner_ids: set[int] | None
) -> ValuesPlan:
    """Validate every data row (row 1 is the header) and work out what to create and update."""
    plan = ValuesPlan()
    indicators = {i.code.lower(): i for i in Indicator.objects.restrict(user, "view")}
    states = {
        p.iso3: p for p in Party.objects.restrict(user, "view").select_related("organisation")
    }
    parsed: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = list(raw[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(raw))
        if all(c in (None, "") for c in cells):
            continue
        texts = {f: text_cell(c) for f, c in zip(FIELDS, cells, strict=True)}
        parsed.append((number, dict(zip(FIELDS, cells, strict=True)), texts))
    wanted_ind = {t["indicator"].lower() for _n, _c, t in parsed}
    wanted_states = {t["state"].upper() for _n, _c, t in parsed}
    existing: dict[tuple[int, int, str, str], Value] = {}
    ind_ids = [indicators[c].pk for c in wanted_ind if c in indicators]
    state_ids = [states[c].pk for c in wanted_states if c in states]
    if ind_ids and state_ids:
        for v in Value.objects.filter(
            indicator_id__in=ind_ids, state_id__in=state_ids
        ).select_related("indicator", "state"):
            existing[(v.indicator_id, v.state_id, v.period, v.disaggregation)] = v
    seen: dict[tuple[int, int, str, str], int] = {}
    revisions: list[tuple[int, Value]] = []
    for number, cells, texts in parsed:
        errors: list[RowError] = []

        def err(name: str, message: str, row: int = number, out: list[RowError] = errors) -> None:
            out.append(RowError(row, LETTER[name], name, message))

        for name, text in texts.items():
            if formula_like(text):
                err(
                    name,
                    _(
                        "'{value}' looks like a spreadsheet formula; enter plain text or a number."
                    ).format(value=text[:40]),
                )
        indicator = indicators.get(texts["indicator"].lower())
        if indicator is None:
            err("indicator", _("Unknown indicator '{value}'.").format(value=texts["indicator"]))
        state = states.get(texts["state"].upper())
        if state is None:
            err(
                "state",
                _("Unknown state '{value}'. Use an ISO alpha-3 code such as JAM or BRB.").format(
                    value=texts["state"]
                ),
            )
        elif allowed_owner_ids is not None and state.organisation_id not in allowed_owner_ids:
            err("state", _("You cannot report values for {state}.").format(state=state.iso3))
        period = None
        if indicator is not None:
            try:
                period = indicator.parse_period(
                    cells["period"] if cells["period"] is not None else ""
                )
            except PeriodError as exc:
                err(
                    "period",
                    _("Unknown period '{value}': {reason}").format(
                        value=texts["period"], reason=exc
                    ),
                )
        disaggregation = texts["disaggregation"]
        if (
            indicator is not None
            and disaggregation
            and disaggregation not in indicator.disaggregation_keys()
        ):
            err(
                "disaggregation",
                _(
                    "'{value}' is not a disaggregation of {indicator}; use one of: {choices}."
                ).format(
                    value=disaggregation,
                    indicator=indicator.code,
                    choices=", ".join(k for k in indicator.disaggregation_keys() if k)
                    or _("none (leave empty)"),
                ),
            )
        numbers: dict[str, Decimal | None] = {}
        for name in ("value", "low", "high"):
            numbers[name] = None
            if not texts[name] or (
                name == "value" and indicator is not None and not indicator.numeric
            ):
                continue
            try:
                numbers[name] = _number(texts[name])
            except (InvalidOperation, ValueError):
                err(
                    name,
                    _("'{value}' is not a number.").format(value=texts[name][:40])
                    if name != "value" or indicator is None
                    else _("'{value}' is not a number; {indicator} is numeric.").format(
                        value=texts[name][:40], indicator=indicator.code
                    ),
                )
        text_value = texts["value"] if indicator is not None and not indicator.numeric else ""
        quality = texts["quality"].upper()
        if quality and quality not in Value.Quality.values:
            err(
                "quality",
                _("Unknown quality grade '{value}'; use A, B, C or D.").format(
                    value=texts["quality"]
                ),
            )
        if indicator is not None and not any(e.field == "value" for e in errors):
            for name, message in domain_errors(
                indicator, numbers["value"], text_value, numbers["low"], numbers["high"]
            ).items():
                err(name, message)
        if indicator is not None and state is not None and period is not None:
            key = (indicator.pk, state.pk, str(period), disaggregation)
            if key in seen:
                err(
                    "period",
                    _(
                        "Duplicate of row {other}: the same indicator, state, period and disaggregation."
                    ).format(other=seen[key]),
                )
            else:
                seen[key] = number
        if errors:
            plan.errors.extend(errors)
            continue
        assert indicator is not None and state is not None and period is not None
        fields = {
            "value": numbers["value"],
            "text_value": text_value,
            "low": numbers["low"],
            "high": numbers["high"],
            "quality": quality,
            "comment": texts["comment"],
            "evidence": texts["evidence"],
        }
        current = existing.get((indicator.pk, state.pk, str(period), disaggregation))
        if current is None:
            value = Value(
                indicator=indicator,
                state=state,
                disaggregation=disaggregation,
                owner_id=state.organisation_id,
                tlp=Value.default_tlp,
                status=Value.Status.DRAFT,
                **fields,
            )
            value.set_period(period)
            plan.create.append(value)
            plan.by_row[number] = value
            continue
        if not any(getattr(current, k) != v for k, v in fields.items()):
            plan.unchanged += 1
            plan.by_row[number] = current
            continue
        if current.status == Value.Status.APPROVED:
            if not texts["reason"]:
                err(
                    "reason",
                    _("{value} is approved and locked; give a reason for the change.").format(
                        value=str(current)
                    ),
                )
                plan.errors.extend(errors)
                continue
            revisions.append((number, current))
            plan.reasons[number] = texts["reason"]
            current.status = Value.Status.SUBMITTED
            current.submitted_at = timezone.now()
            current.approved_at = None
            current.approved_by = None
        elif current.status == Value.Status.SUBMITTED:
            current.status = Value.Status.DRAFT
        for k, v in fields.items():
            setattr(current, k, v)
        current.version += 1
        current.updated_at = timezone.now()
        plan.update.append(current)
        plan.by_row[number] = current
    if revisions:
        findings = evaluate([v for _n, v in revisions])
        for index, found in findings.items():
            for f in found:
                if f.blocks:
                    plan.errors.append(
                        RowError(revisions[index][0], LETTER["value"], "value", f.message)
                    )
    return plan


def apply_import(plan: ValuesPlan, *, actor: Any, source: str = "") -> dict[str, int]:
    """Write the plan in one transaction, with history rows and one audit event."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from seccoop.core.workbooks import ImportRejected

    if plan.errors:
        raise ImportRejected(plan.errors)
    reason = _("Imported from {source}").format(source=source or _("a workbook"))
    revised = {id(v): plan.reasons[n] for n, v in plan.by_row.items() if n in plan.reasons}
    body = commission()
    with transaction.atomic():
        created = bulk_create_with_history(
            plan.create, Value, batch_size=2000, default_user=actor, default_change_reason=reason
        )
        if body is not None:
            through = Value.releasable_to.through
            through.objects.bulk_create(
                [
                    through(value_id=v.pk, organisation_id=body.pk)
                    for v in created
                    if v.tlp == TLP.AMBER
                ],
                batch_size=5000,
            )
        plain = [v for v in plan.update if id(v) not in revised]
        if plain:
            bulk_update_with_history(
                plain,
                Value,
                [*COMPARED, "status", "version", "updated_at"],
                batch_size=2000,
                default_user=actor,
                default_change_reason=reason,
            )
        for v in plan.update:
            if id(v) in revised:
                mark_history(v, reason=f"{revised[id(v)]} ({reason})"[:250], user=actor)
                v.save()
        record_event("monitoring.imported", actor=actor, source=source[:100], **plan.summary)
    if len(plan.create) >= 1000:
        refresh_statistics(Value)
    return plan.summary


def value_row(**cells: Any) -> list[Any]:
    """One data row in the template's column order; missing cells are empty."""
    return ["" if cells.get(name) is None else cells[name] for name in FIELDS]


def write_rows(
    rows: list[list[Any]], *, actor: Any, allowed_owner_ids: set[int] | None, source: str
) -> ValuesPlan:
    """Validate and write data rows (no header) all or nothing: the one path of every writer of
    values (the grid, the value form, the API batch, the service). Raises ``ImportRejected``
    with every row error, having written nothing."""
    plan = plan_import([FIELDS, *rows], user=actor, allowed_owner_ids=allowed_owner_ids)
    apply_import(plan, actor=actor, source=source)
    return plan


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
