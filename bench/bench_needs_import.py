"""Needs import throughput, and the needs matrix on the large set.

Figure: seconds of the whole import of a generated 100,000-row needs workbook (the checks and
calamine's read, every row validated, one transaction written with history), as rows/s.
Reference: python-calamine just reading the same file's rows, in the same run (the reader the
import itself uses, with nothing checked, validated or written); openpyxl's read-only mode
reading them is printed too.
Goal: the import takes at most 3 times the reference.

Then, with the large set's 20,000 needs loaded, ``GET /api/v1/needs/matrix`` as the secretariat:
p50/p95 over repeated requests, and the query counts of the API and of the page as a focal point.
These are printed for information; they have no reference here yet.

Runs on a fresh SQLite database in a temporary folder (``DATABASE_URL`` selects PostgreSQL).
"""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

from builders import BENCH_PASSWORD, load_personas
from common import (
    arguments,
    count_queries,
    latency,
    ratio_goal,
    record_goals,
    say,
    scratch_django,
    timed_series,
)


def workbook_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Needs")
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bench_import(rows_wanted: int) -> list[object]:
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

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
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Needs")
    floor_rows = sum(1 for _ in sheet.iter_rows()) - 1
    floor = time.perf_counter() - started

    started = time.perf_counter()
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    openpyxl_rows = sum(1 for _ in wb["Needs"].iter_rows(values_only=True)) - 1
    openpyxl_s = time.perf_counter() - started
    assert openpyxl_rows == floor_rows

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
        f"calamine, read only (reference):       {floor_rows / floor:>10,.0f} rows/s ({floor:.1f} s)"
    )
    say(
        f"openpyxl read-only, read only:         {floor_rows / openpyxl_s:>10,.0f} rows/s "
        f"({openpyxl_s:.1f} s)"
    )
    say(
        f"seccoop import, read+validate+write:  {floor_rows / total:>10,.0f} rows/s ({total:.1f} s: "
        f"checks and read {read_s:.1f}, validate {plan_s:.1f}, write {total - read_s - plan_s:.1f})"
    )
    say(f"ratio import / calamine read: {total / floor:.1f}")
    return [
        ratio_goal(
            f"needs import of {floor_rows:,} rows, seconds (reference: calamine reading them)",
            total,
            floor,
            at_most=3,
        )
    ]


def bench_matrix(requests: int) -> None:
    from django.test import Client

    from seccoop.accounts.models import User
    from seccoop.core.demo import DemoContext
    from seccoop.needs.demo import load_demo_needs
    from seccoop.needs.models import Need

    load_personas()
    started = time.perf_counter()
    load_demo_needs(
        DemoContext(size="large", seed=2010, password=BENCH_PASSWORD, log=lambda m: None)
    )
    say(
        f"large set: {Need.objects.filter(cycle__year=2026).count():,} needs in the 2026 cycle "
        f"(loaded in {time.perf_counter() - started:.1f} s)"
    )
    client = Client()
    client.force_login(User.objects.get(username="secretariat"))
    url = "/api/v1/needs/matrix?cycle=2026"

    def get(_n: object = None) -> Any:
        response = client.get(url)
        assert response.status_code == 200
        return response.json()

    get()  # warm-up
    query_count = count_queries(get)
    times = timed_series(get, range(requests))
    cells = len(get()["cells"])
    say(f"GET {url} as secretariat: {cells} cells, {latency(times)}, {query_count} queries")
    page = Client()
    page.force_login(User.objects.get(username="jam_focal"))
    page.get("/needs/matrix/?cycle=2026")

    def matrix_page() -> None:
        assert page.get("/needs/matrix/?cycle=2026").status_code == 200

    page_queries = count_queries(matrix_page)
    say(f"GET /needs/matrix/ as jam_focal (scoped to Jamaica): {page_queries} queries")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    with scratch_django("bench_needs_import", keep=args.keep):
        goals = bench_import(args.rows)
        bench_matrix(args.requests)
        record_goals("bench_needs_import", goals)


if __name__ == "__main__":
    main()
