"""Requests/s and latency of the API and the home page through the production server.

Figure: requests/s of ``GET /api/v1/framework/categories`` (anonymous, the full stack: middleware,
policy, ORM, schema) and of ``GET /`` signed in as ``jam_focal`` (session, scope, templates),
served by gunicorn, one worker process per core, 8 keep-alive clients on loopback.
Reference: a bare Django view with no middleware that returns the same JSON bytes from memory,
served by the same server with the same number of workers, in the same run.
Goal: each page at least 0.5 times the reference's requests/s with gunicorn. This
reference (a bare view) is stricter than the one the goal names (a hand-written view reading the
same rows behind the same middleware), which does not exist yet.

granian serves the same three for comparison (decision 0004 chose gunicorn); its figures are
printed, not checked. Everything runs on loopback; the request loops are bounded in count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import (
    ROOT,
    WORKERS,
    Keepalive,
    free_port,
    percentile,
    prepare_demo,
    ratio_goal,
    record_goals,
    say,
    seccoop_env,
    server_cmd,
    sign_in,
    stop,
    wait_up,
)


def load(
    port: int, path: str, headers: dict[str, str], requests: int, concurrency: int
) -> dict[str, float]:
    """Send ``requests`` GETs over ``concurrency`` keep-alive connections; return the figures."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = requests // concurrency

    def worker() -> None:
        nonlocal errors
        client = Keepalive(port)
        answers = [client.get(path, headers) for _ in range(per_thread)]
        with lock:
            latencies.extend(seconds for seconds, _status in answers)
            errors += sum(1 for _seconds, status in answers if status != 200)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--servers", default="gunicorn,granian")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="seccoop-bench-"))
    env = seccoop_env(data)
    env.pop("DATABASE_URL", None)
    prepare_demo(env)
    # Freeze the exact JSON of the endpoint for the reference view.
    reference_body = data / "categories.json"
    port = free_port()
    proc = subprocess.Popen(
        server_cmd("gunicorn", "seccoop.wsgi:application", port), env=env, cwd=data
    )
    try:
        wait_up(port)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/api/v1/framework/categories")
        reference_body.write_bytes(conn.getresponse().read())
    finally:
        stop(proc)
    ref_env = {**env, "SECCOOP_BENCH_BODY": str(reference_body), "PYTHONPATH": str(ROOT / "bench")}

    results: dict[str, dict[str, dict[str, float]]] = {}
    for kind in args.servers.split(","):
        if not shutil.which(server_cmd(kind, "a:b", 1)[0]):
            say(f"{kind}: not installed, skipped")
            continue
        results[kind] = {}
        for label, app, run_env in [
            ("reference", "bare_app:application", ref_env),
            ("seccoop", "seccoop.wsgi:application", env),
        ]:
            port = free_port()
            proc = subprocess.Popen(
                server_cmd(kind, app, port),
                env=run_env,
                cwd=data,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_up(port, "/healthz" if label == "seccoop" else "/ref")
                if label == "reference":
                    load(port, "/ref", {}, 400, args.concurrency)  # warm up
                    results[kind]["reference"] = load(
                        port, "/ref", {}, args.requests, args.concurrency
                    )
                else:
                    load(port, "/api/v1/framework/categories", {}, 400, args.concurrency)
                    results[kind]["categories"] = load(
                        port, "/api/v1/framework/categories", {}, args.requests, args.concurrency
                    )
                    cookie = sign_in(port, "jam_focal")
                    load(port, "/", {"Cookie": cookie}, 200, args.concurrency)
                    results[kind]["home"] = load(
                        port, "/", {"Cookie": cookie}, args.requests // 2, args.concurrency
                    )
            finally:
                stop(proc)

    say(f"\nbench_api: {WORKERS} worker processes, {args.concurrency} keep-alive clients, loopback")
    say(
        f"{'server':<10}{'page':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'ratio':>8}"
    )
    pages = [
        ("reference", "bare Django view, same JSON"),
        ("categories", "GET /api/v1/framework/categories"),
        ("home", "GET / (signed in as jam_focal)"),
    ]
    for kind, rows in results.items():
        ref = rows["reference"]["rps"]
        for label, name in pages:
            r = rows[label]
            say(
                f"{kind:<10}{name:<34}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                f"{int(r['errors']):>8}{r['rps'] / ref:>8.2f}"
            )
    if len(results) == 2:
        g, r = results["gunicorn"]["categories"]["rps"], results["granian"]["categories"]["rps"]
        say(f"granian / gunicorn on the API endpoint: {r / g:.2f}")
    say(json.dumps(results, indent=1))
    if "gunicorn" in results:
        rows = results["gunicorn"]
        record_goals(
            "bench_api",
            [
                ratio_goal(
                    f"{name} via gunicorn, requests/s",
                    rows[label]["rps"],
                    rows["reference"]["rps"],
                    at_least=0.5,
                )
                for label, name in pages[1:]
            ],
        )
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
