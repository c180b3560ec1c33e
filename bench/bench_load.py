"""Load: 50 concurrent clients for 2 minutes on PostgreSQL, signed-in pages and API lists mixed.

Figure: errors (any status >= 500, refused connection or time-out) over the ramp and the steady
run, with requests, p50/p95/p99 latency, throughput, the median latency per path and the
saturation point: on a ramp of 1, 2, 5, 10, 20 and 50 clients, the number of clients past which
no later step's throughput is 10 % higher.
Reference: none; the goal is absolute.
Goal: 0 errors.

It builds a scratch PostgreSQL database of its own (``DATABASE_URL`` names the server; the
database it names is never touched), loads the Framework and the demo, serves it with gunicorn
(one worker per core, two threads each) on loopback, and drops the database at the end. Each
client keeps its own session or API token and walks the mix below in turn. Every loop is bounded
in time, and the run stops by itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/bench_load.py [--seconds 120]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    BIN,
    WORKERS,
    Keepalive,
    free_port,
    limit_goal,
    percentile,
    prepare_demo,
    record_goals,
    say,
    seccoop_env,
    server_cmd,
    sign_in,
    stop,
    wait_up,
)

#: (persona, path, kind): what the clients ask for, in turn. Pages are signed in with a session,
#: API lists with a read token of the same persona.
MIX = [
    ("jam_focal", "/", "page"),
    ("jam_focal", "/needs/", "page"),
    ("jam_focal", "/api/v1/needs/needs?limit=100", "api"),
    ("jam_focal", "/api/v1/monitoring/values?limit=100", "api"),
    ("secretariat", "/monitoring/", "page"),
    ("secretariat", "/funding/", "page"),
    ("secretariat", "/meetings/", "page"),
    ("secretariat", "/api/v1/plan/measures?limit=100", "api"),
    ("inl_partner", "/funding/transactions/", "page"),
    ("inl_partner", "/api/v1/funding/transactions?limit=100", "api"),
    (None, "/api/v1/framework/categories", "api"),
    (None, "/framework/", "page"),
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_clients(
    port: int, clients: int, seconds: float, credentials: dict[str, dict[str, str]]
) -> tuple[Tally, float]:
    tally = Tally()
    stop_at = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = Keepalive(port)
        mine: list[float] = []
        paths: dict[str, list[float]] = {}
        bad = 0
        statuses: dict[int, int] = {}
        step = index
        while time.monotonic() < stop_at:
            persona, path, kind = MIX[step % len(MIX)]
            step += 1
            headers = credentials[persona or ""][kind] if persona else {}
            seconds, status = conn.get(path, headers)
            if status:
                statuses[status] = statuses.get(status, 0) + 1
            if status == 0 or status >= 500:
                bad += 1
            mine.append(seconds)
            paths.setdefault(path, []).append(seconds)
        with tally.lock:
            tally.latencies.extend(mine)
            for path, seconds in paths.items():
                tally.by_path.setdefault(path, []).extend(seconds)
            tally.errors += bad
            for status, count in statuses.items():
                tally.statuses[status] = tally.statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.latencies.sort()
    return tally, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--ramp-seconds", type=float, default=8)
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "bench_load runs on PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/any-database "
            "(a scratch database is created beside it and dropped at the end)."
        )
    import psycopg

    base = server_url.rsplit("/", 1)[0]
    name = f"seccoop_bench_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    data = Path(tempfile.mkdtemp(prefix="seccoop-bench-load-"))
    env = seccoop_env(data, DATABASE_URL=f"{base}/{name}")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = None
    try:
        seccoop = str(BIN / "seccoop")
        say(f"bench_load: building the demo in the scratch database {name}")
        prepare_demo(env)
        credentials: dict[str, dict[str, dict[str, str]]] = {}
        for persona in {p for p, _path, _kind in MIX if p}:
            made = subprocess.run(
                [seccoop, "token", "create", persona, "--scope", "read", "--name", "bench_load"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            token = made.stdout.strip().split()[-1]
            credentials[persona] = {"api": {"Authorization": f"Bearer {token}"}}
        port = free_port()
        command = [*server_cmd("gunicorn", "seccoop.wsgi:application", port), "--threads", "2"]
        proc = subprocess.Popen(command, env=env, cwd=data)
        wait_up(port)
        for persona in credentials:
            credentials[persona]["page"] = {"Cookie": sign_in(port, persona)}

        say(f"ramp: {args.ramp_seconds:g} s at each number of clients")
        throughput: list[tuple[int, float]] = []
        ramp_errors = 0
        for clients in (1, 2, 5, 10, 20, args.clients):
            tally, elapsed = run_clients(port, clients, args.ramp_seconds, credentials)
            rps = len(tally.latencies) / elapsed
            ramp_errors += tally.errors
            throughput.append((clients, rps))
            say(
                f"  {clients:>3} clients: {rps:7.1f} req/s, p95 {percentile(tally.latencies, 95) * 1000:7.1f} ms, "
                f"{tally.errors} errors"
            )
        # The fewest clients past which no later step's throughput is 10 % higher.
        saturation = throughput[-1][0]
        for index, (clients, rps) in enumerate(throughput[:-1]):
            if max(r for _c, r in throughput[index + 1 :]) < rps * 1.10:
                saturation = clients
                break

        say(f"steady: {args.clients} clients for {args.seconds:g} s")
        tally, elapsed = run_clients(port, args.clients, args.seconds, credentials)
        lat = tally.latencies
        say(
            f"  {len(lat)} requests in {elapsed:.1f} s ({len(lat) / elapsed:.1f} req/s), "
            f"{tally.errors} errors; p50 {percentile(lat, 50) * 1000:.1f} ms, "
            f"p95 {percentile(lat, 95) * 1000:.1f} ms, p99 {percentile(lat, 99) * 1000:.1f} ms"
        )
        say(f"  statuses: {dict(sorted(tally.statuses.items()))}")
        say("  median latency per path under that load:")
        for path, seconds in sorted(
            tally.by_path.items(), key=lambda kv: -sorted(kv[1])[len(kv[1]) // 2]
        ):
            say(f"    {sorted(seconds)[len(seconds) // 2] * 1000:9.1f} ms  {path}")
        say(
            f"  saturation: throughput stops growing by 10 % past {saturation} clients "
            f"({WORKERS} workers × 2 threads)"
        )
        errors = tally.errors + ramp_errors
        record_goals(
            "bench_load",
            [
                limit_goal(
                    f"errors under {args.clients} clients for {args.seconds:g} s (and the ramp)",
                    float(errors),
                    below=1,
                    goal="0",
                ),
            ],
        )
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(data, ignore_errors=True)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
