"""FIRST Traffic Light Protocol 2.0 markings (a handling protocol, not a classification)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


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


def label(value: str) -> str:
    return f"TLP:{value}"
