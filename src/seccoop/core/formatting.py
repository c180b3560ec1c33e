"""Dates and numbers for documents (the meeting pack), in the active language.

Numbers follow the one rule of :mod:`seccoop.core.numbers` (amounts, figures, percentages); this
module adds the document's date format and gives an empty string, not a dash, for a missing value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import get_language

from .numbers import format_amount, format_percent, format_rate

#: The date format per language where it differs from the locale's DATE_FORMAT: English documents
#: of the Framework write the day first (12 June 2026).
DAY_FORMATS = {"en": "j F Y"}


def day_text(day: date | None) -> str:
    """A date in the active language (12 June 2026, 12 de junio de 2026)."""
    if day is None:
        return ""
    lang = (get_language() or "en")[:2]
    return formats.date_format(day, DAY_FORMATS.get(lang, "DATE_FORMAT"))


def number_text(value: Any, decimals: int | None = None) -> str:
    """A figure by the one rule of :mod:`seccoop.core.numbers` (empty when there is none)."""
    return "" if value is None else format_rate(value, decimals)


def amount_text(value: Any) -> str:
    """An amount of money by the one rule of :mod:`seccoop.core.numbers`."""
    return "" if value is None else format_amount(value)


def percent_text(value: Any) -> str:
    """A percentage by the one rule of :mod:`seccoop.core.numbers` (12 %, 2.5 %)."""
    return "" if value is None else format_percent(value)
