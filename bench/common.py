"""What every benchmark shares: the report and its goals, Django on a scratch database, timing,
servers on loopback and signing in.

A benchmark prints its figures as it goes, then checks each goal: one ``Goal`` with ``name``,
``goal``, ``figure``, ``reference``, ``ratio`` and ``result`` (``"PASS"`` or ``"FAIL"``), printed
and written to ``var/bench/<benchmark>.json`` (``record_goals``) so that a later run can be
compared. ``ratio_goal`` checks a figure against a reference measured in the same run;
``limit_goal`` checks a figure against a fixed bound.

The data builders live in ``builders.py`` and the hand-written SQL floors' common parts in
``floors.py``.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import io
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKERS = os.cpu_count() or 2
DEMO_PASSWORD = os.environ.get("SECCOOP_DEMO_PASSWORD") or "caribbean-security-2010"


def say(line: str = "") -> None:
    """The benchmark's report goes to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- goals ----------------------------------------------------------------------------------


@dataclass
class Goal:
    """One checked goal: the figure against its goal, and its reference measured in the same run."""

    name: str
    goal: str
    figure: float
    reference: float | None
    ratio: float | None
    result: str

    def line(self) -> str:
        ref = "–" if self.reference is None else f"{self.reference:g}"
        ratio = "–" if self.ratio is None else f"{self.ratio:.2f}"
        return (
            f"{self.result}  {self.name}: {self.figure:g} (goal {self.goal}; "
            f"reference {ref}; ratio {ratio})"
        )


def _round(x: float) -> float:
    """Four significant digits: what a figure of a benchmark can claim."""
    return float(f"{x:.4g}") if math.isfinite(x) else x


def ratio_goal(
    name: str,
    figure: float,
    reference: float,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    goal: str = "",
) -> Goal:
    """``figure / reference`` must be at most ``at_most`` (times, latencies) or at least
    ``at_least`` (throughputs); both are measured in the same run. ``goal`` words the bound
    where the number alone would not."""
    ratio = figure / reference if reference else math.inf
    if at_most is not None:
        ok, words = ratio <= at_most, f"≤ {at_most:g}× the reference"
    elif at_least is not None:
        ok, words = ratio >= at_least, f"≥ {at_least:g}× the reference"
    else:
        raise ValueError("a ratio goal needs at_most or at_least")
    goal = goal or words
    return Goal(
        name, goal, _round(figure), _round(reference), _round(ratio), "PASS" if ok else "FAIL"
    )


def limit_goal(
    name: str,
    figure: float,
    *,
    below: float,
    unit: str = "s",
    reference: float | None = None,
    goal: str = "",
) -> Goal:
    """``figure`` must stay below a fixed bound; a reference, when given, is printed with its ratio."""
    ratio = figure / reference if reference else None
    return Goal(
        name,
        goal or f"< {below:g} {unit}".rstrip(),
        _round(figure),
        None if reference is None else _round(reference),
        None if ratio is None else _round(ratio),
        "PASS" if figure < below else "FAIL",
    )


def record_goals(benchmark: str, goals: list[Goal]) -> Path:
    """Print each goal and write them, with the time of the run, to ``var/bench/<benchmark>.json``."""
    say()
    for goal in goals:
        say(goal.line())
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{benchmark}.json"
    run = {
        "benchmark": benchmark,
        "at": datetime.now(UTC).isoformat(),
        "goals": [asdict(g) for g in goals],
    }
    path.write_text(json.dumps(run, indent=1), encoding="utf-8")
    return path


# --- Django on a scratch database -----------------------------------------------------------


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first line, and ``--keep``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    return parser


@contextmanager
def scratch_django(benchmark: str, *, keep: bool = False) -> Iterator[Path]:
    """Django on a fresh SQLite file in a folder of its own (or on ``DATABASE_URL``), migrated,
    with the Framework loaded; the report's first line names the database, its last the run time.
    The folder (and with it the SQLite database) is removed at the end unless ``keep``.

    With ``DATABASE_URL`` set, that database is used: it must be a throwaway database. The folder
    is ours even then (uploads, static files), never a real one.
    """
    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix=f"seccoop-{benchmark.replace('_', '-')}-"))
    os.environ["SECCOOP_DATA_DIR"] = str(folder)
    os.environ["SECCOOP_DEBUG"] = "1"
    os.environ.setdefault("SECCOOP_LOG_LEVEL", "ERROR")
    (folder / "static").mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "seccoop.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        call_command("load_framework", stdout=io.StringIO())
        say(f"{benchmark} ({connection.vendor}, {os.cpu_count()} cores)")
        yield folder
    finally:
        connection.close()
        if keep and not os.environ.get("DATABASE_URL"):
            say(f"database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    say(f"\ntotal run time {time.perf_counter() - began:.0f} s")


# --- timing ---------------------------------------------------------------------------------


def median_time(
    call: Callable[[], Any], reps: int, before: Callable[[], Any] | None = None
) -> tuple[float, Any]:
    """Median seconds of ``call`` over ``reps`` runs (``before`` runs untimed ahead of each, as
    the start of a request would), and what the last run returned."""
    times = []
    result = None
    for _ in range(max(1, reps)):
        result = None  # the previous result is garbage before the next run, as between requests
        gc.collect()
        if before is not None:
            before()
        t = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def timed_series(
    call: Callable[[Any], Any], args: Iterable[Any], budget: float = math.inf
) -> list[float]:
    """Milliseconds per call, sorted, one call per item of ``args``; stops early once ``budget``
    seconds are spent."""
    times: list[float] = []
    deadline = time.perf_counter() + budget
    for a in args:
        t = time.perf_counter()
        call(a)
        times.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() > deadline:
            break
    return sorted(times)


def count_queries(call: Callable[[], Any], before: Callable[[], Any] | None = None) -> int:
    """The queries one run of ``call`` makes (``before`` runs first, not counted)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    if before is not None:
        before()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        call()
    # Counted now: the next request empties Django's query log.
    return len(queries)


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def latency(sorted_ms: list[float]) -> str:
    """``p50 … ms, p95 … ms`` of sorted milliseconds."""
    return f"p50 {statistics.median(sorted_ms):8.1f} ms, p95 {percentile(sorted_ms, 95):8.1f} ms"


# --- servers on loopback --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up")


def stop(proc: subprocess.Popen[Any]) -> None:
    """End a server started by the benchmark, as its supervisor would (SIGTERM)."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


class Keepalive:
    """One keep-alive HTTP connection to a server on loopback, as a client holds it; after an
    error it reconnects for the next request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, headers: dict[str, str]) -> tuple[float, int]:
        """Seconds of one GET and its status (0: refused, reset or timed out)."""
        began = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return time.perf_counter() - began, status


def server_cmd(kind: str, app: str, port: int, workers: int = WORKERS) -> list[str]:
    if kind == "gunicorn":
        return [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
    module, _, attr = app.partition(":")
    return [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        f"{module}:{attr}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-ws",
    ]


def seccoop_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``seccoop`` process of the benchmark's own: development mode, its own
    data folder, quiet logs."""
    return {
        **os.environ,
        "SECCOOP_DEBUG": "1",
        "SECCOOP_DATA_DIR": str(data),
        "SECCOOP_LOG_LEVEL": "ERROR",
        **extra,
    }


def prepare_demo(env: dict[str, str]) -> None:
    """``seccoop migrate``, ``demo`` and ``collectstatic`` in ``env``: what ``make run`` serves."""
    seccoop = str(BIN / "seccoop")
    for step in (["migrate", "-v0"], ["demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([seccoop, *step], env=env, check=True, stdout=subprocess.DEVNULL)


def sign_in(port: int, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the form as a browser does; return the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/accounts/sign-in/")
    response = conn.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie", "")
    csrf_match = re.search(r"csrftoken=([^;]+)", cookie)
    token_match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if csrf_match is None or token_match is None:
        raise RuntimeError("the sign-in page carried no CSRF token")
    csrf_cookie, token = csrf_match.group(1), token_match.group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    conn.request(
        "POST",
        "/accounts/sign-in/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{port}/accounts/sign-in/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", ""))
    if response.status != 302 or session is None:
        raise RuntimeError(f"demo sign-in of {username} failed")
    return f"sessionid={session.group(1)}; csrftoken={csrf_cookie}"
