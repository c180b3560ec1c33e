"""Needs import throughput, and the matrix on the large set.

1. Import: a generated 100,000-row workbook goes through the whole import (read with calamine,
   validate every row, write in one transaction with history). The floor is openpyxl's read-only
   mode just reading the same rows, in the same run. Prints rows/s for both and the ratio.
2. Matrix: with the large set's 20,000 needs loaded, ``GET /api/v1/needs/matrix`` as the
   secretariat: p50/p95 over repeated requests, and the query count.

Runs on a fresh SQLite database in a temporary folder (``DATABASE_URL`` selects PostgreSQL).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def say(line: str = "") -> None:
    """The benchmark's report goes to standard output."""
    sys.stdout.write(line + "\n")


def setup_django() -> None:
    os.environ.setdefault("SECCOOP_DEBUG", "1")
    os.environ.setdefault("SECCOOP_DATA_DIR", tempfile.mkdtemp(prefix="seccoop-bench-"))
    os.environ.setdefault("SECCOOP_LOG_LEVEL", "ERROR")
    Path(os.environ["SECCOOP_DATA_DIR"], "static").mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "seccoop.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_framework", stdout=io.StringIO())


def workbook_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Needs")
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bench_import(rows_wanted: int) -> None:
    from openpyxl import load_workbook

    from seccoop.accounts.models import User
    from seccoop.framework.models import Organisation
    from seccoop.needs.demo import generate_rows
    from seccoop.needs.importer import CLI_LIMITS, apply_import, plan_import, read_workbook
    from seccoop.needs.models import AssessmentCycle, Need

    per_state = -(-rows_wanted // 16)
    rows = generate_rows(2010, per_state)[: rows_wanted + 1]
    data = workbook_bytes(rows)
    say(f"workbook: {len(rows) - 1:,} rows, {len(data) / 1e6:.1f} MB")

    started = time.perf_counter()
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    floor_rows = sum(1 for _ in wb["Needs"].iter_rows(values_only=True)) - 1
    floor = time.perf_counter() - started

    actor, _created = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    cycle = AssessmentCycle.objects.create(
        year=2031,
        status="open",
        valuation_date=date(2031, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
        tlp="CLEAR",
    )
    started = time.perf_counter()
    parsed = read_workbook(data, CLI_LIMITS)
    read_s = time.perf_counter() - started
    plan = plan_import(parsed, cycle=cycle, user=actor, allowed_owner_ids=None)
    plan_s = time.perf_counter() - started - read_s
    summary = apply_import(plan, actor=actor, source="bench")
    total = time.perf_counter() - started
    assert summary["created"] == floor_rows, summary
    assert Need.objects.filter(cycle=cycle).count() == floor_rows
    say(
        f"openpyxl read-only, read only (floor): {floor_rows / floor:>10,.0f} rows/s ({floor:.1f} s)"
    )
    say(
        f"seccoop import, read+validate+write:  {floor_rows / total:>10,.0f} rows/s ({total:.1f} s: "
        f"read {read_s:.1f}, validate {plan_s:.1f}, write {total - read_s - plan_s:.1f})"
    )
    say(
        f"ratio import / floor: {floor / total:.2f} (the import runs at {100 * floor / total:.0f}% of the "
        f"floor's speed)"
    )


def bench_matrix(requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from seccoop.accounts.demo import load_personas
    from seccoop.accounts.models import User
    from seccoop.core.demo import DemoContext
    from seccoop.needs.demo import load_demo_needs
    from seccoop.needs.models import Need

    ctx = DemoContext(size="large", seed=2010, password="bench-password-2010-x", log=lambda m: None)
    load_personas(ctx)
    started = time.perf_counter()
    load_demo_needs(ctx)
    say(
        f"large set: {Need.objects.filter(cycle__year=2026).count():,} needs in the 2026 cycle "
        f"(loaded in {time.perf_counter() - started:.1f} s)"
    )
    client = Client()
    client.force_login(User.objects.get(username="secretariat"))
    url = "/api/v1/needs/matrix?cycle=2026"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Count now: every later request starts by emptying Django's query log.
    query_count = len(queries)
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    times.sort()
    cells = len(response.json()["cells"])
    say(
        f"GET {url} as secretariat: {cells} cells, p50 {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, {query_count} queries"
    )
    page = Client()
    page.force_login(User.objects.get(username="jam_focal"))
    page.get("/needs/matrix/?cycle=2026")
    with CaptureQueriesContext(connection) as queries:
        assert page.get("/needs/matrix/?cycle=2026").status_code == 200
    say(f"GET /needs/matrix/ as jam_focal (scoped to Jamaica): {len(queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    setup_django()
    say(f"bench_needs ({'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'})")
    bench_import(args.rows)
    bench_matrix(args.requests)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
