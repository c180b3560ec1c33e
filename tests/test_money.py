"""Money: converting to USD at the rate of the value date, and the all-or-nothing rates import.

The rates shipped with the platform (2010-2024) are loaded with the Framework. The property tests
add their own rates only in 2090 and later, and roll each example back, so they never clash with
the shipped ones.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seccoop.core.models import ExchangeRate
from seccoop.core.money import (
    CURRENCIES,
    RateImport,
    RateMissing,
    RateTable,
    import_rates_csv,
    load_reference_rates,
    rate_on,
    shipped_rates_text,
    to_usd,
)

pytestmark = pytest.mark.django_db

#: ``world`` only makes sure the Framework is loaded, so it may be shared by the examples.
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def read_shipped() -> dict[str, dict[date, Decimal]]:
    """The shipped rates, read from the CSV directly (an oracle independent of the database)."""
    rates: dict[str, dict[date, Decimal]] = {}
    for raw in csv.DictReader(shipped_rates_text().splitlines()):
        rates.setdefault(raw["currency"], {})[date.fromisoformat(raw["date"])] = Decimal(
            raw["units_per_usd"]
        )
    return rates


SHIPPED = read_shipped()
FOREIGN = sorted(CURRENCIES - {"USD"})
HEADER = "date,currency,units_per_usd,source\n"

amounts = st.decimals(
    min_value=0,
    max_value=Decimal("99999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
#: At most 12 significant digits, so SQLite (15 significant digits) stores the rate exactly.
rates = st.decimals(
    min_value=Decimal("0.000001"),
    max_value=Decimal("999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
future_days = st.dates(min_value=date(2090, 1, 1), max_value=date(2099, 12, 31))
any_days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
foreign = st.sampled_from(FOREIGN)


class _Undo(Exception):
    """Raised to roll back what one example wrote."""


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def add_rates(currency: str, by_day: dict[date, Decimal]) -> None:
    for day, rate in by_day.items():
        ExchangeRate.objects.create(date=day, currency=currency, units_per_usd=rate, source="test")


def exact_usd(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount / rate`` rounded half up to the cent, computed exactly with fractions."""
    cents = Fraction(amount) / Fraction(rate) * 100
    whole, rest = divmod(cents.numerator, cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    return Decimal(whole).scaleb(-2)


def outcome(convert: Callable[[], Decimal]) -> tuple[str, Any]:
    try:
        return ("ok", convert())
    except RateMissing as exc:
        return ("missing", exc.messages)


# --- conversion ------------------------------------------------------------------------------------


@PROPERTY
@given(amount=amounts, day=any_days)
def test_usd_is_the_identity(world: None, amount: Decimal, day: date) -> None:
    assert rate_on("USD", day) == 1
    assert to_usd(amount, "USD", day) == amount
    assert RateTable().to_usd(amount, "USD", day) == amount
    assert RateTable(set()).to_usd(amount, "USD", day) == amount


@PROPERTY
@given(currency=foreign, rate=rates, day=future_days, later=st.integers(0, 3650), amount=amounts)
def test_rate_r_gives_amount_over_r_to_the_cent(
    world: None, currency: str, rate: Decimal, day: date, later: int, amount: Decimal
) -> None:
    with rolled_back():
        add_rates(currency, {day: rate})
        on = day + timedelta(days=later)
        expected = exact_usd(amount, rate)
        assert rate_on(currency, on) == rate
        assert to_usd(amount, currency, on) == expected
        assert RateTable().to_usd(amount, currency, on) == expected
        assert RateTable({currency}).to_usd(amount, currency, on) == expected
        assert to_usd(amount, currency, on).as_tuple().exponent == -2


@PROPERTY
@given(
    currency=foreign,
    mine=st.dictionaries(future_days, rates, min_size=1, max_size=6),
    data=st.data(),
)
def test_the_latest_rate_on_or_before_the_date_is_used(
    world: None, currency: str, mine: dict[date, Decimal], data: Any
) -> None:
    known = {**SHIPPED[currency], **mine}
    on = data.draw(
        st.one_of(
            st.sampled_from(sorted(mine)),
            st.sampled_from(sorted(mine)).map(lambda d: d - timedelta(days=1)),
            st.dates(min_value=date(2009, 1, 1), max_value=date(2100, 12, 31)),
        ),
        label="on",
    )
    with rolled_back():
        add_rates(currency, mine)
        earlier = [d for d in known if d <= on]
        if not earlier:
            with pytest.raises(RateMissing):
                rate_on(currency, on)
            with pytest.raises(RateMissing):
                RateTable().rate(currency, on)
            return
        expected = known[max(earlier)]
        assert rate_on(currency, on) == expected
        assert RateTable().rate(currency, on) == expected
        assert RateTable({currency}).rate(currency, on) == expected


@PROPERTY
@given(currency=foreign, data=st.data())
def test_a_date_before_the_first_rate_raises_a_clear_message(
    world: None, currency: str, data: Any
) -> None:
    first = min(SHIPPED[currency])
    on = data.draw(st.dates(min_value=date(1900, 1, 1), max_value=first - timedelta(days=1)))
    expected = f"No exchange rate for {currency} on or before {on.isoformat()}. Import one first."
    for convert in (to_usd, RateTable().to_usd, RateTable({currency}).to_usd):
        with pytest.raises(RateMissing) as caught:
            convert(Decimal("100.00"), currency, on)
        assert caught.value.messages == [expected]
    assert to_usd(Decimal("100.00"), currency, first) == exact_usd(
        Decimal("100.00"), SHIPPED[currency][first]
    )


@PROPERTY
@given(currency=st.sampled_from(sorted(CURRENCIES)), day=any_days, amount=amounts)
def test_rate_table_agrees_with_to_usd(
    world: None, currency: str, day: date, amount: Decimal
) -> None:
    table = RateTable()
    expected = outcome(lambda: to_usd(amount, currency, day))
    assert outcome(lambda: table.to_usd(amount, currency, day)) == expected
    assert outcome(lambda: RateTable({currency}).to_usd(amount, currency, day)) == expected


def test_the_shipped_rates_are_loaded_with_the_framework(world: None) -> None:
    assert set(SHIPPED) <= CURRENCIES
    for currency, by_day in SHIPPED.items():
        stored = dict(
            ExchangeRate.objects.filter(currency=currency).values_list("date", "units_per_usd")
        )
        assert stored == by_day, currency
    assert to_usd(Decimal("156900"), "JMD", date(2030, 1, 1)) == Decimal("1000.00")
    assert to_usd(Decimal("270"), "XCD", date(2024, 6, 30)) == Decimal("100.00")


def test_rate_table_reads_the_rates_in_one_query(
    world: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        table = RateTable()
    with django_assert_num_queries(0):
        for currency in FOREIGN:
            table.to_usd(Decimal("1000"), currency, date(2024, 12, 31))


def test_an_unknown_currency_is_refused_by_name(world: None) -> None:
    with pytest.raises(ValidationError) as caught:
        to_usd(Decimal(1), "ZZZ", date(2020, 1, 1))
    assert not isinstance(caught.value, RateMissing)
    assert "Unknown currency 'ZZZ'" in caught.value.messages[0]


# --- importing rates -------------------------------------------------------------------------------


def csv_text(rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return HEADER + out.getvalue()


valid_rows = st.dictionaries(st.tuples(foreign, future_days), rates, min_size=1, max_size=8).map(
    lambda d: [(day, cur, rate, "test") for (cur, day), rate in d.items()]
)
bad_rows = st.sampled_from(
    [
        (("2091-02-30", "EUR", "0.9", "x"), "date", "'2091-02-30' is not a date (YYYY-MM-DD)."),
        (("01/02/2091", "EUR", "0.9", "x"), "date", "'01/02/2091' is not a date (YYYY-MM-DD)."),
        (("2091-01-01", "ZZZ", "1", "x"), "currency", "Unknown currency 'ZZZ'."),
        (("2091-01-01", "", "1", "x"), "currency", "Unknown currency ''."),
        (("2091-01-01", "EUR", "0", "x"), "units_per_usd", "'0' is not a positive number."),
        (("2091-01-01", "EUR", "-1.5", "x"), "units_per_usd", "'-1.5' is not a positive number."),
        (("2091-01-01", "EUR", "abc", "x"), "units_per_usd", "'abc' is not a positive number."),
    ]
)


@PROPERTY
@given(rows=valid_rows, bad=bad_rows, data=st.data())
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(
    world: None, rows: list[tuple[Any, ...]], bad: tuple[tuple[str, ...], str, str], data: Any
) -> None:
    values, column, message = bad
    at = data.draw(st.integers(0, len(rows)), label="position of the bad row")
    text = csv_text([*rows[:at], values, *rows[at:]])
    before = ExchangeRate.objects.count()
    with pytest.raises(ValidationError) as caught:
        import_rates_csv(text)
    assert len(caught.value.messages) == 1
    assert caught.value.messages[0].startswith(f"Row {at + 2}, column {column}: {message}")
    assert ExchangeRate.objects.count() == before
    assert not ExchangeRate.objects.filter(date__year__gte=2090).exists()


def test_every_bad_row_is_reported_and_nothing_is_written(world: None) -> None:
    text = csv_text(
        [
            ("2091-01-01", "EUR", "0.9", "good"),
            ("2091-13-01", "EUR", "0.9", "bad date"),
            ("2091-02-01", "ZZZ", "1", "bad currency"),
            ("2091-03-01", "GBP", "-1", "negative"),
            ("2091-04-01", "CAD", "abc", "not a number"),
            ("2091-01-01", "eur", "0.8", "twice"),
        ]
    )
    before = ExchangeRate.objects.count()
    with pytest.raises(ValidationError) as caught:
        import_rates_csv(text)
    messages = caught.value.messages
    assert messages[0] == "Row 3, column date: '2091-13-01' is not a date (YYYY-MM-DD)."
    assert messages[1].startswith("Row 4, column currency: Unknown currency 'ZZZ'.")
    assert messages[2] == "Row 5, column units_per_usd: '-1' is not a positive number."
    assert messages[3] == "Row 6, column units_per_usd: 'abc' is not a positive number."
    assert messages[4] == "Row 7: EUR on 2091-01-01 appears twice."
    assert len(messages) == 5
    assert ExchangeRate.objects.count() == before


def test_a_file_without_the_columns_says_which_are_missing(world: None) -> None:
    with pytest.raises(ValidationError) as caught:
        import_rates_csv("day,currency,rate\n2091-01-01,EUR,0.9\n")
    assert caught.value.messages == [
        "The rates file needs the columns date, currency, units_per_usd "
        "(missing: date, units_per_usd)."
    ]


def test_reimporting_the_shipped_rates_changes_nothing(world: None) -> None:
    before = ExchangeRate.objects.count()
    history = ExchangeRate.history.count()
    total = sum(len(v) for v in SHIPPED.values())
    assert load_reference_rates() == RateImport(created=0, updated=0, unchanged=total)
    assert ExchangeRate.objects.count() == before
    assert ExchangeRate.history.count() == history


@PROPERTY
@given(rows=valid_rows)
def test_reimporting_the_same_file_changes_nothing(
    world: None, rows: list[tuple[Any, ...]]
) -> None:
    text = csv_text(rows)
    with rolled_back():
        assert import_rates_csv(text) == RateImport(created=len(rows))
        history = ExchangeRate.history.count()
        assert import_rates_csv(text) == RateImport(unchanged=len(rows))
        assert ExchangeRate.history.count() == history
        for day, currency, rate, _source in rows:
            assert rate_on(currency, day) == rate


def test_a_changed_rate_is_counted_as_an_update_with_history(
    world: None, users: dict[str, Any]
) -> None:
    actor = users["secretariat"]
    first = csv_text([("2092-01-01", "EUR", "0.9", "ECB"), ("2092-01-01", "GBP", "0.8", "BoE")])
    assert import_rates_csv(first, actor=actor) == RateImport(created=2)
    changed = csv_text([("2092-01-01", "EUR", "0.95", "ECB"), ("2092-01-01", "GBP", "0.8", "BoE")])
    assert import_rates_csv(changed, actor=actor) == RateImport(updated=1, unchanged=1)
    rate = ExchangeRate.objects.get(currency="EUR", date=date(2092, 1, 1))
    assert rate.units_per_usd == Decimal("0.95")
    assert rate.version == 2
    assert to_usd(Decimal("95"), "EUR", date(2092, 6, 1)) == Decimal("100.00")
    latest, original = rate.history.all()[:2]
    assert (original.units_per_usd, latest.units_per_usd) == (Decimal("0.9"), Decimal("0.95"))
    assert latest.history_change_reason == "Re-imported"
    source_only = csv_text([("2092-01-01", "EUR", "0.95", "ECB, corrected")])
    assert import_rates_csv(source_only, actor=actor) == RateImport(updated=1)


def test_the_history_of_an_updated_rate_names_who_imported_it(
    world: None, users: dict[str, Any]
) -> None:
    actor = users["secretariat"]
    import_rates_csv(csv_text([("2093-01-01", "EUR", "0.9", "ECB")]), actor=actor)
    import_rates_csv(csv_text([("2093-01-01", "EUR", "0.95", "ECB")]), actor=actor)
    rate = ExchangeRate.objects.get(currency="EUR", date=date(2093, 1, 1))
    latest, original = rate.history.all()[:2]
    assert original.history_user == actor
    assert latest.history_user == actor, "the update's history row does not name the importer"
