"""Validation rules applied to plain numbers, with stand-in rule objects (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation

from seccoop.monitoring.rules import OPERATORS, Finding, check

D = Decimal
LABEL = "HOM JAM 2019"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def rule(kind: str, **fields: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "indicator": SimpleNamespace(code="HOM"),
        "code": "R1",
        "kind": kind,
        "severity": "block",
        "minimum": None,
        "maximum": None,
        "operator": "",
        "other": None,
        "tolerance": None,
        "active": True,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def finding(r: SimpleNamespace, value: Decimal | None, **kwargs: Any) -> Finding:
    result = check(r, value, label=LABEL, **kwargs)
    assert result is not None
    assert result.rule == "HOM/R1"
    assert result.message.startswith("HOM/R1: ")
    assert LABEL in result.message
    return result


# --- range ----------------------------------------------------------------------------------


def test_range_below_the_minimum() -> None:
    f = finding(rule("range", minimum=D("0"), maximum=D("100")), D("-5"))
    assert "-5" in f.message and "below the minimum 0" in f.message


def test_range_above_the_maximum() -> None:
    f = finding(rule("range", minimum=D("0"), maximum=D("100")), D("150.50"))
    assert "150.5" in f.message and "above the maximum 100" in f.message


@pytest.mark.parametrize("value", ["0", "100", "50", "99.999"])
def test_range_inside_and_on_the_bounds(value: str) -> None:
    assert check(rule("range", minimum=D("0"), maximum=D("100")), D(value), label=LABEL) is None


def test_range_with_only_one_bound() -> None:
    assert check(rule("range", maximum=D("10")), D("-1000"), label=LABEL) is None
    assert check(rule("range", minimum=D("10")), D("1000000"), label=LABEL) is None
    assert "below" in finding(rule("range", minimum=D("10")), D("9")).message
    assert check(rule("range"), D("123"), label=LABEL) is None


# --- percentage -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["140", "-1", "100.01"])
def test_percentage_outside_0_to_100(value: str) -> None:
    f = finding(rule("percentage"), D(value))
    assert f"{value}%" in f.message


@pytest.mark.parametrize("value", ["0", "100", "42.5"])
def test_percentage_inside(value: str) -> None:
    assert check(rule("percentage"), D(value), label=LABEL) is None


# --- compare with another indicator ---------------------------------------------------------

OTHER = SimpleNamespace(code="POP")


@pytest.mark.parametrize(
    ("operator", "value", "other", "passes"),
    [
        ("lte", "5", "10", True),
        ("lte", "10", "10", True),
        ("lte", "11", "10", False),
        ("lt", "5", "10", True),
        ("lt", "10", "10", False),
        ("gte", "10", "10", True),
        ("gte", "15", "10", True),
        ("gte", "5", "10", False),
        ("gt", "15", "10", True),
        ("gt", "10", "10", False),
        ("eq", "10", "10.0", True),
        ("eq", "10", "11", False),
    ],
)
def test_compare_indicator(operator: str, value: str, other: str, passes: bool) -> None:
    r = rule("compare_indicator", operator=operator, other=OTHER)
    result = check(r, D(value), label=LABEL, other=D(other))
    if passes:
        assert result is None
        return
    f = finding(r, D(value), other=D(other))
    assert f == result
    symbol = OPERATORS[operator][1]
    assert f"{LABEL} is {D(value).normalize():f}" in f.message
    assert f"{symbol} {D(other).normalize():f}" in f.message
    assert "POP" in f.message


def test_compare_indicator_without_the_other_value_or_operator() -> None:
    r = rule("compare_indicator", operator="lte", other=OTHER)
    assert check(r, D("5"), label=LABEL, other=None) is None
    assert check(rule("compare_indicator", other=OTHER), D("5"), label=LABEL, other=D("1")) is None


# --- compare with the previous period -------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "previous", "passes"),
    [
        ("gte", "90", "100", False),
        ("gte", "100", "100", True),
        ("lte", "101", "100", False),
        ("lt", "99", "100", True),
        ("gt", "100", "100", False),
        ("eq", "100", "100", True),
    ],
)
def test_compare_previous_with_an_operator(
    operator: str, value: str, previous: str, passes: bool
) -> None:
    r = rule("compare_previous", operator=operator)
    result = check(r, D(value), label=LABEL, previous=D(previous))
    if passes:
        assert result is None
        return
    f = finding(r, D(value), previous=D(previous))
    assert f"is {value}" in f.message
    assert f"{OPERATORS[operator][1]} the previous period's {previous}" in f.message


def test_compare_previous_with_a_tolerance() -> None:
    r = rule("compare_previous", tolerance=D("20"))
    f = finding(r, D("150"), previous=D("100"))
    assert "150" in f.message and "50%" in f.message and "100" in f.message
    assert "at most 20%" in f.message
    assert check(r, D("120"), label=LABEL, previous=D("100")) is None  # exactly 20 %
    assert check(r, D("80"), label=LABEL, previous=D("100")) is None
    assert check(r, D("110"), label=LABEL, previous=D("100")) is None
    drop = finding(r, D("70"), previous=D("100"))
    assert "30%" in drop.message


def test_compare_previous_tolerance_uses_the_size_of_a_negative_previous() -> None:
    r = rule("compare_previous", tolerance=D("10"))
    assert check(r, D("-105"), label=LABEL, previous=D("-100")) is None
    assert "50%" in finding(r, D("-50"), previous=D("-100")).message


def test_compare_previous_rounds_the_change_to_one_decimal() -> None:
    f = finding(rule("compare_previous", tolerance=D("10")), D("4"), previous=D("3"))
    assert "33.3%" in f.message


def test_compare_previous_operator_then_tolerance() -> None:
    r = rule("compare_previous", operator="gte", tolerance=D("20"))
    assert "previous period's 100" in finding(r, D("50"), previous=D("100")).message
    assert "at most 20%" in finding(r, D("200"), previous=D("100")).message
    assert check(r, D("110"), label=LABEL, previous=D("100")) is None


def test_compare_previous_without_a_usable_previous_value() -> None:
    r = rule("compare_previous", tolerance=D("20"))
    assert check(r, D("1000"), label=LABEL, previous=D("0")) is None
    assert check(r, D("1000"), label=LABEL, previous=None) is None
    assert check(rule("compare_previous", operator="lte"), D("5"), label=LABEL) is None


# --- common behaviour -----------------------------------------------------------------------


ALWAYS_FAILING = [
    (rule("range", maximum=D("1")), {}),
    (rule("percentage"), {}),
    (rule("compare_indicator", operator="lt", other=OTHER), {"other": D("1")}),
    (rule("compare_previous", operator="lt"), {"previous": D("1")}),
    (rule("compare_previous", tolerance=D("1")), {"previous": D("1")}),
]


@pytest.mark.parametrize(("r", "kwargs"), ALWAYS_FAILING, ids=lambda v: getattr(v, "kind", ""))
def test_inactive_rule_finds_nothing(r: SimpleNamespace, kwargs: dict[str, Any]) -> None:
    assert check(r, D("500"), label=LABEL, **kwargs) is not None
    r.active = False
    try:
        assert check(r, D("500"), label=LABEL, **kwargs) is None
    finally:
        r.active = True


@pytest.mark.parametrize(("r", "kwargs"), ALWAYS_FAILING, ids=lambda v: getattr(v, "kind", ""))
def test_missing_value_finds_nothing(r: SimpleNamespace, kwargs: dict[str, Any]) -> None:
    assert check(r, None, label=LABEL, **kwargs) is None


@pytest.mark.parametrize(("severity", "blocks"), [("block", True), ("warn", False)])
def test_blocks_reflects_severity(severity: str, blocks: bool) -> None:
    f = finding(rule("percentage", severity=severity), D("140"))
    assert f.severity == severity
    assert f.blocks is blocks
    assert f.as_dict() == {"rule": "HOM/R1", "severity": severity, "message": f.message}


def test_unknown_kind_finds_nothing() -> None:
    assert check(rule("regex"), D("1"), label=LABEL) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [("140.500", "140.5"), ("1E+3", "1000"), ("140", "140"), ("0.10", "0.1"), ("-1.0", "-1")],
)
def test_values_are_shown_without_trailing_zeros(value: str, shown: str) -> None:
    f = finding(rule("range", maximum=D("-100")), D(value))
    assert f"{LABEL} is {shown}," in f.message
