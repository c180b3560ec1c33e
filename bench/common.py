"""What the benchmarks share: the report, servers on loopback, signing in, percentiles and goals.

Each goal a benchmark checks is one object with ``name``, ``goal``, ``figure``, ``reference``,
``ratio`` and ``result`` (``"PASS"`` or ``"FAIL"``), printed and appended to
``var/bench/<benchmark>.json`` so that a later run can be compared.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKERS = os.cpu_count() or 2
DEMO_PASSWORD = os.environ.get("SECCOOP_DEMO_PASSWORD") or "caribbean-security-2010"


def say(line: str = "") -> None:
    """The benchmark's report goes to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


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


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


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


def record_goals(benchmark: str, goals: list[Goal]) -> Path:
    """Print each goal and write them, with the time of the run, to ``var/bench/<benchmark>.json``."""
    for goal in goals:
        say(goal.line())
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{benchmark}.json"
    run = {"benchmark": benchmark, "at": datetime.now(UTC).isoformat(), "goals": []}
    run["goals"] = [asdict(g) for g in goals]
    path.write_text(json.dumps(run, indent=1), encoding="utf-8")
    return path
