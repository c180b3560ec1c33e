"""Monitoring services: values through their workflow, rules on submit, targets, progress, figures.

Writes happen here and nowhere else; each leaves a history row with its actor and reason.

Editing a value (the reporting state):

* a draft or returned value changes freely; a submitted value that changes goes back to draft
  (it must be submitted again, and the rules run again);
* an approved value is locked: a change needs a reason and sends it back to submitted, after the
  rules have run on the new figure (see :mod:`seccoop.monitoring.workflow`).

Progress (the rule, written for officials in the monitoring guide):

* ``pct``: the share of the distance from the baseline to the target covered by the approved
  value, ``(actual - baseline) / (target - baseline) × 100``. Without a baseline it is
  ``actual / target × 100`` when higher is better and ``target / actual × 100`` when lower is
  better. When the target equals the baseline, 100 if the target is met, else 0.
* status: **on track** at 90 % or more, **at risk** from 60 % to under 90 %, **off track** below
  60 %; **no target** or **no data** when either is missing.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from seccoop.core.audit import record_event
from seccoop.core.importing import Column, Importer, ImportPlan, Lookup, Number, Row, Text
from seccoop.core.markings import TLP
from seccoop.core.models import mark_history
from seccoop.core.policy import get_policy
from seccoop.core.workbooks import ImportRejected, RowError
from seccoop.framework.importers import state_column, states
from seccoop.framework.models import Party
from seccoop.framework.services import commission

from . import publication, workflow
from .models import Baseline, Indicator, Target, ValidationRule, Value
from .periods import Period, PeriodError
from .publication import PublicTable
from .rules import Finding, check

ON_TRACK, AT_RISK = 90.0, 60.0


class RulesFailed(Exception):
    """A blocking rule failed; nothing was written."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.message for f in findings[:5]))
        self.findings = findings


# --- the domain of a value ------------------------------------------------------------------


def domain_errors(
    indicator: Indicator,
    value: Decimal | None,
    text: str,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> dict[str, str]:
    """What no value of this indicator may be, whatever the rules say (field -> message)."""
    errors: dict[str, str] = {}
    if indicator.numeric:
        if value is None:
            errors["value"] = _("{indicator} needs a number.").format(indicator=indicator.code)
        elif indicator.measure_type == Indicator.MeasureType.PERCENTAGE and not (0 <= value <= 100):
            errors["value"] = _(
                "{value} is not a percentage: {indicator} runs from 0 to 100."
            ).format(value=f"{value.normalize():f}", indicator=indicator.code)
        elif value < 0:
            errors["value"] = _(
                "{value} is below zero: {indicator} is a count, rate, share or scale, never "
                "negative."
            ).format(value=f"{value.normalize():f}", indicator=indicator.code)
    elif not text:
        errors["value"] = _("{indicator} needs a text value.").format(indicator=indicator.code)
    if low is not None and high is not None and low > high:
        errors["low"] = _("The low end of the range is above the high end.")
    if value is not None and low is not None and value < low:
        errors["low"] = _("The value is below the low end of its range.")
    if value is not None and high is not None and value > high:
        errors["high"] = _("The value is above the high end of its range.")
    return errors


# --- rules ----------------------------------------------------------------------------------


def _previous(value: Value) -> str | None:
    """The period before the value's (None before the first representable period)."""
    try:
        return str(value.indicator.parse_period(value.period).previous())
    except PeriodError:
        return None


def evaluate(values: list[Value]) -> dict[int, list[Finding]]:
    """Run every active rule of the values' indicators; findings by position in ``values``.

    Three queries whatever the number of values: the rules, the other indicators' values for the
    same state, period and cell, and the same cells in the previous period.
    """
    if not values:
        return {}
    indicator_ids = {v.indicator_id for v in values}
    rules: dict[int, list[ValidationRule]] = defaultdict(list)
    for rule in ValidationRule.objects.filter(
        indicator_id__in=indicator_ids, active=True
    ).select_related("indicator", "other"):
        rules[rule.indicator_id].append(rule)
    if not rules:
        return {}
    others_needed = {r.other_id for rs in rules.values() for r in rs if r.other_id}
    states = {v.state_id for v in values}
    periods = {v.period for v in values}
    other_values: dict[tuple[int, int, str, str], Decimal | None] = {}
    if others_needed:
        for row in Value.objects.filter(
            indicator_id__in=others_needed, state_id__in=states, period__in=periods
        ).values_list("indicator_id", "state_id", "period", "disaggregation", "value"):
            other_values[row[:4]] = row[4]
    previous: dict[tuple[int, int, str, str], Decimal | None] = {}
    if any(r.kind == ValidationRule.RuleKind.COMPARE_PREVIOUS for rs in rules.values() for r in rs):
        wanted = {p for p in (_previous(v) for v in values) if p}
        for row in Value.objects.filter(
            indicator_id__in=indicator_ids, state_id__in=states, period__in=wanted
        ).values_list("indicator_id", "state_id", "period", "disaggregation", "value"):
            previous[row[:4]] = row[4]
    out: dict[int, list[Finding]] = {}
    for index, v in enumerate(values):
        label = f"{v.indicator.code} {v.state.iso3} {v.period}" + (
            f" [{v.disaggregation}]" if v.disaggregation else ""
        )
        found = []
        prev_key = None
        for rule in rules.get(v.indicator_id, []):
            if rule.kind == ValidationRule.RuleKind.COMPARE_PREVIOUS and prev_key is None:
                prev_key = (v.indicator_id, v.state_id, _previous(v) or "", v.disaggregation)
            result = check(
                rule,
                v.value,
                label=label,
                other=other_values.get((rule.other_id, v.state_id, v.period, v.disaggregation))
                if rule.other_id
                else None,
                previous=previous.get(prev_key) if prev_key else None,
            )
            if result is not None:
                found.append(result)
        if found:
            out[index] = found
    return out


# --- the write path of values -----------------------------------------------------------------
# Every writer of values (a workbook, the API batch, the entry grid, the value form, this module)
# turns its input into rows of COLUMNS and goes through :class:`ValuesImporter`: its declared
# columns and row rules check every row and collect every error with its row and column, and
# ``apply`` writes the whole plan in one transaction. Re-import matches on the natural key
# (indicator, state, period, disaggregation).

MAX_NUMBER = Decimal("9999999999999999.9999")
NOT_A_NUMBER = gettext_lazy("'{value}' is not a number.")

VALUE_COLUMNS: list[Column] = [
    Lookup(
        "indicator",
        "Indicator",
        required=True,
        case="lower",
        unknown=gettext_lazy("Unknown indicator '{value}'."),
    ),
    state_column(gettext_lazy("You cannot report values for {state}.")),
    Column("period", "Period"),  # read by the indicator's calendar (the ``period`` rule)
    Text("disaggregation", "Disaggregation"),
    Column("value", "Value"),  # a number or a text, as the indicator says (the ``value`` rule)
    Number("low", "Low", invalid=NOT_A_NUMBER, maximum=MAX_NUMBER, quote=40),
    Number("high", "High", invalid=NOT_A_NUMBER, maximum=MAX_NUMBER, quote=40),
    Lookup(
        "quality",
        "Quality (A-D)",
        unknown=gettext_lazy("Unknown quality grade '{value}'; use A, B, C or D."),
        default="",
    ),
    Text("comment", "Comment"),
    Text("evidence", "Evidence"),
    Text("reason", "Reason for a change"),
]
COLUMNS: list[tuple[str, str]] = [(c.field, c.header) for c in VALUE_COLUMNS]
FIELDS = [f for f, _h in COLUMNS]
LETTER = {f: get_column_letter(i) for i, (f, _h) in enumerate(COLUMNS, start=1)}
COMPARED = ["value", "text_value", "low", "high", "quality", "comment", "evidence"]


@dataclass
class ValuesPlan(ImportPlan):
    reasons: dict[int, str] = field(default_factory=dict)
    #: (row, approved value) changed with a reason: the rules run on them before anything is written
    revisions: list[tuple[int, Value]] = field(default_factory=list)


class ValuesImporter(Importer):
    """Reported values: the workbook import and every other writer of values."""

    sheet = "Values"
    columns = VALUE_COLUMNS
    row_rules = ("period", "disaggregation", "value", "domain")
    model = Value
    audit_action = "monitoring.imported"
    duplicate = gettext_lazy(
        "Duplicate of row {other}: the same indicator, state, period and disaggregation."
    )
    duplicate_field = "period"
    preview_headers: ClassVar[list[Any]] = [
        gettext_lazy("Indicator"),
        gettext_lazy("State"),
        gettext_lazy("Period"),
        gettext_lazy("Disaggregation"),
        gettext_lazy("Value"),
    ]

    def new_plan(self) -> ValuesPlan:
        return ValuesPlan()

    def load(self, rows: list[Row]) -> None:
        indicators = {i.code.lower(): i for i in Indicator.objects.restrict(self.user, "view")}
        parties = states(self.user)
        self.lookups = {
            "indicator": indicators,
            "state": parties,
            "quality": {q: q for q in Value.Quality.values},
        }
        codes = {r.texts["indicator"].lower() for r in rows}
        isos = {r.texts["state"].upper() for r in rows}
        wanted_ind = [i.pk for code, i in indicators.items() if code in codes]
        wanted_states = [p.pk for iso, p in parties.items() if iso in isos]
        self.existing: dict[tuple[int, int, str, str], Value] = {}
        if wanted_ind and wanted_states:
            for v in Value.objects.filter(
                indicator_id__in=wanted_ind, state_id__in=wanted_states
            ).select_related("indicator", "state"):
                self.existing[(v.indicator_id, v.state_id, v.period, v.disaggregation)] = v

    def period(self, row: Row) -> None:
        indicator, cell = row.values["indicator"], row.cells["period"]
        row.values["period"] = None
        if indicator is None:
            return
        try:
            row.values["period"] = indicator.parse_period(cell if cell is not None else "")
        except PeriodError as exc:
            message = _("Unknown period '{value}': {reason}")
            row.error("period", message.format(value=row.texts["period"], reason=exc))

    def disaggregation(self, row: Row) -> None:
        indicator, key = row.values["indicator"], row.values["disaggregation"]
        if indicator is None or not key or key in indicator.disaggregation_keys():
            return
        message = _("'{value}' is not a disaggregation of {indicator}; use one of: {choices}.")
        choices = ", ".join(k for k in indicator.disaggregation_keys() if k)
        row.error(
            "disaggregation",
            message.format(
                value=key, indicator=indicator.code, choices=choices or _("none (leave empty)")
            ),
        )

    def value(self, row: Row) -> None:
        """A number for a numeric indicator (or an unknown one), else a text."""
        indicator, text = row.values["indicator"], row.texts["value"]
        numeric = indicator is None or indicator.numeric
        row.values["value"] = None
        row.values["text_value"] = "" if numeric else text
        if not text or not numeric:
            return
        try:
            row.values["value"] = _number(text)
        except (InvalidOperation, ValueError):
            if indicator is None:
                row.error("value", str(NOT_A_NUMBER).format(value=text[:40]))
                return
            message = _("'{value}' is not a number; {indicator} is numeric.")
            row.error("value", message.format(value=text[:40], indicator=indicator.code))

    def domain(self, row: Row) -> None:
        indicator, v = row.values["indicator"], row.values
        if indicator is None or row.bad("value"):
            return
        for name, message in domain_errors(
            indicator, v["value"], v["text_value"], v["low"], v["high"]
        ).items():
            row.error(name, message)

    def key(self, row: Row) -> tuple[Any, ...] | None:
        indicator, state, period = (row.values[f] for f in ("indicator", "state", "period"))
        if indicator is None or state is None or period is None:
            return None
        return (indicator.pk, state.pk, str(period), row.values["disaggregation"])

    def place(self, row: Row, plan: ImportPlan) -> None:
        assert isinstance(plan, ValuesPlan)
        v = row.values
        fields = {name: v[name] for name in COMPARED}
        current = self.existing.get(self.key(row))  # type: ignore[arg-type]  # a clean row has a key
        if current is None:
            value = Value(
                indicator=v["indicator"],
                state=v["state"],
                disaggregation=v["disaggregation"],
                owner_id=v["state"].organisation_id,
                tlp=Value.default_tlp,
                status=Value.Status.DRAFT,
                **fields,
            )
            value.set_period(v["period"])
            plan.create.append(value)
            plan.by_row[row.number] = value
            return
        plan.by_row[row.number] = current
        if not any(getattr(current, k) != value for k, value in fields.items()):
            plan.unchanged += 1
            return
        if current.status == Value.Status.APPROVED:
            if not self.revise(row, current, plan):
                return
        elif current.status == Value.Status.SUBMITTED:
            current.status = Value.Status.DRAFT
        for k, value in fields.items():
            setattr(current, k, value)
        current.version += 1
        current.updated_at = timezone.now()
        plan.update.append(current)

    def revise(self, row: Row, current: Value, plan: ValuesPlan) -> bool:
        """An approved value changes only with a reason, and goes back to submitted."""
        if not row.texts["reason"]:
            message = _("{value} is approved and locked; give a reason for the change.")
            row.error("reason", message.format(value=str(current)))
            del plan.by_row[row.number]
            return False
        plan.revisions.append((row.number, current))
        plan.reasons[row.number] = row.texts["reason"]
        current.status = Value.Status.SUBMITTED
        current.submitted_at = timezone.now()
        current.approved_at = None
        current.approved_by = None
        return True

    def finish(self, plan: ImportPlan) -> None:
        """The rules run on every revised approved value; a blocking finding is a row error."""
        assert isinstance(plan, ValuesPlan)
        if not plan.revisions:
            return
        findings = evaluate([v for _n, v in plan.revisions])
        for index, found in findings.items():
            for f in found:
                if f.blocks:
                    row = plan.revisions[index][0]
                    plan.errors.append(RowError(row, LETTER["value"], "value", f.message))

    def write(self, plan: ImportPlan, *, actor: Any, reason: str) -> None:
        """The whole plan with history rows; a revised approved value keeps its reason."""
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        assert isinstance(plan, ValuesPlan)
        revised = {id(v): plan.reasons[n] for n, v in plan.by_row.items() if n in plan.reasons}
        created = bulk_create_with_history(
            plan.create, Value, batch_size=2000, default_user=actor, default_change_reason=reason
        )
        body = commission()
        if body is not None:
            through = Value.releasable_to.through
            released = [
                through(value_id=v.pk, organisation_id=body.pk)
                for v in created
                if v.tlp == TLP.AMBER
            ]
            through.objects.bulk_create(released, batch_size=5000)
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

    def preview_row(self, record: Any) -> list[Any]:
        return [
            record.indicator.code,
            record.state.iso3,
            record.period,
            record.disaggregation or "—",
            record.display,
        ]


def _number(text: str) -> Decimal:
    number = Decimal(text.replace(",", ""))
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise InvalidOperation
    return number


def plan_import(
    rows: list[list[Any]], *, user: Any, allowed_owner_ids: set[int] | None
) -> ValuesPlan:
    """Validate every data row (row 1 is the header) and work out what to create and update."""
    plan = ValuesImporter(user, allowed_owner_ids=allowed_owner_ids).plan(rows)
    assert isinstance(plan, ValuesPlan)
    return plan


def apply_import(plan: ValuesPlan, *, actor: Any, source: str = "") -> dict[str, int]:
    """Write the plan in one transaction, with history rows and one audit event."""
    return ValuesImporter(actor).apply(plan, actor=actor, source=source)


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


# --- values ---------------------------------------------------------------------------------


def new_value(
    indicator: Indicator, state: Party, period: Period, disaggregation: str = ""
) -> Value:
    value = Value(indicator=indicator, state=state, disaggregation=disaggregation)
    value.set_period(period)
    value.owner_id = state.organisation_id
    return value


def save_value(obj: Value, *, actor: Any, reason: str = "") -> Value:
    """Create or change one value through the same validated path as every other writer
    (``write_rows``); see the module docstring for what a change does to its status.
    Raises ``ValidationError`` keyed by field, having written nothing."""
    row = value_row(
        indicator=obj.indicator.code,
        state=obj.state.iso3,
        period=obj.period,
        disaggregation=obj.disaggregation,
        value=obj.value if obj.value is not None else obj.text_value,
        low=obj.low,
        high=obj.high,
        quality=obj.quality,
        comment=obj.comment,
        evidence=obj.evidence,
        reason=reason,
    )
    try:
        plan = write_rows([row], actor=actor, allowed_owner_ids=None, source=_("a service"))
    except ImportRejected as exc:
        raise ValidationError({e.field: e.message for e in exc.errors}) from None
    obj.pk = plan.by_row[2].pk
    obj.refresh_from_db()  # the caller's instance now holds what was written
    return obj


def _check_right(values: Iterable[Value], actor: Any, kind: str) -> None:
    action = "change" if kind == workflow.EDITOR else "review"
    ids = [v.pk for v in values]
    allowed = set(
        Value.objects.restrict(actor, action).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if set(ids) - allowed:
        raise PermissionDenied


def transition(values: list[Value], action: str, *, actor: Any, reason: str = "") -> list[Finding]:
    """Move every value by ``action``, all or nothing. Returns the warnings of submitted values.

    Raises ``workflow.TransitionError`` (the action is not open from a value's status),
    ``PermissionDenied`` (not the actor's to do), ``ValidationError`` (a reason is missing) or
    ``RulesFailed`` (a blocking rule fails on submission).
    """
    if not values:
        return []
    if action not in workflow.ACTIONS:
        raise workflow.TransitionError(f"unknown action {action}")
    with transaction.atomic():
        locked = list(
            Value.objects.select_for_update()
            .filter(pk__in=[v.pk for v in values])
            .select_related("indicator", "state")
            .order_by("pk")
        )
        steps = [workflow.find(action, v.status) for v in locked]
        _check_right(locked, actor, steps[0].actor)
        if steps[0].needs_reason and not reason.strip():
            raise ValidationError({"reason": _("Give a reason.")})
        warnings: list[Finding] = []
        if action in ("submit", "revise"):
            findings = evaluate(locked)
            blocking = [f for fs in findings.values() for f in fs if f.blocks]
            if blocking:
                raise RulesFailed(blocking)
            for index, v in enumerate(locked):
                v.warnings = [f.as_dict() for f in findings.get(index, [])]
                warnings.extend(findings.get(index, []))
        now = timezone.now()
        for v, step in zip(locked, steps, strict=True):
            v.status = step.target
            v.version += 1
            if step.target == workflow.SUBMITTED:
                v.submitted_at = now
                v.return_reason = ""
                v.approved_at, v.approved_by = None, None
            if step.target == workflow.APPROVED:
                v.approved_at, v.approved_by = now, actor
            if step.target == workflow.RETURNED:
                v.return_reason = reason.strip()
        from simple_history.utils import bulk_update_with_history

        bulk_update_with_history(
            locked,
            Value,
            [
                "status",
                "version",
                "submitted_at",
                "approved_at",
                "approved_by",
                "return_reason",
                "warnings",
                "updated_at",
            ],
            batch_size=1000,
            default_user=actor,
            default_change_reason=(reason.strip() or action)[:250],
        )
        record_event(f"monitoring.{action}", actor=actor, count=len(locked))
    return warnings


# --- targets and baselines ------------------------------------------------------------------


def _set_point(
    model: Any,
    indicator: Indicator,
    state: Party,
    period: Period,
    value: Decimal,
    *,
    actor: Any,
    by_period: bool,
    reason: str = "",
    note: str = "",
) -> Any:
    key = {"indicator": indicator, "state": state}
    if by_period:
        key["period"] = str(period)
    with transaction.atomic():
        current = model.objects.select_for_update().filter(**key).first()
        if current is None:
            current = model(indicator=indicator, state=state, value=value, note=note)
            current.set_period(period)
            current.owner_id = state.organisation_id
            current.steward = commission()
            mark_history(current, reason=reason.strip()[:250] or _("Set"), user=actor)
            current.save()
            return current
        if not reason.strip():
            raise ValidationError({"change_reason": _("Give a reason for the revision.")})
        current.value = value
        current.note = note or current.note
        current.set_period(period)
        current.version += 1
        mark_history(current, reason=reason.strip()[:250], user=actor)
        current.save()
        return current


def set_target(
    indicator: Indicator, state: Party, period: Period, value: Decimal, **kwargs: Any
) -> Target:
    """Set or revise a target; a revision needs a reason, and the history keeps the earlier value.
    Keyword arguments: ``actor`` (required), ``reason``, ``note``."""
    return _set_point(Target, indicator, state, period, value, by_period=True, **kwargs)


def set_baseline(
    indicator: Indicator, state: Party, period: Period, value: Decimal, **kwargs: Any
) -> Baseline:
    """Set or revise a state's baseline (one per indicator); as for targets."""
    return _set_point(Baseline, indicator, state, period, value, by_period=False, **kwargs)


# --- progress -------------------------------------------------------------------------------


def progress_pct(
    direction: str, actual: Decimal | None, target: Decimal | None, baseline: Decimal | None
) -> float | None:
    if actual is None or target is None:
        return None
    a, t = float(actual), float(target)
    higher = direction == Indicator.Direction.INCREASE
    if baseline is not None:
        b = float(baseline)
        if t == b:
            met = a >= t if higher else a <= t
            return 100.0 if met else 0.0
        return (a - b) / (t - b) * 100
    if higher:
        return a / t * 100 if t else (100.0 if a >= t else 0.0)
    if a <= 0:
        return 100.0
    return t / a * 100


def progress_status(pct: float | None, has_target: bool, has_value: bool) -> str:
    if not has_value:
        return "no_data"
    if not has_target or pct is None:
        return "no_target"
    if pct >= ON_TRACK:
        return "on_track"
    if pct >= AT_RISK:
        return "at_risk"
    return "off_track"


STATUS_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "off_track": gettext_lazy("Off track"),
    "no_target": gettext_lazy("No target"),
    "no_data": gettext_lazy("No data"),
    "not_published": gettext_lazy("Not published (small number)"),
    "not_shared": gettext_lazy("Not shared with you"),
}
#: A mark for each status a cell shows as a percentage, so that the status is not told by its
#: colour alone; the cell's text names the status too, for a screen reader (the dashboard).
STATUS_MARKS = {"on_track": "✓", "at_risk": "!", "off_track": "✗"}


@dataclass
class ProgressRow:
    indicator: Indicator
    state: Party
    period: str
    actual: Decimal | None
    target: Decimal | None
    baseline: Decimal | None
    pct: float | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_mark(self) -> str:
        return STATUS_MARKS.get(self.status, "")


def approved_totals(
    user: Any,
    indicator_ids: Iterable[int] | None = None,
    hidden: set[int] | None = None,
    approved_before: datetime | None = None,
) -> Any:
    """Approved totals the user may read (through the publication gate), each with its target
    (same period) and baseline. ``hidden``: the ids the gate hides, when already known; with
    ``approved_before``, only the values approved before that moment."""
    targets = Target.objects.restrict(user, "view").filter(
        indicator=OuterRef("indicator"), state=OuterRef("state"), period=OuterRef("period")
    )
    baselines = Baseline.objects.restrict(user, "view").filter(
        indicator=OuterRef("indicator"), state=OuterRef("state")
    )
    if hidden is None:
        values = publication.published_values(user, indicator_ids)
    else:
        values = publication.visible_values(user).exclude(pk__in=sorted(hidden))
        if indicator_ids is not None:
            values = values.filter(indicator_id__in=list(indicator_ids))
    if approved_before is not None:
        values = values.filter(approved_at__lt=approved_before)
    return values.filter(status=Value.Status.APPROVED, disaggregation="").annotate(
        target_value=Subquery(targets.order_by().values("value")[:1]),
        baseline_value=Subquery(baselines.order_by().values("value")[:1]),
    )


def progress_rows(
    user: Any, indicators: list[Indicator], period: str, states: dict[int, Party] | None = None
) -> list[ProgressRow]:
    """One row per state with a value or a target for each indicator in the period.

    Three queries at most (values with their targets and baselines, targets without a value, and
    the states unless given); only the figures are read, never whole rows.
    """
    by_id = {i.pk: i for i in indicators}
    if states is None:
        states = {p.pk: p for p in Party.objects.restrict(user, "view")}
    rows: dict[tuple[int, int], ProgressRow] = {}
    hidden = publication.hidden_value_ids(user, by_id)
    if hidden:
        for ind_id, state_id in Value.objects.filter(
            pk__in=sorted(hidden), period=period, disaggregation=""
        ).values_list("indicator_id", "state_id"):
            state = states.get(state_id)
            if state is not None:
                rows[(ind_id, state_id)] = ProgressRow(
                    by_id[ind_id], state, period, None, None, None, None, "not_published"
                )
    # Approved figures that exist but are not shared with this reader: said, never left blank.
    for ind_id, state_id in (
        Value.objects.filter(
            indicator_id__in=by_id,
            period=period,
            disaggregation="",
            status=Value.Status.APPROVED,
        )
        .exclude(pk__in=Value.objects.restrict(user, "view").values("pk"))
        .values_list("indicator_id", "state_id")
    ):
        state = states.get(state_id)
        if state is not None:
            rows[(ind_id, state_id)] = ProgressRow(
                by_id[ind_id], state, period, None, None, None, None, "not_shared"
            )
    figures = (
        approved_totals(user, by_id, hidden)
        .filter(period=period)
        .order_by()
        .values_list("indicator_id", "state_id", "value", "target_value", "baseline_value")
    )
    for ind_id, state_id, actual, target, baseline in figures:
        state = states.get(state_id)
        if state is None:
            continue
        ind = by_id[ind_id]
        pct = progress_pct(ind.direction, actual, target, baseline)
        rows[(ind_id, state_id)] = ProgressRow(
            ind,
            state,
            period,
            actual,
            target,
            baseline,
            pct,
            progress_status(pct, target is not None, True),
        )
    targets = (
        Target.objects.restrict(user, "view")
        .filter(indicator_id__in=by_id, period=period)
        .order_by()
        .values_list("indicator_id", "state_id", "value")
    )
    for ind_id, state_id, target in targets:
        state = states.get(state_id)
        if (ind_id, state_id) in rows and rows[(ind_id, state_id)].status in (
            "not_published",
            "not_shared",
        ):
            rows[(ind_id, state_id)].target = target
        elif (ind_id, state_id) not in rows and state is not None:
            rows[(ind_id, state_id)] = ProgressRow(
                by_id[ind_id], state, period, None, target, None, None, "no_data"
            )
    return sorted(rows.values(), key=lambda r: (r.indicator.code, r.state.iso3))


def measure_indicator_progress(user: Any, measure_ids: list[int]) -> dict[int, float]:
    """For each measure, the mean over its linked indicators of the mean over states of the
    progress (clamped to 0–100) at the latest period with both an approved value and a target."""
    if not measure_ids:
        return {}
    through = Indicator.measures.through
    links: dict[int, set[int]] = defaultdict(set)
    for measure_id, indicator_id in through.objects.filter(measure_id__in=measure_ids).values_list(
        "measure_id", "indicator_id"
    ):
        links[indicator_id].add(measure_id)
    if not links:
        return {}
    visible = set(
        Indicator.objects.restrict(user, "view").filter(pk__in=links).values_list("pk", flat=True)
    )
    latest: dict[tuple[int, int], tuple[Any, float]] = {}
    rows = (
        approved_totals(user)
        .filter(indicator_id__in=visible)
        .exclude(target_value=None)
        .values_list(
            "indicator_id",
            "state_id",
            "period_start",
            "value",
            "target_value",
            "baseline_value",
            "indicator__direction",
        )
    )
    for ind, state, start, actual, target, baseline, direction in rows:
        pct = progress_pct(direction, actual, target, baseline)
        if pct is None:
            continue
        key = (ind, state)
        if key not in latest or start > latest[key][0]:
            latest[key] = (start, max(0.0, min(100.0, pct)))
    per_indicator: dict[int, list[float]] = defaultdict(list)
    for (ind, _state), (_start, pct) in latest.items():
        per_indicator[ind].append(pct)
    per_measure: dict[int, list[float]] = defaultdict(list)
    for ind, pcts in per_indicator.items():
        for measure_id in links[ind]:
            per_measure[measure_id].append(statistics.fmean(pcts))
    return {m: statistics.fmean(p) for m, p in per_measure.items()}


def off_track(
    user: Any, limit: int | None = 100, approved_before: datetime | None = None
) -> list[ProgressRow]:
    """Indicator × state pairs whose latest period with an approved value and a target is off
    track (below the at-risk threshold), worst first; all of them when ``limit`` is None, and as
    the values approved before ``approved_before`` showed it when given. Three queries: the
    figures, then the indicators and the states of the rows kept."""
    latest: dict[tuple[int, int], tuple[Any, str, Any, Any, Any, str]] = {}
    rows = (
        approved_totals(user, approved_before=approved_before)
        .filter(indicator__in=Indicator.objects.restrict(user, "view").values("pk"))
        .exclude(target_value=None)
        .order_by()
        .values_list(
            "indicator_id",
            "state_id",
            "period_start",
            "period",
            "value",
            "target_value",
            "baseline_value",
            "indicator__direction",
        )
    )
    for ind, state, start, period, actual, target, baseline, direction in rows:
        key = (ind, state)
        if key not in latest or start > latest[key][0]:
            latest[key] = (start, period, actual, target, baseline, direction)
    found: list[tuple[float, int, int, str, Any, Any, Any]] = []
    for (ind, state), (_start, period, actual, target, baseline, direction) in latest.items():
        pct = progress_pct(direction, actual, target, baseline)
        if progress_status(pct, True, True) == "off_track":
            assert pct is not None  # a status of off_track implies a percentage
            found.append((pct, ind, state, period, actual, target, baseline))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    found = found[:limit]
    indicators = Indicator.objects.in_bulk({f[1] for f in found})
    states = Party.objects.select_related("organisation").in_bulk({f[2] for f in found})
    return [
        ProgressRow(indicators[i], states[s], period, a, t, b, pct, "off_track")
        for pct, i, s, period, a, t, b in found
    ]


# --- the regional dashboard -----------------------------------------------------------------


@dataclass
class Dashboard:
    period: str
    indicators: list[Indicator]
    states: list[Party]
    cells: dict[tuple[int, int], ProgressRow] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def dashboard(user: Any, period: Period) -> Dashboard:
    """Every indicator of the period's kind × every state: approved value, target, status."""
    indicators = list(
        Indicator.objects.restrict(user, "view")
        .filter(period_type=period.kind)
        .select_related("category")
    )
    states = list(
        Party.objects.restrict(user, "view")
        .filter(organisation__side="caribbean")
        .select_related("organisation")
    )
    board = Dashboard(str(period), indicators, states)
    by_id = {s.pk: s for s in states}
    for row in progress_rows(user, indicators, str(period), by_id):
        board.cells[(row.indicator.pk, row.state.pk)] = row
    counts: dict[str, int] = defaultdict(int)
    for row in board.cells.values():
        counts[row.status] += 1
    board.counts = dict(counts)
    return board


# --- public figures -------------------------------------------------------------------------


def public_table(user: Any, indicator: Indicator, period: str) -> PublicTable:
    """Approved values the caller may see, states × disaggregation cells, with totals, as the
    publication gate (:mod:`.publication`) lets this reader see them."""
    return publication.table(user, indicator, period)


def readable_values(user: Any) -> Any:
    """Values the caller may read: what they steward as reported, and the approved values of
    others as published (small cells and what would reveal them left out)."""
    return publication.published_values(user)


def visible_indicators(user: Any) -> Any:
    return Indicator.objects.restrict(user, "view").select_related("category")


def find_indicator(user: Any, code: str) -> Indicator | None:
    return visible_indicators(user).filter(Q(code__iexact=code.strip())).first()


def home_panel(request: Any) -> Any:
    """The home page's monitoring work: what to enter or correct, and what waits for approval."""
    from django.urls import reverse

    from seccoop.core.panels import Panel, PanelItem

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    items = []
    if get_policy().can_add(Value, user):
        own = Value.objects.restrict(user, "change").aggregate(
            returned=Count("pk", filter=Q(status=Value.Status.RETURNED)),
            drafts=Count("pk", filter=Q(status=Value.Status.DRAFT)),
        )
        items.append(PanelItem(str(_("Enter values")), reverse("monitoring:entry")))
        items.append(
            PanelItem(
                str(_("Values returned to you for correction")),
                reverse("monitoring:value_list") + "?status=returned",
                own["returned"],
            )
        )
        items.append(
            PanelItem(
                str(_("Draft values not yet submitted")),
                reverse("monitoring:value_list") + "?status=draft",
                own["drafts"],
            )
        )
    waiting = Value.objects.restrict(user, "review").filter(status=Value.Status.SUBMITTED).count()
    if waiting:
        items.append(
            PanelItem(
                str(_("Values waiting for your approval")), reverse("monitoring:review"), waiting
            )
        )
    if not items:
        return None
    return Panel("monitoring", str(_("Monitoring")), items)
