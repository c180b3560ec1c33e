"""Money: Decimal amounts with an ISO 4217 code, converted to USD at the rate of the value date."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import ExchangeRate, mark_history

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


def import_rates_csv(text: str, *, actor: Any = None) -> RateImport:
    """Import ``date,currency,units_per_usd,source`` rows, all or nothing; re-import updates."""
    errors: list[str] = []
    rows: list[tuple[date, str, Decimal, str]] = []
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = {"date", "currency", "units_per_usd"} - set(header)
        if missing:
            raise ValidationError(
                _(
                    "The rates file needs the columns date, currency, units_per_usd (missing: {cols})."
                ).format(cols=", ".join(sorted(missing)))
            )
        seen: set[tuple[str, date]] = set()
        for number, raw in enumerate(reader, start=2):
            try:
                day = date.fromisoformat((raw.get("date") or "").strip())
            except ValueError:
                errors.append(
                    _("Row {row}, column date: '{value}' is not a date (YYYY-MM-DD).").format(
                        row=number, value=raw.get("date")
                    )
                )
                continue
            try:
                currency = check_currency(raw.get("currency") or "")
            except ValidationError as exc:
                errors.append(
                    _("Row {row}, column currency: {msg}").format(row=number, msg=exc.messages[0])
                )
                continue
            try:
                value = Decimal((raw.get("units_per_usd") or "").strip())
                if value <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(
                    _(
                        "Row {row}, column units_per_usd: '{value}' is not a positive number."
                    ).format(row=number, value=raw.get("units_per_usd"))
                )
                continue
            if (currency, day) in seen:
                errors.append(
                    _("Row {row}: {currency} on {day} appears twice.").format(
                        row=number, currency=currency, day=day
                    )
                )
                continue
            seen.add((currency, day))
            rows.append((day, currency, value, (raw.get("source") or "").strip()[:200]))
    except csv.Error as exc:
        raise ValidationError(_("The rates file is not valid CSV: {msg}").format(msg=exc)) from exc
    if errors:
        raise ValidationError(errors)
    result = RateImport()
    with transaction.atomic():
        existing = {
            (r.currency, r.date): r
            for r in ExchangeRate.objects.filter(currency__in={c for _d, c, _v, _s in rows})
        }
        for day, currency, value, source in rows:
            current = existing.get((currency, day))
            if current is None:
                rate = ExchangeRate(date=day, currency=currency, units_per_usd=value, source=source)
                mark_history(rate, reason="Imported", user=actor)
                rate.save()
                result.created += 1
            elif current.units_per_usd != value or current.source != source:
                current.units_per_usd, current.source = value, source
                current.version += 1
                mark_history(current, reason="Re-imported", user=actor)
                current.save()
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def shipped_rates_text() -> str:
    from importlib import resources

    return resources.files("seccoop.core").joinpath("data/rates.csv").read_text("utf-8")


def load_reference_rates(*, actor: Any = None) -> RateImport:
    """Load the rates shipped with the platform (idempotent)."""
    return import_rates_csv(shipped_rates_text(), actor=actor)
