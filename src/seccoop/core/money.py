"""Money: Decimal amounts with an ISO 4217 code, converted to USD at the rate of the value date."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .importing import CellError, Column, Day, Importer, ImportPlan, Number, Row, Text
from .models import ExchangeRate, mark_history
from .workbooks import CLI_LIMITS, MB, WEB_LIMITS, ImportRejected, Limits, RowError, file_error

CENT = Decimal("0.01")

#: ISO 4217 codes the platform accepts: the 17 parties' currencies and the main partners'.
CURRENCIES = frozenset(
    {
        "USD",
        "XCD",
        "BSD",
        "BBD",
        "BZD",
        "GYD",
        "HTG",
        "JMD",
        "SRD",
        "TTD",
        "DOP",
        "EUR",
        "GBP",
        "CAD",
    }
)


class RateMissing(ValidationError):
    """No rate is known for the currency on or before the date."""


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCIES:
        raise ValidationError(
            _("Unknown currency '{code}'. Use an ISO 4217 code such as {known}.").format(
                code=code, known=", ".join(sorted(CURRENCIES))
            )
        )
    return code


def rate_on(currency: str, on_date: date) -> Decimal:
    """Units of ``currency`` per USD: the latest rate on or before ``on_date``."""
    currency = check_currency(currency)
    if currency == "USD":
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, date__lte=on_date)
        .order_by("-date")
        .values_list("units_per_usd", flat=True)
        .first()
    )
    if rate is None:
        raise RateMissing(
            _("No exchange rate for {currency} on or before {day}. Import one first.").format(
                currency=currency, day=on_date.isoformat()
            )
        )
    return rate


def to_usd(amount: Decimal, currency: str, on_date: date) -> Decimal:
    """Convert ``amount`` of ``currency`` to USD at the rate in force on ``on_date``, to the cent."""
    return usd_at(amount, currency, on_date)[1]


def usd_at(amount: Decimal, currency: str, on_date: date) -> tuple[Decimal, Decimal]:
    """The rate in force on ``on_date`` (units per USD) and ``amount`` converted with it, to the
    cent (half up), for records that keep the rate they were converted at."""
    rate = rate_on(currency, on_date)
    return rate, (Decimal(amount) / rate).quantize(CENT, rounding=ROUND_HALF_UP)


class RateTable:
    """Rates preloaded for many conversions (one query, then lookups in memory)."""

    def __init__(self, currencies: set[str] | None = None) -> None:
        rows = ExchangeRate.objects.order_by("currency", "date")
        if currencies is not None:
            rows = rows.filter(currency__in=currencies)
        self._rates: dict[str, list[tuple[date, Decimal]]] = {}
        for currency, day, rate in rows.values_list("currency", "date", "units_per_usd"):
            self._rates.setdefault(currency, []).append((day, rate))

    def rate(self, currency: str, on_date: date) -> Decimal:
        currency = currency.strip().upper()
        if currency == "USD":
            return Decimal(1)
        best = None
        for day, rate in self._rates.get(currency, []):
            if day > on_date:
                break
            best = rate
        if best is None:
            raise RateMissing(
                _("No exchange rate for {currency} on or before {day}. Import one first.").format(
                    currency=currency, day=on_date.isoformat()
                )
            )
        return best

    def to_usd(self, amount: Decimal, currency: str, on_date: date) -> Decimal:
        return (Decimal(amount) / self.rate(currency, on_date)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )


@dataclass
class RateImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class CurrencyColumn(Column):
    """An ISO 4217 code the platform accepts (``check_currency``)."""

    def parse(self, text: str, importer: Importer) -> Any:
        try:
            return check_currency(text)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None

    def empty(self, importer: Importer) -> Any:
        return self.parse("", importer)


RATE_COLUMNS: list[Column] = [
    Day(
        "date", "date", required=True, invalid=gettext_lazy("'{value}' is not a date (YYYY-MM-DD).")
    ),
    CurrencyColumn("currency", "currency", required=True),
    Number(
        "units_per_usd",
        "units_per_usd",
        required=True,
        invalid=gettext_lazy("'{value}' is not a positive number."),
        minimum=Decimal(0),
        positive=True,
        maximum=Decimal("9999999999.99999999"),
        places=8,
        too_big=gettext_lazy("'{value}' has more than 10 digits before the point or 8 after it."),
        grouped=False,
    ),
    Text("source", "source"),
]


class RatesImporter(Importer):
    """Exchange rates from a CSV file ``date,currency,units_per_usd[,source]`` (any column order,
    other columns ignored); re-import matches on (currency, date) and updates. Without a user (the
    command line, the reference data loader) the platform itself writes; a user may change only the
    rates the policy lets them change."""

    columns = RATE_COLUMNS
    model = ExchangeRate
    audit_action = "rates.imported"
    duplicate = gettext_lazy("{currency} on {date} appears twice.")
    refuse_formulas = False
    preview_headers: ClassVar[list[Any]] = [
        gettext_lazy("Date"),
        gettext_lazy("Currency"),
        gettext_lazy("Units per US dollar"),
        gettext_lazy("Source"),
    ]

    @classmethod
    def letters(cls) -> dict[str, str]:
        """A CSV file's columns are named, not placed: an error names the column by its name."""
        return {c.field: c.field for c in cls.columns}

    @classmethod
    def read(cls, data: bytes, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
        if len(data) > limits.max_bytes:
            raise file_error(
                _("The file is {size} MB; the limit is {limit} MB.").format(
                    size=round(len(data) / MB, 1), limit=limits.max_bytes // MB
                )
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise file_error(_("The file is not UTF-8 text; save it as CSV (UTF-8).")) from None
        return cls.read_text(text, limits)

    @classmethod
    def read_text(cls, text: str, limits: Limits = WEB_LIMITS) -> list[list[Any]]:
        """The header (the declared columns), then each record's cells in that order."""
        names = [c.field for c in cls.columns]
        try:
            reader = csv.DictReader(io.StringIO(text))
            missing = {"date", "currency", "units_per_usd"} - set(reader.fieldnames or [])
            if missing:
                message = _(
                    "The rates file needs the columns date, currency, units_per_usd (missing: {cols})."
                )
                raise file_error(message.format(cols=", ".join(sorted(missing))))
            rows: list[list[Any]] = [names]
            for record in reader:
                if len(rows) > limits.max_rows:
                    message = _("The file has more than {limit} rows.")
                    raise file_error(message.format(limit=limits.max_rows))
                rows.append([record.get(name) for name in names])
        except csv.Error as exc:
            raise file_error(_("The rates file is not valid CSV: {msg}").format(msg=exc)) from exc
        return rows

    def load(self, rows: list[Row]) -> None:
        currencies = {r.texts["currency"].upper() for r in rows}
        self.existing = {
            (r.currency, r.date): r for r in ExchangeRate.objects.filter(currency__in=currencies)
        }
        self.changeable: set[int] | None = None
        if self.user is not None:
            mine = ExchangeRate.objects.restrict(self.user, "change")
            self.changeable = set(mine.values_list("pk", flat=True))

    def key(self, row: Row) -> tuple[Any, ...] | None:
        if row.errors:
            return None
        return (row.values["currency"], row.values["date"])

    def place(self, row: Row, plan: ImportPlan) -> None:
        units, source = row.values["units_per_usd"], row.values["source"][:200]
        current = self.existing.get((row.values["currency"], row.values["date"]))
        if current is None:
            rate = ExchangeRate(
                date=row.values["date"],
                currency=row.values["currency"],
                units_per_usd=units,
                source=source,
            )
            plan.create.append(rate)
        elif current.units_per_usd != units or current.source != source:
            if self.changeable is not None and current.pk not in self.changeable:
                row.error("units_per_usd", _("You cannot change the rates already recorded."))
                return
            current.units_per_usd, current.source = units, source
            current.version += 1
            plan.update.append(current)
        else:
            plan.unchanged += 1

    def write(self, plan: ImportPlan, *, actor: Any, reason: str) -> None:
        for rate in plan.create:
            mark_history(rate, reason="Imported", user=actor)
            rate.save()
        for rate in plan.update:
            mark_history(rate, reason="Re-imported", user=actor)
            rate.save()

    def preview_row(self, record: Any) -> list[Any]:
        return [record.date.isoformat(), record.currency, record.units_per_usd, record.source]


def import_rates_csv(text: str, *, actor: Any = None) -> RateImport:
    """Import ``date,currency,units_per_usd,source`` rows, all or nothing; re-import updates.
    Raises ``ValidationError`` with one message a problem (``Row 3, column date: …``). An import
    that changes nothing (the shipped rates loaded again at each start) leaves no audit event."""
    importer = RatesImporter(None)  # the platform writes; ``actor`` is named in the history
    try:
        plan = importer.plan(importer.read_text(text, CLI_LIMITS))
        changes = bool(plan.create or plan.update)
        summary = importer.apply(plan, actor=actor, source="CSV", audit=changes)
    except ImportRejected as exc:
        raise ValidationError([rate_error(e) for e in exc.errors]) from None
    return RateImport(summary["created"], summary["updated"], summary["unchanged"])


def rate_error(error: RowError) -> str:
    if not error.row:
        return error.message
    if not error.field:
        return _("Row {row}: {message}").format(row=error.row, message=error.message)
    return _("Row {row}, column {column}: {message}").format(
        row=error.row, column=error.field, message=error.message
    )


def shipped_rates_text() -> str:
    from importlib import resources

    return resources.files("seccoop.core").joinpath("data/rates.csv").read_text("utf-8")


def load_reference_rates(*, actor: Any = None) -> RateImport:
    """Load the rates shipped with the platform (idempotent)."""
    return import_rates_csv(shipped_rates_text(), actor=actor)
