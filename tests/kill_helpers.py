"""``kill -9`` at a chosen moment of a write, and what the database holds afterwards.

A write runs as its own process on a database of its own (``tests.test_backup.Database``). Either
the process is killed after a delay (``kill_after``), or it pauses at a named moment and is killed
there (``kill_at``): at the k-th save of a model (``"app_label.Model:k"``) or just before its
transaction commits (``"commit"``). A pause sleeps in the middle of the write, with everything
before it sent to the database and nothing after it, so the kill lands exactly there whatever the
machine's speed.

``state`` is what the test compares: the row count of every table, and any further queries that
read what an update changes. A write that is all or nothing leaves either the state before it or
the state after it, never a third one.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from .test_backup import ON_POSTGRES, SECCOOP, Database

#: Python run before the job: Django set up, and the pause installed where the first argument says.
PRELUDE = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seccoop.settings")
import django
django.setup()
from django.apps import apps
from django.db import connections
from django.db.models.signals import post_save

_marker, _where = sys.argv[1], sys.argv[2]
sys.argv[1:] = sys.argv[3:]


def _pause():
    open(_marker, "w").close()
    time.sleep(600)


if _where == "commit":
    _db = connections["default"]
    _commit = _db.commit

    def _paused_commit():
        _pause()
        _commit()

    _db.commit = _paused_commit
elif _where:
    _label, _k = _where.split(":")
    _seen = [0]

    def _on_save(sender, **kwargs):
        _seen[0] += 1
        if _seen[0] == int(_k):
            _pause()

    post_save.connect(_on_save, sender=apps.get_model(_label), weak=False)
"""


def run(db: Database, job: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``job`` (Python, after the prelude) to its end, with no pause."""
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + job, "", "", *args],
        env=db.env,
        cwd=db.folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def kill_at(db: Database, job: str, where: str, *args: str, timeout: float = 120) -> None:
    """Start ``job``, wait until it pauses at ``where``, and kill it with SIGKILL."""
    marker = db.folder / f"paused-{time.monotonic_ns()}"
    process = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + job, str(marker), where, *args],
        env=db.env,
        cwd=db.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not marker.exists():
            if process.poll() is not None:
                err = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"the job ended before it reached {where}: {err[-3000:]}")
            assert time.monotonic() < deadline, f"the job did not reach {where}"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL, process.returncode


def kill_after(db: Database, args: list[str], delay: float) -> bool:
    """Run ``seccoop ARGS`` and kill it after ``delay`` seconds; whether it had already ended."""
    process = subprocess.Popen(
        [*SECCOOP, *args],
        env=db.env,
        cwd=db.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    finished = process.poll() is not None
    if not finished:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return finished


def tables(db: Database) -> list[str]:
    if ON_POSTGRES:
        rows = db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        rows = db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return sorted(str(name) for (name,) in rows)


def state(db: Database, *queries: str) -> dict[str, Any]:
    """Every table's row count, then each query's rows."""
    counts = " UNION ALL ".join(
        f"SELECT '{name}', COUNT(*) FROM \"{name}\""  # noqa: S608 - names the database listed
        for name in tables(db)
    )
    found: dict[str, Any] = {str(name): int(str(n)) for name, n in db.query(counts)}
    for sql in queries:
        found[sql] = db.query(sql)
    return found


def difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two states: ``{key: (before, after)}``."""
    return {
        key: (before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
