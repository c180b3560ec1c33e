"""One rule for numbers in every language: amounts, rates, percentages and progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext

from seccoop.core.numbers import (
    describe_progress,
    format_amount,
    format_percent,
    format_rate,
)

NBSP = "\u00a0"

#: language -> (amount 185000000.00, amount 12.5, rate 5.30000000000000, rate 1234.5, 57.33 %, 2.54 %)
EXPECTED = {
    "en": ("185,000,000", "12.50", "5.3", "1,234.5", "57%", "2.5%"),
    "es": (f"185{NBSP}000{NBSP}000", "12,50", "5,3", f"1{NBSP}234,5", f"57{NBSP}%", f"2,5{NBSP}%"),
    "fr": (f"185{NBSP}000{NBSP}000", "12,50", "5,3", f"1{NBSP}234,5", f"57{NBSP}%", f"2,5{NBSP}%"),
    "nl": ("185.000.000", "12,50", "5,3", "1.234,5", "57%", "2,5%"),
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_each_language_groups_thousands_and_keeps_sensible_decimals(language: str) -> None:
    with translation.override(language):
        got = (
            format_amount(Decimal("185000000.00")),
            format_amount(Decimal("12.5")),
            format_rate(Decimal("5.30000000000000")),
            format_rate(1234.5),
            format_percent(57.33),
            format_percent(Decimal("2.54")),
        )
    assert got == EXPECTED[language]


def test_amounts_drop_cents_from_a_thousand_and_when_there_are_none() -> None:
    with translation.override("en"):
        assert format_amount(Decimal("1234.56")) == "1,235"  # half up, like every conversion
        assert format_amount(Decimal("999.995")) == "1,000"
        assert format_amount(12) == "12"
        assert format_amount(Decimal("-0.001")) == "0"
        assert format_amount(None) == "—"
        assert format_amount("not a number") == "—"


def test_rates_keep_at_most_four_decimals_or_the_indicators_own() -> None:
    with translation.override("en"):
        assert format_rate(Decimal("0.012345")) == "0.0123"
        assert format_rate(Decimal("1E+3")) == "1,000"
        assert format_rate(Decimal("10000"), 1) == "10,000.0"
        assert format_rate(Decimal("1234.5678"), 1) == "1,234.6"


def test_percentages_have_no_decimal_from_ten_up() -> None:
    with translation.override("en"):
        assert format_percent(9.96) == "10%"
        assert format_percent(0) == "0%"
        assert format_percent(Decimal("212.4")) == "212%"


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_progress_outside_the_scale_is_explained_not_printed_raw(language: str) -> None:
    with translation.override(language):
        above = describe_progress(212.3)
        away = describe_progress(-2007)
        inside = describe_progress(57.33)
        # The words are the language's own (the catalogue's translation of the English).
        above_words = gettext("above target ({pct})").format(pct=format_percent(212.3))
        away_words = gettext("moved away from target")
        opposite = gettext(
            "The value moved in the opposite direction from the target: it is further from "
            "the target than the baseline was."
        )
    assert above.text == above_words and "212" in above.text and above.bar == 100.0
    assert "2007" not in away.text and away.text == away_words
    assert away.explanation == opposite and away.bar == 0.0
    if language != "en":
        assert away_words != "moved away from target", "the words are not translated"
    assert inside.text == EXPECTED[language][4] and inside.bar == pytest.approx(57.33)
    assert describe_progress(None).text == "—"


def test_the_template_filters_use_the_same_rule() -> None:
    template = Template(
        "{% load seccoop %}{{ a|amount }}|{{ r|rate }}|{{ p|percent }}|{{ g|progress }}"
        "|{{ a|cell:'amount' }}|{{ r|cell }}|{{ big|plain }}"
    )
    context = Context(
        {"a": Decimal("185000000.00"), "r": Decimal("5.300000"), "p": 12.5, "big": Decimal("1E+3")}
    )
    context["g"] = -5
    with translation.override("nl"):
        out = template.render(context)
    assert out.split("|")[:4] == ["185.000.000", "5,3", "13%", "verder van het streefcijfer"]
    assert out.split("|")[4:] == ["185.000.000", "5,3", "1000"]
