"""The bounds every input is held to, in one place for every layer.

Years are 1990–2100, dates run from 1990-01-01 to ten years ahead, ids are 1 … 2⁶³−1 (a
signed 64-bit key on every database), no text holds a NUL (PostgreSQL refuses it), and
identifiers and labels hold no control or bidirectional-override character.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_YEAR = 1990
MAX_YEAR = 2100
MIN_ID = 1
MAX_ID = 2**63 - 1
MIN_DATE = date(MIN_YEAR, 1, 1)
YEARS_AHEAD = 10

#: Control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates.
_BIDI = "\u202a-\u202e\u2066-\u2069"
UNSAFE_IN_LABEL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
#: Multi-line text keeps tab, line feed and carriage return.
UNSAFE_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")


def max_date() -> date:
    """The latest date any input may name: ten years from today."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def id_in_range(value: Any) -> bool:
    return isinstance(value, int) and MIN_ID <= value <= MAX_ID


def validate_year(value: Any) -> None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(
            _("A year is between {low} and {high}.").format(low=MIN_YEAR, high=MAX_YEAR),
            code="year_bounds",
        )


def validate_id(value: Any) -> None:
    if value is not None and not MIN_ID <= value <= MAX_ID:
        raise ValidationError(
            _("An id is a whole number from 1 to {high}.").format(high=MAX_ID), code="id_bounds"
        )


def validate_date(value: Any) -> None:
    if value is None:
        return
    high = max_date()
    if not MIN_DATE <= value <= high:
        raise ValidationError(
            _("A date is between {low} and {high}.").format(
                low=MIN_DATE.isoformat(), high=high.isoformat()
            ),
            code="date_bounds",
        )


def validate_label(value: Any) -> None:
    """Codes, references, names and titles: one line, no control or direction-override character."""
    if isinstance(value, str) and UNSAFE_IN_LABEL.search(value):
        raise ValidationError(
            _("This text holds a control or text-direction character; type it again."),
            code="label_characters",
        )


def validate_text(value: Any) -> None:
    """Descriptions and notes: line breaks and tabs are kept, other control characters are not."""
    if isinstance(value, str) and UNSAFE_IN_TEXT.search(value):
        raise ValidationError(
            _("This text holds a control or text-direction character; type it again."),
            code="text_characters",
        )


def bounded_choice_value(field: Any, value: Any) -> Any:
    """The value of a choice-by-pk field, refused when it is not an id in 1 … 2⁶³−1 (before the
    database sees it: SQLite overflows past 2⁶³−1)."""
    if getattr(field, "to_field_name", None) or value in field.empty_values:
        return value
    text = str(value).strip()
    if not text.isdigit() or not MIN_ID <= int(text) <= MAX_ID:
        raise ValidationError(
            _("An id is a whole number from 1 to {high}.").format(high=MAX_ID), code="id_bounds"
        )
    return int(text)
