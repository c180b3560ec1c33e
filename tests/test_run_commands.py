"""What ``make run`` runs: ``seccoop demo``, ``seccoop demo-signins`` and ``seccoop serve``.

The demo commands run in this process on the test database: ``seccoop demo`` through
``call_command`` (the ``seccoop`` entry point closes the database connections when a command ends,
which would end the test's transaction on PostgreSQL), ``seccoop demo-signins`` through
``seccoop.cli.main``, the entry point itself, hyphenated name and all. ``seccoop serve`` runs as
``make run`` runs it, in a process of its own: it prepares its database (migrate, load the
Framework, collect the static files), starts gunicorn on a free port, answers, and stops cleanly
on SIGTERM (a supervisor stopping it) and on SIGINT (Ctrl-C). Its database is a copy of the test
database on SQLite (so that migrating has nothing left to do); on PostgreSQL it migrates a SQLite
file of its own.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

import seccoop
from seccoop.accounts.demo import PERSONAS as DEMO_PERSONAS
from seccoop.accounts.models import User
from seccoop.cli import main as seccoop_command
from seccoop.core.demo import providers

#: One record kind that each demo loader writes, so that a loader writing nothing is noticed.
LOADED = {
    "framework": "framework.Organisation",
    "personas": "accounts.Contact",
    "needs": "needs.Need",
    "plan": "plan.Measure",
    "prioritisation": "prioritization.Score",
    "monitoring": "monitoring.Value",
    "funding": "funding.Transaction",
    "meetings": "meetings.Meeting",
}


def record_counts() -> Counter[str]:
    """Rows of every model of the platform (history rows left out: a re-save may add them)."""
    counts: Counter[str] = Counter()
    for config in apps.get_app_configs():
        if not config.name.startswith("seccoop."):
            continue
        for model in config.get_models():
            if model._meta.model_name.startswith("historical"):
                continue
            counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.mark.django_db
def test_demo_loads_every_module_and_a_second_run_adds_nothing(
    world: None, capsys: Any, settings: Any
) -> None:
    # As on a fresh database: the tests' own personas of the same names go (until the rollback).
    User.objects.filter(username__in=DEMO_PERSONAS).delete()
    call_command("demo")
    first = record_counts()
    loaded = capsys.readouterr().out
    # The loaders run in layer order, each named as it starts.
    names = [name for name, _provider in providers()]
    assert [line[len("demo: ") :] for line in loaded.splitlines() if line.startswith("demo: ")] == (
        names
    )
    assert set(LOADED) <= set(names)
    for name, label in LOADED.items():
        assert first[label] > 0, f"the {name} demo loaded no {label}"
    personas = User.objects.filter(username__in=DEMO_PERSONAS)
    assert personas.count() == len(DEMO_PERSONAS)
    assert all(user.is_demo for user in personas)

    call_command("demo")
    again = record_counts()
    assert {k: (first[k], again[k]) for k in first if first[k] != again[k]} == {}

    # Each persona make run prints signs in with the printed password and gets a home page.
    client = Client()
    signed_in = client.post(
        "/accounts/sign-in/", {"username": "jam_focal", "password": settings.DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:2000]
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-testid="panel-needs"' in home.content.decode()


def test_demo_signins_prints_every_persona_and_the_password(capsys: Any, settings: Any) -> None:
    seccoop_command(["seccoop", "demo-signins"])
    printed = capsys.readouterr().out
    assert f"password for all: {settings.DEMO_PASSWORD}" in printed
    for username in DEMO_PERSONAS:
        assert f"  {username} " in printed
    assert "http://127.0.0.1:8000/" in printed


@pytest.mark.parametrize("command", ["demo", "demo-signins"])
def test_demo_commands_are_refused_in_production_mode(command: str, settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="development mode"):
        call_command(command.replace("-", "_"))


# --- seccoop serve --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(port: int, path: str) -> int:
    """The status of ``GET path`` on the local port; 0 when nothing answers."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0


@pytest.fixture(scope="module")
def serve_folder(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Path:
    """The data folder ``seccoop serve`` is given: on SQLite, with a copy of the test database."""
    folder = tmp_path_factory.mktemp("serve")
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            connection.ensure_connection()
            target = sqlite3.connect(folder / "seccoop.sqlite3")
            try:
                connection.connection.backup(target)
            finally:
                target.close()
    return folder


@pytest.fixture
def serve(serve_folder: Path) -> Iterator[Any]:
    """Start ``seccoop serve`` on a free port (as ``make run`` does); stop it if a test did not."""
    started: list[subprocess.Popen[str]] = []

    def start(*options: str) -> tuple[subprocess.Popen[str], int]:
        port = free_port()
        env = {
            **os.environ,
            "SECCOOP_DEBUG": "1",
            "SECCOOP_DATA_DIR": str(serve_folder),
            "DJANGO_SETTINGS_MODULE": "seccoop.settings",
            # The code under test, whatever the virtual environment has installed.
            "PYTHONPATH": os.pathsep.join(
                [str(Path(seccoop.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
            ),
        }
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "seccoop.cli", "serve", "--port", str(port)]
        proc = subprocess.Popen(
            [*command, "--workers", "1", *options],
            env=env,
            cwd=serve_folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(proc)
        deadline = time.monotonic() + 240
        while status(port, "/healthz") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out, _err = proc.communicate()
                raise AssertionError(f"seccoop serve did not come up:\n{out[-3000:]}")
            time.sleep(0.5)
        return proc, port

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def stops_cleanly(proc: subprocess.Popen[str], port: int, signum: int) -> None:
    proc.send_signal(signum)
    out, _err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-3000:]
    assert "Shutting down: Master" in out
    assert status(port, "/healthz") == 0


@pytest.mark.django_db
def test_serve_prepares_answers_and_stops_on_sigterm(serve: Any) -> None:
    proc, port = serve()
    assert status(port, "/") == 200
    assert status(port, "/framework/") == 200
    assert status(port, "/api/v1/framework/categories") == 200
    assert status(port, "/accounts/sign-in/") == 200
    assert status(port, "/static/css/seccoop.css") == 200  # collected, then served
    stops_cleanly(proc, port, signal.SIGTERM)


@pytest.mark.django_db
def test_serve_stops_on_sigint(serve: Any) -> None:
    proc, port = serve("--no-prepare")
    assert status(port, "/") == 200
    stops_cleanly(proc, port, signal.SIGINT)
