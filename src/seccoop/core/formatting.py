"""Numbers and dates for documents (the meeting pack), in the active language.

One number format per locale: Django's ``formats.number_format`` with the locale's grouping
(1,234.5 in English, 1.234,5 in Dutch, 1 234,5 in Spanish and French). Numbers are rounded half up
first, since Django cuts the decimals it does not show.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

#: The date format per language where it differs from the locale's DATE_FORMAT: English documents
#: of the Framework write the day first (12 June 2026).
DAY_FORMATS = {"en": "j F Y"}


def day_text(day: date | None) -> str:
    """A date in the active language (12 June 2026, 12 de junio de 2026)."""
    if day is None:
        return ""
    lang = (get_language() or "en")[:2]
    return formats.date_format(day, DAY_FORMATS.get(lang, "DATE_FORMAT"))


def number_text(value: Any, decimals: int = 0) -> str:
    """A number in the active language's format, grouped, rounded half up to ``decimals``."""
    if value is None:
        return ""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimals, use_l10n=True, force_grouping=True)


def percent_text(value: Any) -> str:
    """A whole percentage in the active language (12 %)."""
    if value is None:
        return ""
    return _("{n} %").format(n=number_text(value, 0))
