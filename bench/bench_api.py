"""Requests/s and latency of the API and the home page through the production server.

For each server (gunicorn and granian, one worker process per core) it measures:

* ``GET /api/v1/framework/categories`` (anonymous, the full stack: middleware, policy, ORM, schema);
* ``GET /`` signed in as ``jam_focal`` (session, scope, templates);
* the reference: a bare Django view that returns the same JSON bytes from memory, served by the
  same server with the same number of workers, in the same run.

It prints requests/s, p50 and p95 for each, and the ratio of each page to the reference.
Everything runs on loopback; the request loops are bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import BIN, ROOT, WORKERS, free_port, say, server_cmd, sign_in, wait_up


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
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        for _ in range(per_thread):
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors += bad

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
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--servers", default="gunicorn,granian")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="seccoop-bench-"))
    env = {
        **os.environ,
        "SECCOOP_DEBUG": "1",
        "SECCOOP_DATA_DIR": str(data),
        "SECCOOP_LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_URL", None)
    seccoop = str(BIN / "seccoop")
    for step in (["migrate", "-v0"], ["demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([seccoop, *step], env=env, check=True, stdout=subprocess.DEVNULL)
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
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    ref_env = {**env, "SECCOOP_BENCH_BODY": str(reference_body), "PYTHONPATH": str(ROOT / "bench")}

    results: dict[str, dict[str, dict[str, float]]] = {}
    password = os.environ.get("SECCOOP_DEMO_PASSWORD") or "caribbean-security-2010"
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
                    cookie = sign_in(port, "jam_focal", password)
                    load(port, "/", {"Cookie": cookie}, 200, args.concurrency)
                    results[kind]["home"] = load(
                        port, "/", {"Cookie": cookie}, args.requests // 2, args.concurrency
                    )
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)

    say(f"\nbench_api: {WORKERS} worker processes, {args.concurrency} keep-alive clients, loopback")
    say(
        f"{'server':<10}{'page':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'ratio':>8}"
    )
    for kind, rows in results.items():
        ref = rows["reference"]["rps"]
        for label, name in [
            ("reference", "bare Django view, same JSON"),
            ("categories", "GET /api/v1/framework/categories"),
            ("home", "GET / (signed in as jam_focal)"),
        ]:
            r = rows[label]
            say(
                f"{kind:<10}{name:<34}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                f"{int(r['errors']):>8}{r['rps'] / ref:>8.2f}"
            )
    if len(results) == 2:
        g, r = results["gunicorn"]["categories"]["rps"], results["granian"]["categories"]["rps"]
        say(f"granian / gunicorn on the API endpoint: {r / g:.2f}")
    say(json.dumps(results, indent=1))
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
