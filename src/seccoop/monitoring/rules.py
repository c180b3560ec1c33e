"""Evaluating validation rules: pure functions over numbers, with the database at the edges.

A rule is stored declaratively (:class:`~seccoop.monitoring.models.ValidationRule`); here it is
applied to a value and what the rule compares it with (the other indicator's value for the same
state, period and cell; the same cell's value in the previous period). Each finding names the rule
and the value, and says whether it blocks the submission or only warns.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "lte": (op.le, "≤"),
    "lt": (op.lt, "<"),
    "gte": (op.ge, "≥"),
    "gt": (op.gt, ">"),
    "eq": (op.eq, "="),
}


@dataclass(frozen=True)
class Finding:
    rule: str  # "INDICATOR/CODE"
    severity: str  # "block" or "warn"
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity == "block"

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message}


def _fmt(number: Decimal | None) -> str:
    if number is None:
        return "—"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check(
    rule: Any,
    value: Decimal | None,
    *,
    label: str,
    other: Decimal | None = None,
    previous: Decimal | None = None,
) -> Finding | None:
    """Apply one rule to ``value`` (``label`` says which value: indicator, state, period)."""
    if value is None or not rule.active:
        return None
    name = f"{rule.indicator.code}/{rule.code}"
    shown = _fmt(value)

    def finding(text: str) -> Finding:
        return Finding(name, rule.severity, f"{name}: {text}")

    if rule.kind == "range":
        if rule.minimum is not None and value < rule.minimum:
            return finding(
                _("{label} is {value}, below the minimum {minimum}.").format(
                    label=label, value=shown, minimum=_fmt(rule.minimum)
                )
            )
        if rule.maximum is not None and value > rule.maximum:
            return finding(
                _("{label} is {value}, above the maximum {maximum}.").format(
                    label=label, value=shown, maximum=_fmt(rule.maximum)
                )
            )
        return None
    if rule.kind == "percentage":
        if value < 0 or value > 100:
            return finding(
                _("{label} is {value}%; a percentage runs from 0 to 100.").format(
                    label=label, value=shown
                )
            )
        return None
    if rule.kind == "compare_indicator":
        if other is None or not rule.operator:
            return None
        compare, symbol = OPERATORS[rule.operator]
        if not compare(value, other):
            return finding(
                _(
                    "{label} is {value}; it should be {symbol} {other} ({indicator}: {third})."
                ).format(
                    label=label,
                    value=shown,
                    symbol=symbol,
                    other=_fmt(other),
                    indicator=rule.other.code,
                    third=_fmt(other),
                )
            )
        return None
    if rule.kind == "compare_previous":
        if previous is None:
            return None
        if rule.operator:
            compare, symbol = OPERATORS[rule.operator]
            if not compare(value, previous):
                return finding(
                    _(
                        "{label} is {value}; it should be {symbol} the previous period's {previous}."
                    ).format(label=label, value=shown, symbol=symbol, previous=_fmt(previous))
                )
        if rule.tolerance is not None and previous != 0:
            change = abs(value - previous) / abs(previous) * 100
            if change > rule.tolerance:
                return finding(
                    _(
                        "{label} is {value}, a change of {change}% from the previous period's "
                        "{previous} (at most {tolerance}% expected)."
                    ).format(
                        label=label,
                        value=shown,
                        change=_fmt(change.quantize(Decimal("0.1"))),
                        previous=_fmt(previous),
                        tolerance=_fmt(rule.tolerance),
                    )
                )
        return None
    return None
