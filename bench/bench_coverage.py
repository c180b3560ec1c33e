"""Funding on the large set: coverage of needs by State x category, and the IATI export.

Figures: (A) median seconds of ``services.coverage`` of the 2024 cycle as the secretariat, cut by
State and by category (and the State x category cells built from ``counted_flows``); (B) MB/s of
``iati.export_activities`` of every activity.
References, in the same run on the same database: (A) one hand-written SQL statement computing
every State x category cell under the same counting rule and visibility; (B) lxml serialising a
prebuilt tree of the same document.
Goals: each coverage cut at most 2 times its reference; the export at least 0.5 times
the reference's MB/s (at most 2 times its time per MB).

The large set is about 100,000 ledger transactions (``--transactions N`` for another size), built
in a throwaway database:

* One adopted plan version with 1,000 TLP:CLEAR measures spread over the 12 categories, owned by
  the Commission; one assessment cycle (2024) with 2,000 needs across the 16 Caribbean States and
  the 12 categories, ``amount_usd`` set. Needs are TLP:AMBER by default and owned by their State,
  so they are *released to the Commission* (one release row each, as focal points do): the
  secretariat persona (a secretariat member of COMMISSION), who runs every benchmark below, sees
  all of them through the ordinary AMBER rule. Each measure addresses 1-4 needs of its category.
* The ten funding accounts of the demo (US INCLE, ESF, DA, NADR, FMF; EU, Canada, UK, IDB, UNODC),
  each owned by its partner. Transactions come in "deals" on a measure from an account that funds
  its category: a pledge (12), usually a commitment (2) of 50-120 % of it, 0-4 disbursements (3)
  (some exceeding the commitment, some with no commitment at all), and now and then an incoming
  fund, incoming commitment, incoming pledge or expenditure (1, 11, 13, 4), which the counting rule
  ignores. Value dates run 2022-2025, so the 2024 cut keeps part of each (measure, provider)'s
  flows while the rule is applied over all of them, as the service does. Every transaction is
  TLP:CLEAR, owned by and provided by the partner organisation, in the partner's currency with
  ``amount_usd`` set at a fixed rate, and has 1-3 recipient shares summing to 100 %.
* Transactions and shares go in with ``executemany`` on Django's cursor, 10,000 rows a
  transaction, every column Django would write for a new record (defaults adapted by the fields
  themselves), with explicit transaction ids so the shares can point at them (the PostgreSQL
  sequence is reset afterwards); plan, measures, cycle, needs and links with ``bulk_create``; the
  release rows with one INSERT ... SELECT. No history rows, no audit events (the services write
  those; this is a read benchmark). Then the planner statistics are refreshed
  (``core.db.refresh_statistics``), as the platform's importers do after a bulk write; that does
  nothing on PostgreSQL, where it is left to autovacuum, so there the benchmark runs ``ANALYZE``
  itself rather than wait (or measure plans made without statistics, if autovacuum is off).

A. Coverage for the 2024 cycle, as the secretariat. ``services.coverage`` has no two-dimension
   cut, so three things are timed (median seconds over ``--repeat`` runs, and query counts):
   ``coverage(user, "state", 2024)``, ``coverage(user, "category", 2024)``, and the State x
   category cells built here from ``services.counted_flows(user, year=2024)`` (the rule's own
   output, with the category of each transaction's measure) plus the costs of the needs that
   count as requirements (``services.requirement_needs``: submitted or validated; the set has
   drafts and returned needs too) summed per State and category through the ORM. The floor is ONE
   hand-written SQL statement on the same database, run through ``connection.cursor()``: the same
   TLP visibility for the same user; the rule per (measure, provider) over all years, by window
   sums partitioned by measure and provider (committed = the larger of commitments and
   disbursements, the excess of disbursements counted as committed, the pledge remainder never
   below zero); each transaction split by its recipient shares; the 2024 value dates kept;
   grouped by State x category, with the 2024 requirements (the statuses of
   ``services.REQUIREMENT_STATUSES``) UNIONed in. Every cell (requirements, pledged, committed,
   disbursed), every row of the two service cuts (the floor's margins) and the totals are checked
   to agree within half a cent: the service sums ``Decimal`` values; on SQLite the floor sums
   binary floating point (SQLite stores decimals as REAL), on PostgreSQL ``numeric`` with a
   rounded division, so they differ in the last digits only. The printout gives the largest
   difference seen. Then where the state cut's time goes: its own queries (recorded with an
   execute wrapper) replayed raw through the cursor, which is the database and driver share; the
   rest is Python (the ORM's row conversion, the rule, the cut); and ``counted_flows`` alone.
B. ``iati.export_activities(secretariat)``: every activity (the adopted plan's measures, with all
   their transactions), bytes / median seconds as MB/s (MB = 10^6 bytes). The reference is
   ``lxml.etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")`` of a
   prebuilt tree of the same size: the exported bytes parsed beforehand (blank text removed, so
   pretty printing re-indents it as one tree); its output is checked to hold the same elements as
   the export (the export streams one activity at a time, so only its indentation differs; each
   side's MB/s is over its own size). The export's query count is printed; then, once, the time
   of reading the transactions as the export reads them (``iati._flows``: plain rows and their
   shares), and the process's peak memory (max RSS) before and after the export runs.

By default the database is a temporary SQLite file, deleted at the end (``--keep`` keeps it).
With ``DATABASE_URL`` set, that database is used instead: it must be a throwaway database (the
benchmark migrates it, loads the Framework and leaves 100,000 transactions in it; drop it
afterwards).
"""

from __future__ import annotations

import random
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from builders import (
    BATCH,
    Inserter,
    load_personas,
    refresh_planner_statistics,
    refuse_if,
    release_rows,
)
from common import (
    Goal,
    arguments,
    count_queries,
    median_time,
    ratio_goal,
    record_goals,
    say,
    scratch_django,
)
from floors import as_decimal, fetch_all, table, visible_sql

CYCLE = 2024
YEARS = (2022, 2023, 2024, 2025)
YEAR_WEIGHTS = (1, 2, 4, 2)
MEASURES = 1000
NEEDS = 2000
CODE_PREFIX = "BENCH-"
#: Units of the partner's currency per USD (fixed: the benchmark sets ``amount_usd`` itself).
RATES = {"USD": Decimal(1), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "CAD": Decimal("1.36")}
CURRENCY = {"EU": "EUR", "GB-FCDO": "GBP", "CA-GAC": "CAD"}
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")
KINDS = ("requirements", "pledged", "committed", "disbursed")


# --- the large set --------------------------------------------------------------------------


def split_shares(rng: random.Random, states: list[Any]) -> list[tuple[Any, Decimal]]:
    """1-3 recipient States with percentages (two decimals) summing to exactly 100."""
    if len(states) == 1:
        return [(states[0], Decimal(100))]
    cuts = sorted(rng.sample(range(500, 9500), len(states) - 1))
    bounds = [0, *cuts, 10_000]
    return [(s, Decimal(bounds[k + 1] - bounds[k]) / 100) for k, s in enumerate(states)]


def build(transactions_wanted: int) -> dict[str, Any]:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from seccoop.accounts.models import User
    from seccoop.core.markings import TLP
    from seccoop.framework.models import Category, Organisation, Party
    from seccoop.funding.demo import ACCOUNTS
    from seccoop.funding.models import FundingAccount, RecipientShare, Transaction
    from seccoop.needs.models import AssessmentCycle, Need
    from seccoop.plan.models import Measure, PlanVersion

    refuse_if(
        Transaction.objects.exists()
        or PlanVersion.objects.filter(label__startswith=CODE_PREFIX).exists(),
        "funding data",
    )
    load_personas()
    secretariat = User.objects.get(username="secretariat")
    commission = Organisation.objects.get(code="COMMISSION")
    states = list(
        Party.objects.filter(organisation__side="caribbean").select_related("organisation")
    )
    states.sort(key=lambda p: p.iso3)
    categories = list(Category.objects.order_by("code"))
    partners = {o.code: o for o in Organisation.objects.filter(kind="partner")}
    rng = random.Random(2010)
    started = time.perf_counter()

    with transaction.atomic():
        plan = PlanVersion.objects.bulk_create(
            [
                PlanVersion(
                    year=CYCLE,
                    label=f"{CODE_PREFIX}Plan of Action {CYCLE}",
                    status=PlanVersion.Status.ADOPTED,
                    adopted_on=date(CYCLE, 5, 27),
                    adopted_by=commission,
                    owner=commission,
                    tlp=TLP.CLEAR,
                )
            ]
        )[0]
        statuses = [Measure.Status.IMPLEMENTATION] * 6 + [
            Measure.Status.PIPELINE,
            Measure.Status.FINALISATION,
        ]
        measures = Measure.objects.bulk_create(
            [
                Measure(
                    plan=plan,
                    code=f"B{n:04d}",
                    title=f"Benchmark measure {n} in {categories[n % len(categories)].code}",
                    description=f"Generated for the coverage benchmark (measure {n}).",
                    category=categories[n % len(categories)],
                    status=rng.choice(statuses),
                    start=date(2022, 1, 1) + timedelta(days=rng.randrange(0, 700)),
                    end=date(2026, 12, 31),
                    order=n,
                    owner=commission,
                    tlp=TLP.CLEAR,
                )
                for n in range(1, MEASURES + 1)
            ],
            batch_size=500,
        )
        cycle = AssessmentCycle.objects.bulk_create(
            [
                AssessmentCycle(
                    year=CYCLE,
                    status=AssessmentCycle.Status.CLOSED,
                    valuation_date=date(CYCLE, 1, 1),
                    owner=commission,
                    tlp=TLP.CLEAR,
                )
            ]
        )[0]
        need_status = ["validated"] * 6 + ["submitted"] * 3 + ["draft", "returned"]
        gap_types = [g.value for g in Need.GapType]
        needs = []
        for n in range(NEEDS):
            state = states[n % len(states)]
            category = categories[(n // len(states)) % len(categories)]
            usd = Decimal(rng.randrange(20_000, 5_000_000)) + Decimal(rng.randrange(100)) / 100
            needs.append(
                Need(
                    cycle=cycle,
                    state=state,
                    category=category,
                    reference=f"N{n:05d}",
                    description=f"Benchmark need {n}",
                    severity=rng.randint(1, 5),
                    gap_type=rng.choice(gap_types),
                    amount=usd,
                    currency="USD",
                    amount_usd=usd,
                    status=rng.choice(need_status),
                    owner_id=state.organisation_id,
                    tlp=TLP.AMBER,
                )
            )
        needs = Need.objects.bulk_create(needs, batch_size=1000)
        released = release_rows(Need, commission.pk, "cycle_id = %s", [cycle.pk])
        by_category: dict[int, list[Any]] = defaultdict(list)
        for need in needs:
            by_category[need.category_id].append(need)
        links: Any = Measure.needs.through
        link_rows = []
        for m in measures:
            pool = by_category[m.category_id]
            for need in rng.sample(pool, rng.randint(1, 4)):
                link_rows.append(links(measure_id=m.pk, need_id=need.pk))
        links.objects.bulk_create(link_rows, batch_size=5000)
        accounts_by_category: dict[str, list[Any]] = defaultdict(list)
        for code, name, partner_code, funded, _millions in ACCOUNTS:
            account = FundingAccount.objects.create(
                code=code, name=name, owner=partners[partner_code], tlp=TLP.CLEAR
            )
            for category_code in funded:
                accounts_by_category[category_code].append(account)

    # The ledger: deals of pledge, commitment, disbursements (and uncounted types) on a measure.
    tx_in = Inserter(Transaction, with_pk=True)
    share_in = Inserter(RecipientShare, parent=tx_in)
    next_id = (Transaction.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    types: dict[str, int] = defaultdict(int)
    share_count = 0
    code_of = {c.pk: c.code for c in categories}

    def record(kind: str, usd: Decimal, day: date, deal: dict[str, Any], n: int) -> None:
        nonlocal next_id, share_count
        usd = max(usd.quantize(CENT), CENT)
        currency = deal["currency"]
        rate = RATES[currency]
        amount = (usd * rate).quantize(CENT)
        account, partner, measure = deal["account"], deal["partner"], deal["measure"]
        receiver = deal["receiver"]
        tx_in.add(
            id=next_id,
            owner_id=partner.pk,
            tlp=TLP.CLEAR.value,
            amount=amount,
            currency=currency,
            value_date=day,
            amount_usd=(amount / rate).quantize(CENT),
            usd_rate=rate,
            measure_id=measure.pk,
            account_id=account.pk,
            type=kind,
            reference=f"{CODE_PREFIX}{next_id:07d}-{n}",
            provider_id=partner.pk,
            receiver_id=receiver,
            description=f"Benchmark flow {kind} on {measure.code} ({account.code})",
        )
        for state, pct in deal["shares"]:
            share_in.add(transaction_id=next_id, state_id=state.pk, percentage=pct)
            share_count += 1
        types[kind] += 1
        next_id += 1

    made = 0
    while made < transactions_wanted:
        measure = rng.choice(measures)
        account = rng.choice(accounts_by_category[code_of[measure.category_id]])
        partner = partners[next(a[2] for a in ACCOUNTS if a[0] == account.code)]
        recipients = rng.sample(states, rng.choice((1, 1, 2, 3)))
        deal = {
            "measure": measure,
            "account": account,
            "partner": partner,
            "currency": CURRENCY.get(partner.code, "USD"),
            "shares": split_shares(rng, recipients),
            "receiver": recipients[0].organisation_id if len(recipients) == 1 else None,
        }
        year = rng.choices(YEARS, YEAR_WEIGHTS)[0]
        day = date(year, 1, 1) + timedelta(days=rng.randrange(0, 200))
        pledge = Decimal(rng.randrange(20, 3000) * 1000)
        flows = [("12", pledge, day)]
        draw = rng.random()
        committed = Decimal(0)
        if draw < 0.7:
            committed = pledge * Decimal(rng.choice(("0.5", "0.75", "1", "1", "1.2")))
            day = day + timedelta(days=rng.randrange(20, 160))
            flows.append(("2", committed, day))
        base = committed if committed else pledge
        if draw < 0.9:
            for _k in range(rng.randint(0, 4)):
                day = day + timedelta(days=rng.randrange(30, 120))
                flows.append(("3", base * Decimal(rng.uniform(0.1, 0.35)), day))
        if rng.random() < 0.3:
            kind = rng.choice(("1", "4", "11", "13"))
            flows.append((kind, base * Decimal(rng.uniform(0.1, 1)), day))
        for n, (kind, usd, when) in enumerate(flows[: transactions_wanted - made]):
            record(kind, usd, when, deal, n)
        made += min(len(flows), transactions_wanted - made)
    tx_count = tx_in.finish()
    share_in.finish()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Transaction]):
            cursor.execute(sql)
    refresh_planner_statistics()
    seconds = time.perf_counter() - started
    say(
        f"large set: 1 adopted plan version with {len(measures):,} measures in "
        f"{len(categories)} categories; cycle {CYCLE} with {len(needs):,} needs x "
        f"{len(states)} Caribbean States ({released:,} TLP:AMBER released to the Commission), "
        f"{len(link_rows):,} measure-need links; {len(ACCOUNTS)} funding accounts of "
        f"{len({a[2] for a in ACCOUNTS})} partners"
    )
    mix = ", ".join(f"type {k} {v:,}" for k, v in sorted(types.items(), key=lambda kv: -kv[1]))
    say(
        f"  built {tx_count:,} transactions ({mix}) with {share_count:,} recipient shares, "
        f"value dates {YEARS[0]}-{YEARS[-1]}, in {seconds:.1f} s ({tx_count / seconds:,.0f} "
        "transactions/s)"
    )
    say(
        f"  transactions and shares by executemany, {BATCH:,} rows a transaction; the rest by "
        "bulk_create; no history rows; then the planner statistics refreshed, as after an import"
        + (" (and ANALYZE, which autovacuum would do)" if connection.vendor == "postgresql" else "")
    )
    return {"user": secretariat, "states": {s.pk: s.iso3 for s in states}}


# --- hand-written SQL -----------------------------------------------------------------------


def floor_sql(user: Any, cycle: int) -> tuple[str, list[Any]]:
    """State x category cells of one cycle in one statement: (state_id, category code,
    requirements, pledged, committed, disbursed), under the counting rule of decision 0012."""
    from django.db import connection

    from seccoop.framework.models import Category
    from seccoop.funding.models import RecipientShare, Transaction
    from seccoop.funding.services import REQUIREMENT_STATUSES
    from seccoop.needs.models import AssessmentCycle, Need
    from seccoop.plan.models import Measure

    vis_t, p_t = visible_sql(Transaction, "t", user)
    vis_n, p_n = visible_sql(Need, "n", user)
    statuses = ", ".join(["%s"] * len(REQUIREMENT_STATUSES))
    start = connection.ops.adapt_datefield_value(date(cycle, 1, 1))
    end = connection.ops.adapt_datefield_value(date(cycle + 1, 1, 1))
    sql = f"""
        WITH tx AS (
            SELECT t.id, t.type, t.amount_usd AS usd, t.measure_id, t.value_date,
                SUM(CASE WHEN t.type = '2' THEN t.amount_usd ELSE 0 END) OVER per AS c,
                SUM(CASE WHEN t.type = '3' THEN t.amount_usd ELSE 0 END) OVER per AS d,
                SUM(CASE WHEN t.type = '12' THEN t.amount_usd ELSE 0 END) OVER per AS p
            FROM {table(Transaction)} t
            WHERE t.type IN ('12', '2', '3') AND {vis_t}
            WINDOW per AS (PARTITION BY t.measure_id, t.provider_id)
        ),
        rule AS (
            SELECT id, type, usd, measure_id, value_date, d, p,
                CASE WHEN d > c THEN d - c ELSE 0 END AS excess,
                CASE WHEN p > c AND p > d THEN p - (CASE WHEN c >= d THEN c ELSE d END)
                    ELSE 0 END AS remainder
            FROM tx
        ),
        ledger AS (
            SELECT s.state_id, r.measure_id,
                CASE WHEN r.type = '12' AND r.p > 0
                    THEN r.usd * COALESCE(s.percentage, 100) * r.remainder / (r.p * 1.0)
                    ELSE 0 END AS pledged,
                CASE WHEN r.type = '2' THEN r.usd * COALESCE(s.percentage, 100)
                    WHEN r.type = '3' AND r.d > 0
                    THEN r.usd * COALESCE(s.percentage, 100) * r.excess / (r.d * 1.0)
                    ELSE 0 END AS committed,
                CASE WHEN r.type = '3' THEN r.usd * COALESCE(s.percentage, 100)
                    ELSE 0 END AS disbursed
            FROM rule r
            LEFT JOIN {table(RecipientShare)} s ON s.transaction_id = r.id
            WHERE r.value_date >= %s AND r.value_date < %s
        ),
        cells AS (
            SELECT l.state_id, c.code, 0 AS requirements, SUM(l.pledged) / 100.0 AS pledged,
                SUM(l.committed) / 100.0 AS committed, SUM(l.disbursed) / 100.0 AS disbursed
            FROM ledger l
            JOIN {table(Measure)} m ON m.id = l.measure_id
            LEFT JOIN {table(Category)} c ON c.id = m.category_id
            GROUP BY l.state_id, c.code
            UNION ALL
            SELECT n.state_id, c.code, SUM(n.amount_usd), 0, 0, 0
            FROM {table(Need)} n
            JOIN {table(AssessmentCycle)} y ON y.id = n.cycle_id
            JOIN {table(Category)} c ON c.id = n.category_id
            WHERE y.year = %s AND n.status IN ({statuses}) AND {vis_n}
            GROUP BY n.state_id, c.code
        )
        SELECT state_id, code, SUM(requirements), SUM(pledged), SUM(committed), SUM(disbursed)
        FROM cells GROUP BY state_id, code
    """  # noqa: S608 - table names from the models, every value a parameter
    return sql, [*p_t, start, end, cycle, *REQUIREMENT_STATUSES, *p_n]


# --- A: coverage ----------------------------------------------------------------------------


Cells = dict[tuple[Any, Any], list[Decimal]]


def service_cells(user: Any, cycle: int) -> Cells:
    """State x category from ``counted_flows`` (the rule's output) and the needs that count as
    requirements (``services.requirement_needs``), summed per State and category."""
    from django.db.models import Sum

    from seccoop.framework.models import Category
    from seccoop.funding.services import counted_flows, requirement_needs

    code = dict(Category.objects.restrict(user, "view").values_list("pk", "code"))
    cells: Cells = defaultdict(lambda: [Decimal(0)] * 4)
    at = {"pledged": 1, "committed": 2, "disbursed_only": 3}
    for kind, usd, _m, _p, _a, year, state, category in counted_flows(user, year=cycle):
        if year == cycle:
            cells[(state, code.get(category))][at[kind]] += usd
    needs = (
        requirement_needs(user)
        .filter(cycle__year=cycle)
        .order_by()
        .values_list("state_id", "category__code")
        .annotate(s=Sum("amount_usd"))
    )
    for state, category_code, usd in needs:
        cells[(state, category_code)][0] += usd or Decimal(0)
    return dict(cells)


def compare(label: str, got: dict[Any, list[Decimal]], want: dict[Any, list[Decimal]]) -> Decimal:
    """Assert both sides have the same keys and figures within half a cent; the largest gap."""
    zero = [Decimal(0)] * 4
    keys = set(got) | set(want)
    worst = Decimal(0)
    for key in keys:
        for kind, a, b in zip(KINDS, got.get(key, zero), want.get(key, zero), strict=True):
            gap = abs(a - b)
            assert gap < HALF_CENT, f"{label} {key} {kind}: service {a} against floor {b}"
            worst = max(worst, gap)
    return worst


def margin(cells: Cells, axis: int, name: Callable[[Any], str]) -> dict[str, list[Decimal]]:
    out: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for key, figures in cells.items():
        row = out[name(key[axis])]
        for k in range(4):
            row[k] += figures[k]
    return dict(out)


def bench_coverage(user: Any, states: dict[int, str], reps: int) -> list[Goal]:
    from django.db import connection

    from seccoop.accounts.policy import forget_scope
    from seccoop.funding.services import counted_flows, coverage

    def fresh() -> None:
        forget_scope(user)  # every request starts without the scope (one query)

    def by_state() -> Any:
        return coverage(user, "state", CYCLE)

    def by_category() -> Any:
        return coverage(user, "category", CYCLE)

    def by_cell() -> Cells:
        return service_cells(user, CYCLE)

    q_state = count_queries(by_state, fresh)
    t_state, state_cut = median_time(by_state, reps, fresh)
    q_category = count_queries(by_category, fresh)
    t_category, category_cut = median_time(by_category, reps, fresh)
    q_cells = count_queries(by_cell, fresh)
    t_cells, cells = median_time(by_cell, reps, fresh)

    floor = partial(fetch_all, *floor_sql(user, CYCLE))
    floor()  # warm-up
    t_floor, rows = median_time(floor, reps)
    want: Cells = {(s, c): [as_decimal(x) for x in figures] for s, c, *figures in rows}

    # The checks: every cell, both cuts against the floor's margins, the totals.
    worst = compare("state x category", cells, want)

    def figures(r: Any) -> list[Decimal]:
        return [r.requirements_usd or Decimal(0), r.pledged_usd, r.committed_usd, r.disbursed_usd]

    def state_code(pk: Any) -> str:
        return "" if pk is None else states[pk]

    worst = max(
        worst,
        compare(
            "by state",
            {r.key: figures(r) for r in state_cut.rows},
            margin(want, 0, state_code),
        ),
        compare(
            "by category",
            {r.key: figures(r) for r in category_cut.rows},
            margin(want, 1, lambda c: c or ""),
        ),
    )
    grand = margin(want, 0, lambda _s: "total")
    worst = max(
        worst,
        compare("total", {"total": figures(state_cut.total)}, grand),
        compare("total", {"total": figures(category_cut.total)}, grand),
    )

    # Where the state cut's time goes: its own queries, recorded and replayed raw.
    recorded: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        recorded.append((sql, params))
        return execute(sql, params, many, context)

    fresh()
    with connection.execute_wrapper(record):
        by_state()

    def replay() -> int:
        fetched = 0
        with connection.cursor() as cursor:
            for query, query_params in recorded:
                cursor.execute(query, query_params)
                fetched += len(cursor.fetchall())
        return fetched

    def flows() -> None:
        counted_flows(user, year=CYCLE)

    replay()  # warm-up
    t_replay, fetched = median_time(replay, reps)
    t_flows, _nothing = median_time(flows, reps, fresh)

    total = state_cut.total
    say()
    say(
        f"A. coverage of the {CYCLE} needs as secretariat: {len(cells):,} State x category "
        f"cells, {len(state_cut.rows)} state rows, {len(category_cut.rows)} category rows"
    )
    say(
        f"  totals: requirements {total.requirements_usd:,.2f}, pledged {total.pledged_usd:,.2f}, "
        f"committed {total.committed_usd:,.2f}, disbursed {total.disbursed_usd:,.2f} USD"
    )
    label = {
        "state": f'coverage(user, "state", {CYCLE})',
        "category": f'coverage(user, "category", {CYCLE})',
        "cells": "State x category from counted_flows",
        "floor": "one hand-written SQL (floor)",
    }
    width = max(len(v) for v in label.values()) + 1
    for key, seconds, queries in (
        ("state", t_state, q_state),
        ("category", t_category, q_category),
        ("cells", t_cells, q_cells),
        ("floor", t_floor, 1),
    ):
        say(
            f"  {label[key] + ':':<{width}} median {seconds:7.3f} s over {reps} runs, "
            f"{queries} {'query' if queries == 1 else 'queries'}"
        )
    say(
        f"  checked: all {len(rows):,} floor rows against every cell, both cuts (the floor's "
        f"margins) and the totals; largest difference {worst:.2E} USD (within half a cent)"
    )
    say(
        f"  ratio state / floor: {t_state / t_floor:.1f}; category / floor: "
        f"{t_category / t_floor:.1f}; State x category / floor: {t_cells / t_floor:.1f}"
    )
    say(
        f"  where the state cut's time goes: its {len(recorded)} queries replayed raw through the "
        f"cursor (database and driver, {fetched:,} rows, no ORM) {t_replay:.3f} s of its "
        f"{t_state:.3f} s, so about {max(0.0, t_state - t_replay):.3f} s in Python (ORM row "
        f"conversion, the rule, the cut); counted_flows(user, year={CYCLE}) alone {t_flows:.3f} s"
    )
    return [
        ratio_goal(
            f"coverage {CYCLE} by {cut} as secretariat, median seconds", t, t_floor, at_most=2
        )
        for cut, t in (("State", t_state), ("category", t_category))
    ]


# --- B: the IATI export ---------------------------------------------------------------------


def bench_export(user: Any, reps: int) -> Goal:
    from lxml import etree

    from seccoop.accounts.policy import forget_scope
    from seccoop.funding.iati import export_activities
    from seccoop.plan.models import Measure

    def fresh() -> None:
        forget_scope(user)  # every request starts without the scope (one query)

    def export() -> bytes:
        return export_activities(user)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    query_count = count_queries(export, fresh)  # also the warm-up
    ours, data = median_time(export, reps, fresh)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # Where the time goes: the transactions loaded as the export loads them (re-built here).
    measure_ids = list(
        Measure.objects.restrict(user, "view").filter(tlp="CLEAR").values_list("pk", flat=True)
    )

    def load() -> int:
        from seccoop.funding.iati import _flows

        return sum(len(v) for v in _flows(user, measure_ids, None).values())

    t_load, loaded = median_time(load, 1, fresh)

    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)
    root = etree.fromstring(data, parser)
    activities = len(root.findall("iati-activity"))
    transactions = sum(1 for _ in root.iter("transaction"))

    def serialise() -> bytes:
        return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")

    serialise()  # warm-up
    floor, out = median_time(serialise, reps)
    # The export streams one activity at a time, so its indentation differs from a whole-tree
    # pretty print; the content is the same, and the sizes nearly so.
    again = etree.fromstring(out, parser)
    assert etree.tostring(again) == etree.tostring(root), "the reference serialises another tree"
    assert abs(len(out) - len(data)) < 0.1 * len(data), (len(out), len(data))
    assert loaded == transactions, f"{loaded} transactions loaded, {transactions} exported"
    mb = len(data) / 1e6
    mb_ref = len(out) / 1e6
    say()
    say(
        f"B. IATI export of every activity as secretariat: {activities:,} activities, "
        f"{transactions:,} transactions, {mb:,.1f} MB"
    )
    say(
        f"  export_activities():           median {ours:7.3f} s over {reps} runs, "
        f"{mb / ours:6.2f} MB/s, {query_count} queries"
    )
    say(
        f"  lxml tostring (prebuilt tree): median {floor:7.3f} s over {reps} runs, "
        f"{mb_ref / floor:6.2f} MB/s ({mb_ref:,.1f} MB: the same elements, indented as one tree)"
    )
    say(f"  ratio lxml MB/s / export MB/s: {(mb_ref / floor) / (mb / ours):.1f}")
    say(
        f"  where the export's time goes: reading the {loaded:,} transactions as plain rows with "
        f"their shares (one run) {t_load:.3f} s of the {ours:.3f} s"
    )
    say(
        f"  process peak memory (max RSS): {rss_before / 1024:,.0f} MiB before the export, "
        f"{rss_after / 1024:,.0f} MiB after it"
    )
    return ratio_goal(
        "IATI export of every activity as secretariat, MB/s",
        mb / ours,
        mb_ref / floor,
        at_least=0.5,
    )


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--transactions", type=int, default=100_000, help="size of the ledger")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each coverage call")
    parser.add_argument("--export-repeat", type=int, default=3, help="timed runs of the export")
    args = parser.parse_args()
    with scratch_django("bench_coverage", keep=args.keep):
        built = build(args.transactions)
        goals = bench_coverage(built["user"], built["states"], args.repeat)
        goals.append(bench_export(built["user"], args.export_repeat))
        record_goals("bench_coverage", goals)


if __name__ == "__main__":
    main()
