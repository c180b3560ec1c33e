"""FIRST Traffic Light Protocol 2.0 markings (a handling protocol, not a classification)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class TLP(models.TextChoices):
    CLEAR = "CLEAR", _("TLP:CLEAR (public)")
    GREEN = "GREEN", _("TLP:GREEN (every member of the community)")
    AMBER = "AMBER", _("TLP:AMBER (the owner and the parties it is released to)")
    AMBER_STRICT = "AMBER+STRICT", _("TLP:AMBER+STRICT (the owner only)")
    RED = "RED", _("TLP:RED (named recipients only)")


ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def rank(value: str) -> int:
    return ORDER.index(TLP(value))


def most_restrictive(values: Iterable[str], default: str = TLP.CLEAR) -> str:
    """A derived product (export, report) carries the most restrictive marking of its inputs."""
    best = default
    for value in values:
        if rank(value) > rank(best):
            best = value
    return str(best)


def derived_marking(*inputs: Any) -> str:
    """The marking of a derived output (an export, a report, a chart, a total): the most
    restrictive marking of every record it was derived from, never less than TLP:CLEAR.

    Each input is a marking (``"AMBER"``), an iterable of markings, a record with a ``tlp``, or a
    queryset of marked records (read as its distinct markings, one query).
    """
    found: list[str] = []
    for item in inputs:
        if item is None:
            continue
        if isinstance(item, str):
            found.append(item)
        elif hasattr(item, "tlp") and not isinstance(item, QuerySet):
            found.append(str(item.tlp))
        elif isinstance(item, QuerySet):
            if any(f.name == "tlp" for f in item.model._meta.get_fields()):
                found.extend(item.order_by().values_list("tlp", flat=True).distinct())
            else:
                found.append(str(getattr(item.model, "default_marking", TLP.CLEAR)))
        else:
            found.append(derived_marking(*item))
    return most_restrictive(found, default=TLP.CLEAR)


def not_shared_text(count: int) -> str:
    """What a reader is told where records they may not see count in a figure: never a zero or
    an empty cell."""
    return ngettext(
        "{count} record not shared with you", "{count} records not shared with you", count
    ).format(count=count)


def label(value: str) -> str:
    return f"TLP:{value}"
