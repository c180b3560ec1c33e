"""The benchmarks' data builders: raw bulk inserts, release rows, weighted picks, value series.

The large sets are read benchmarks' inputs, so they are written straight into the tables: no
history rows, no signals, no audit events (the services write those). ``Inserter`` writes rows
with ``executemany``, every column the caller leaves out taking the value Django would write for
a new record. After a bulk load ``refresh_planner_statistics`` does what the platform's importers
do (and, on PostgreSQL, what autovacuum would do some time later).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

#: Rows a transaction (and an ``executemany``) when loading a large set.
BATCH = 10_000
#: The password of the personas a benchmark creates (never the demo's published one).
BENCH_PASSWORD = "bench-password-2010-x"


class Inserter:
    """Rows straight into a model's table with ``executemany``, ``BATCH`` rows a transaction.

    Every column the caller does not set takes the value Django would write for a new record
    (defaults and ``auto_now`` included), adapted once by the field itself. ``add`` adapts what
    the caller sets by its field; ``add_prepared`` takes values already adapted (``prep``), for
    the hottest loops. ``with_pk`` lets the caller set ids (so that other rows can point at them);
    rows that point at a ``parent`` inserter's rows are written after the parent's pending rows.
    """

    def __init__(
        self, model: Any, *, with_pk: bool = False, parent: Inserter | None = None
    ) -> None:
        from django.db import connection

        self.connection = connection
        self.parent = parent
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        proto = model()
        self.template = [
            f.get_db_prep_save(f.pre_save(proto, add=True), connection) for f in fields
        ]
        self.at = {f.attname: n for n, f in enumerate(fields)}
        self.fields = {f.attname: f for f in fields}
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.rows: list[list[Any]] = []
        self.count = 0

    def prep(self, name: str, value: Any) -> Any:
        """``value`` as the field ``name`` sends it to the database."""
        return self.fields[name].get_db_prep_save(value, self.connection)

    def add(self, **values: Any) -> None:
        row = self.template.copy()
        for name, value in values.items():
            row[self.at[name]] = self.prep(name, value)
        self._append(row)

    def add_prepared(self, **values: Any) -> None:
        row = self.template.copy()
        at = self.at
        for name, value in values.items():
            row[at[name]] = value
        self._append(row)

    def _append(self, row: list[Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        from django.db import transaction

        if self.parent is not None and self.parent.rows:
            self.parent.flush()
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []

    def finish(self) -> int:
        if self.rows:
            self.flush()
        return self.count


def release_rows(model: Any, organisation_pk: int, where: str, params: list[Any]) -> int:
    """Release every row of ``model`` matching ``where`` (SQL on its table) to one organisation:
    one INSERT ... SELECT into the release table. Returns the rows written."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    field = model._meta.get_field("releasable_to")
    sql = f"""
        INSERT INTO {qn(field.m2m_db_table())}
            ({qn(field.m2m_column_name())}, {qn(field.m2m_reverse_name())})
        SELECT id, %s FROM {qn(model._meta.db_table)} WHERE {where}
    """  # noqa: S608 - names from the model, every value a parameter
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [organisation_pk, *params])
        return int(cursor.rowcount)


def copy_marking_rows(child: Any, parent_field: str, parent: Any) -> int:
    """Give every ``child`` row its parent's releases and recipients: one INSERT ... SELECT each."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    link = child._meta.get_field(parent_field).column
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for name in ("releasable_to", "recipients"):
            theirs = parent._meta.get_field(name)
            ours = child._meta.get_field(name)
            sql = f"""
                INSERT INTO {qn(ours.m2m_db_table())}
                    ({qn(ours.m2m_column_name())}, {qn(ours.m2m_reverse_name())})
                SELECT c.id, r.{qn(theirs.m2m_reverse_name())}
                FROM {qn(child._meta.db_table)} c
                JOIN {qn(theirs.m2m_db_table())} r ON r.{qn(theirs.m2m_column_name())} = c.{qn(link)}
            """  # noqa: S608 - names from the models
            cursor.execute(sql)
            total += cursor.rowcount
    return total


def refresh_planner_statistics() -> None:
    """What the platform's importers do after a bulk write (``core.db.refresh_statistics``), and
    on PostgreSQL an ``ANALYZE`` of everything, which autovacuum would do later (or never, when it
    is off): the benchmark does not wait for it, nor measure plans made without statistics."""
    from django.db import connection

    from seccoop.core.db import refresh_statistics

    refresh_statistics()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def refuse_if(taken: bool, what: str = "a benchmark set") -> None:
    """A benchmark never writes over data it did not build."""
    if taken:
        raise SystemExit(
            f"This database already holds {what}: point DATABASE_URL at an empty database."
        )


def load_personas() -> None:
    """The demo personas (and their memberships), with a password of the benchmark's own."""
    from seccoop.accounts.demo import load_personas as load
    from seccoop.core.demo import DemoContext

    load(DemoContext(size="small", seed=2010, password=BENCH_PASSWORD, log=lambda m: None))


def pick(rng: random.Random, weighted: list[Any]) -> Any:
    """One entry of a list whose entries start with their share (the shares sum to 1)."""
    draw = rng.random()
    for entry in weighted:
        draw -= entry[0]
        if draw < 0:
            return entry
    return weighted[-1]


def value_series(
    rng: random.Random,
    years: range,
    *,
    increase: bool,
    drift: tuple[float, float] = (-0.02, 0.06),
) -> Iterator[tuple[int, float, str]]:
    """One State's yearly totals of one indicator: ``(year, level, status)``, a random walk with a
    trend towards (or away from) the indicator's direction. The last year is mostly still being
    reported (40 % approved), earlier years mostly approved (92 %)."""
    level = rng.uniform(20, 2000)
    trend = rng.uniform(*drift) * (1 if increase else -1)
    for year in years:
        level *= 1 + trend + rng.uniform(-0.05, 0.05)
        draw = rng.random()
        if year == years[-1]:
            status = "approved" if draw < 0.4 else "submitted" if draw < 0.8 else "draft"
        else:
            status = "approved" if draw < 0.92 else "submitted" if draw < 0.97 else "draft"
        yield year, level, status


def reference_point(
    model: Any, indicator_id: int, state: Any, steward: Any, figure: float, period: Any
) -> Any:
    """A baseline or target (``model``) of one indicator in one State: owned by the State,
    stewarded by ``steward``, its figure to one decimal."""
    point = model(
        indicator_id=indicator_id,
        state_id=state.pk,
        owner_id=state.organisation_id,
        steward=steward,
        value=Decimal(f"{figure:.1f}"),
    )
    point.set_period(period)
    return point


def value_cells(
    rng: random.Random,
    years: range,
    keys: list[str],
    *,
    increase: bool,
    drift: tuple[float, float] = (-0.02, 0.06),
) -> Iterator[tuple[int, str, str, float, float]]:
    """Every reported figure of one indicator in one State: ``(year, status, key, figure, level)``
    for each year of ``value_series`` and each disaggregation key (``""``: the total, whose figure
    is the level; any other cell a share of it)."""
    for year, level, status in value_series(rng, years, increase=increase, drift=drift):
        for key in keys:
            figure = level if not key else level * rng.uniform(0.05, 0.6)
            yield year, status, key, figure, level
