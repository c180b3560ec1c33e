"""The API's bounded input types: every app's schemas and query parameters use these."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from pydantic import AfterValidator, Field

from . import bounds


def _check(validator: Any) -> Any:
    def check(value: Any) -> Any:
        try:
            validator(value)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from None
        return value

    return check


#: A year, 1990–2100.
Year = Annotated[int, Field(ge=bounds.MIN_YEAR, le=bounds.MAX_YEAR)]
#: A record id, 1 … 2⁶³−1.
Id = Annotated[int, Field(ge=bounds.MIN_ID, le=bounds.MAX_ID)]
#: A record version (a counter of the same width as an id).
Version = Annotated[int, Field(ge=0, le=bounds.MAX_ID)]
#: A date from 1990-01-01 to ten years ahead.
BoundedDate = Annotated[date, AfterValidator(_check(bounds.validate_date))]
#: A code, reference, name or title: no control or direction-override character.
Label = Annotated[str, AfterValidator(_check(bounds.validate_label))]
#: Free text (descriptions, reasons): line breaks allowed, other control characters not.
SafeText = Annotated[str, AfterValidator(_check(bounds.validate_text))]
#: A measured number: at most 16 digits before the point and 4 after (the stored width).
Measurement = Annotated[Decimal, Field(max_digits=20, decimal_places=4)]
