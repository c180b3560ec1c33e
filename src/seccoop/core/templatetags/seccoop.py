from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from seccoop.core.numbers import (
    ProgressText,
    describe_progress,
    format_amount,
    format_percent,
    format_rate,
)

register = template.Library()

_NUMBER_KINDS = {"amount": format_amount, "rate": format_rate, "percent": format_percent}


@register.filter
def cell(value: Any, kind: str = "") -> Any:
    """Show a value in a list or detail page: booleans as words, empty as a dash, numbers by the
    one rule of ``core.numbers`` (``kind`` is amount, rate or percent; a rate by default)."""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value in (None, "") or value == []:
        return "—"
    if kind in _NUMBER_KINDS:
        return _NUMBER_KINDS[kind](value)
    if isinstance(value, Decimal | float):
        return format_rate(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


@register.filter
def tlp_class(value: str) -> str:
    return "tlp-" + str(value).lower().replace("+", "-")


@register.filter
def usd(value: Any) -> str:
    """A USD amount in the active language (185,000,000; 12.50); empty as a dash."""
    return format_amount(value)


@register.filter
def amount(value: Any) -> str:
    """Money: no decimals from 1,000 up, cents below that only when there are cents."""
    return format_amount(value)


@register.filter
def rate(value: Any, decimals: Any = None) -> str:
    """A figure such as a rate or a score: at most 4 decimals (or ``decimals``), no trailing
    zeros."""
    return format_rate(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(value: Any) -> str:
    """A percentage with 0 or 1 decimal and the language's percent sign."""
    return format_percent(value)


@register.filter
def progress(value: Any) -> ProgressText:
    """Progress toward a target as text with its explanation (``.text``, ``.explanation``,
    ``.bar``): "57 %", "above target (212 %)" or "moved away from target"."""
    return describe_progress(value)


@register.filter
def plain(value: Any) -> str:
    """A number as typed into a form field: no grouping, no exponent, no trailing zeros
    (1000, not 1E+3)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


@register.simple_tag
def not_shared(count: int) -> str:
    """'3 records not shared with you' (see :func:`seccoop.core.markings.not_shared_text`)."""
    from seccoop.core.markings import not_shared_text

    return not_shared_text(int(count))
