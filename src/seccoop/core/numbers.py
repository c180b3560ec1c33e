"""One rule for showing numbers, in every language: amounts, rates, percentages and progress.

Pages (through the template filters in ``core.templatetags.seccoop``), exports and meeting packs
all format numbers here, so "185000000.00", "5.30000000000000" or "−2007 %" never reach a reader.

* **Amounts** (money): grouped thousands; no decimals from 1,000 up (a total of USD 185,000,000);
  below 1,000, cents only when there are cents (USD 12.50, USD 12).
* **Rates and other figures** (a homicide rate, a score, an exchange rate): grouped thousands and
  at most 4 decimals, without trailing zeros (5.3, 0.0125, 1,234.5); an indicator's figures with
  exactly its "decimals shown" (10,000.0 for one decimal), so its column lines up.
* **Percentages**: one decimal below 10 % when it is not zero (2.5 %), none from 10 % up (57 %).
* **Progress** toward a target is a percentage from 0 to 100; outside that range it is explained
  ("above target (212 %)", "moved away from target") rather than printed raw.

The decimal and thousands separators are the active language's (Django's format files): 1,234.5
in English, 1.234,5 in Dutch, 1 234,5 in Spanish and French (a no-break space).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

DASH = "—"

#: How a percentage is written after the number, per language (a no-break space where the
#: language's typography puts one).
_PERCENT = {"es": "{}\u00a0%", "fr": "{}\u00a0%"}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _format(number: Decimal, places: int, *, trim: bool) -> str:
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if trim and places:
        rounded = rounded.normalize()
        if rounded == rounded.to_integral_value():
            rounded = rounded.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        places = max(0, -rounded.as_tuple().exponent)  # type: ignore[operator]  # finite: int
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)


def format_amount(value: Any) -> str:
    """Money: no decimals from 1,000 up; below that, cents only when there are cents."""
    number = _decimal(value)
    if number is None:
        return DASH
    if abs(number) >= 1000:
        return _format(number, 0, trim=False)
    cents = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return _format(cents, 2 if cents != cents.to_integral_value() else 0, trim=False)


def format_rate(value: Any, decimals: int | None = None) -> str:
    """A figure such as a rate: at most 4 decimals, without trailing zeros. With ``decimals``
    (an indicator's "decimals shown", a score's precision) exactly that many, so a column of
    one indicator's figures lines up."""
    number = _decimal(value)
    if number is None:
        return DASH
    if decimals is None:
        return _format(number, 4, trim=True)
    return _format(number, max(0, min(int(decimals), 4)), trim=False)


def format_percent(value: Any) -> str:
    """A percentage: one decimal below 10 when it is not zero, none from 10 up."""
    number = _decimal(value)
    if number is None:
        return DASH
    text = _format(number, 1 if abs(number) < 10 else 0, trim=True)
    return _PERCENT.get((get_language() or "en")[:2], "{}%").format(text)


@dataclass(frozen=True)
class ProgressText:
    """Progress toward a target as words a reader can act on, with the explanation behind it."""

    text: str
    explanation: str
    bar: float | None  # 0 to 100, for a progress bar; None when there is nothing to draw

    def __str__(self) -> str:
        return self.text


def describe_progress(pct: Any) -> ProgressText:
    """``pct`` is the share of the way from the baseline (or zero) to the target. Within 0–100 it
    reads as a percentage; above, as "above target"; below zero, as "moved away from target"."""
    number = _decimal(pct)
    if number is None:
        return ProgressText(DASH, _("No target or no value to compare."), None)
    if number > 100:
        return ProgressText(
            _("above target ({pct})").format(pct=format_percent(number)),
            _("The value went past the target: {pct} of the way from the baseline.").format(
                pct=format_percent(number)
            ),
            100.0,
        )
    if number < 0:
        return ProgressText(
            _("moved away from target"),
            _(
                "The value moved in the opposite direction from the target: it is further from "
                "the target than the baseline was."
            ),
            0.0,
        )
    return ProgressText(
        format_percent(number),
        _("{pct} of the way from the baseline to the target.").format(pct=format_percent(number)),
        float(number),
    )
