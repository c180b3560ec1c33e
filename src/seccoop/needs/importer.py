"""The Needs Assessment Matrix workbook: its columns and rules, and the import template.

:class:`NeedsImporter` declares the columns, lookups and row rules; :mod:`seccoop.core.importing`
checks the file (size, zip structure, sheet, header), checks every row collecting every error with
its row and column, and writes the whole plan in one transaction through
``services.save_needs`` (the rules the form and the API share too). A dry run stops after the
plan. Re-import matches on the natural key (cycle, state, category, reference) and updates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from seccoop.core.importing import (
    Column,
    Importer,
    ImportPlan,
    Lookup,
    Number,
    Row,
    Template,
    Text,
    Whole,
)
from seccoop.core.money import CURRENCIES, RateMissing, RateTable
from seccoop.core.numbers import format_amount
from seccoop.core.workbooks import (
    CLI_LIMITS,
    WEB_LIMITS,
    ImportRejected,
    Limits,
    RowError,
    error_report,
    file_error,
)
from seccoop.framework.importers import state_column, states
from seccoop.framework.models import Category, Party

from .models import AssessmentCycle, Need
from .services import AUTHOR_STATUSES, entry_errors, save_needs

SHEET = "Needs"
LISTS_SHEET = "Lists"
#: 15 significant digits: what SQLite keeps exactly (its REAL-backed decimals), with 2 decimals.
MAX_AMOUNT = Decimal("9999999999999.99")

NEED_COLUMNS: list[Column] = [
    state_column(gettext_lazy("You cannot enter needs for {state}.")),
    Lookup(
        "category",
        "Category",
        required=True,
        case="lower",
        unknown=gettext_lazy("Unknown category '{value}'. Use a code from I.a to III.c."),
    ),
    Text(
        "reference",
        "Reference",
        required=gettext_lazy("Give the need a reference."),
        max_length=40,
        too_long=gettext_lazy("The reference is longer than 40 characters."),
    ),
    Text(
        "sub_area",
        "Sub-area",
        max_length=120,
        too_long=gettext_lazy("The sub-area is longer than 120 characters."),
    ),
    Text("description", "Description", required=gettext_lazy("Describe the need.")),
    Whole(
        "severity",
        "Severity (1-5)",
        required=True,
        low=1,
        high=5,
        invalid=gettext_lazy("Severity must be a whole number from 1 to 5 (found '{value}')."),
    ),
    Lookup(
        "gap_type",
        "Gap type",
        required=True,
        case="lower",
        unknown=gettext_lazy("Unknown gap type '{value}'. Use one of: {choices}."),
    ),
    Number(
        "amount",
        "Estimated cost",
        required=gettext_lazy("Give the estimated cost."),
        invalid=gettext_lazy("The cost must be a number (found '{value}')."),
        minimum=Decimal(0),
        below=gettext_lazy("The cost must be zero or more (found '{value}')."),
        maximum=MAX_AMOUNT,
        places=2,
        too_big=gettext_lazy(
            "The cost must have at most 2 decimals and 13 digits before the point (found '{value}')."
        ),
    ),
    Lookup(
        "currency",
        "Currency",
        required=True,
        unknown=gettext_lazy(
            "Unknown currency '{value}'. Use an ISO 4217 code such as JMD or USD."
        ),
    ),
    Whole(
        "priority_rank",
        "State priority rank",
        low=1,
        high=999,
        invalid=gettext_lazy("The priority rank must be a whole number from 1 (found '{value}')."),
    ),
    Text("evidence", "Evidence"),
    #: An optional twelfth column: draft or submitted (empty: submitted). Validated and returned
    #: are the Commission's review and are refused with a row error.
    Lookup(
        "status",
        "Status",
        optional_column=True,
        case="lower",
        quote=40,
        unknown=gettext_lazy("Unknown status '{value}'. Use draft or submitted."),
        default=Need.Status.SUBMITTED,
    ),
]
#: (field, header in the template) of the eleven columns every workbook has
COLUMNS: list[tuple[str, str]] = [(c.field, c.header) for c in NEED_COLUMNS[:-1]]
STATUS_COLUMN = ("status", "Status")
FIELDS = [f for f, _h in COLUMNS]
LETTER = {c.field: get_column_letter(i) for i, c in enumerate(NEED_COLUMNS, start=1)}
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


def _choices(choices: Any) -> dict[str, str]:
    """value and label (lower-cased) -> value."""
    table = {}
    for value, label in choices:
        table[value.lower()] = value
        table[str(label).lower()] = value
    return table


class NeedsPlan(ImportPlan):
    def __init__(self, cycle: AssessmentCycle) -> None:
        super().__init__()
        self.cycle = cycle


class NeedsImporter(Importer):
    """The needs of one assessment cycle (``cycle``)."""

    sheet = SHEET
    columns = NEED_COLUMNS
    row_rules = ("author_status", "price")
    model = Need
    audit_action = "needs.imported"
    duplicate = gettext_lazy("Duplicate of row {other}: the same state, category and reference.")
    duplicate_field = "reference"
    preview_headers: ClassVar[list[Any]] = [
        gettext_lazy("State"),
        gettext_lazy("Category"),
        gettext_lazy("Reference"),
        gettext_lazy("Cost"),
        gettext_lazy("Cost (USD)"),
    ]

    def __init__(
        self, user: Any, *, cycle: AssessmentCycle, allowed_owner_ids: set[int] | None = None
    ) -> None:
        super().__init__(user, allowed_owner_ids=allowed_owner_ids)
        self.cycle = cycle

    def new_plan(self) -> NeedsPlan:
        return NeedsPlan(self.cycle)

    def refuse(self) -> list[RowError]:
        if self.cycle.status == AssessmentCycle.Status.OPEN:
            return []
        message = _("The {year} cycle is closed; it takes no more needs.")
        return [RowError(0, "", "cycle", message.format(year=self.cycle.year))]

    def load(self, rows: list[Row]) -> None:
        self.lookups = {
            "state": states(self.user),
            "category": {c.code.lower(): c for c in Category.objects.restrict(self.user, "view")},
            "gap_type": _choices(Need.GapType.choices),
            "currency": {c: c for c in sorted(CURRENCIES)},
            "status": _choices(Need.Status.choices),
        }
        self.rates = RateTable()
        self.existing = {
            (n.state_id, n.category_id, n.reference): n
            for n in Need.objects.filter(cycle=self.cycle)
        }

    def author_status(self, row: Row) -> None:
        if row.values["status"] is not None and row.values["status"] not in AUTHOR_STATUSES:
            message = _(
                "Only the Commission's secretariat validates or returns a need; a workbook "
                "row is draft or submitted (found '{value}')."
            )
            row.error("status", message.format(value=row.texts["status"][:40]))

    def price(self, row: Row) -> None:
        """The cost in USD at the cycle's valuation date."""
        amount, currency = row.values["amount"], row.values["currency"]
        row.values["amount_usd"] = None
        if amount is None or currency is None:
            return
        try:
            usd = self.rates.to_usd(amount, currency, self.cycle.valuation_date)
        except RateMissing as exc:
            row.error("currency", exc.messages[0])
            return
        if usd > MAX_AMOUNT:
            message = _("The cost is more than USD {limit}; check the amount and currency.")
            row.error("amount", message.format(limit=f"{MAX_AMOUNT:,.0f}"))
            return
        row.values["amount_usd"] = usd

    def key(self, row: Row) -> tuple[Any, ...] | None:
        state, category, reference = (row.values[f] for f in ("state", "category", "reference"))
        if state is None or category is None or not reference:
            return None
        return (state.pk, category.pk, reference)

    def place(self, row: Row, plan: ImportPlan) -> None:
        v = row.values
        fields = {name: v[name] for name in COMPARED if name != "status"}
        current = self.existing.get((v["state"].pk, v["category"].pk, v["reference"]))
        if current is None:
            plan.create.append(
                Need(
                    cycle=self.cycle,
                    state=v["state"],
                    category=v["category"],
                    reference=v["reference"],
                    owner_id=v["state"].organisation_id,
                    tlp=Need.default_tlp,
                    amount_usd=v["amount_usd"],
                    status=v["status"],
                    **fields,
                )
            )
            return
        changed = (
            any(getattr(current, k) != value for k, value in fields.items())
            or current.amount_usd != v["amount_usd"]
        )
        status = v["status"]
        # An empty status keeps an unchanged need as it is; a changed need is submitted again.
        if not row.texts["status"]:
            status = Need.Status.SUBMITTED if changed else current.status
        if not changed and status == current.status:
            plan.unchanged += 1
            return
        for k, value in fields.items():
            setattr(current, k, value)
        current.status = status
        for message in entry_errors(current).values():
            row.error("status", message)
        if row.errors:
            return
        current.amount_usd = v["amount_usd"]
        current.version += 1
        current.updated_at = timezone.now()
        plan.update.append(current)

    def write(self, plan: ImportPlan, *, actor: Any, reason: str) -> None:
        fields = [*COMPARED, "amount_usd", "version", "updated_at"]
        save_needs(plan.create, plan.update, actor=actor, reason=reason, fields=fields)

    def audit_detail(self, plan: ImportPlan) -> dict[str, Any]:
        return {"cycle": self.cycle.year}

    def preview_row(self, record: Any) -> list[Any]:
        return [
            record.state.iso3,
            record.category.code,
            record.reference,
            f"{format_amount(record.amount)} {record.currency}",
            format_amount(record.amount_usd),
        ]


def read_workbook(data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
    """Check the file and return the rows of the Needs sheet (row 1 is the header)."""
    return NeedsImporter.read(data, limits)


def plan_import(
    rows: list[list[Any]],
    *,
    cycle: AssessmentCycle,
    user: Any,
    allowed_owner_ids: set[int] | None = None,
) -> ImportPlan:
    """Validate every row (collecting every error) and work out what to create and update."""
    return NeedsImporter(user, cycle=cycle, allowed_owner_ids=allowed_owner_ids).plan(rows)


def apply_import(plan: ImportPlan, *, actor: Any, source: str = "") -> dict[str, int]:
    """Write the plan through ``services.save_needs`` (the rules every path shares, in one
    transaction, with history rows) and one audit event."""
    cycle = plan.cycle if isinstance(plan, NeedsPlan) else None
    if cycle is None:
        raise ImportRejected(plan.errors)
    return NeedsImporter(actor, cycle=cycle).apply(plan, actor=actor, source=source)


def template_workbook(user: Any, cycle: AssessmentCycle | None = None) -> bytes:
    """The import template: the header, dropdowns for state, category, gap type, currency and
    status, and checks on severity and cost."""
    from openpyxl.worksheet.datavalidation import DataValidation

    template = Template(NeedsImporter, [10, 10, 14, 22, 60, 12, 16, 16, 10, 12, 40, 12])
    caribbean = Party.objects.restrict(user, "view").filter(organisation__side="caribbean")
    template.dropdown("state", sorted(caribbean.values_list("iso3", flat=True)))
    categories = Category.objects.restrict(user, "view").values_list("code", flat=True)
    template.dropdown("category", list(categories))
    template.dropdown("gap_type", list(Need.GapType.values))
    template.dropdown("currency", sorted(CURRENCIES))
    template.dropdown("status", [str(s) for s in AUTHOR_STATUSES])
    severity = DataValidation(
        type="whole", operator="between", formula1="1", formula2="5", showErrorMessage=True
    )
    template.check("severity", severity, _("Severity runs from 1 to 5."))
    cost = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", showErrorMessage=True
    )
    template.check("amount", cost, _("A cost cannot be negative."))
    return template.save()


__all__ = [
    "CLI_LIMITS",
    "WEB_LIMITS",
    "ImportRejected",
    "Limits",
    "RowError",
    "error_report",
    "file_error",
]
