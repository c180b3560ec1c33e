from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cell(value: Any) -> Any:
    """Show a value in a list or detail page: booleans as words, empty as a dash."""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value in (None, "") or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


@register.filter
def tlp_class(value: str) -> str:
    return "tlp-" + str(value).lower().replace("+", "-")


@register.filter
def usd(value: Any) -> str:
    """A USD amount to the dollar with thousands separators (1,234,567); empty as a dash."""
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value):,.0f}"
    except (TypeError, ValueError):
        return "—"


@register.simple_tag
def not_shared(count: int) -> str:
    """'3 records not shared with you' (see :func:`seccoop.core.markings.not_shared_text`)."""
    from seccoop.core.markings import not_shared_text

    return not_shared_text(int(count))
