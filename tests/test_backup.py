"""``seccoop backup`` and ``seccoop restore``: a copy taken while the platform writes restores whole.

The commands run as separate processes on a database of their own (a data folder for SQLite, a
scratch database when ``DATABASE_URL`` names PostgreSQL), as an operator would run them. A writer
process adds audit events the whole time the backup runs. The restore into an empty database must
match the manifest table by table, keep the audit trail's append-only trigger, and a backup whose
bytes changed is refused.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECCOOP = [sys.executable, "-m", "seccoop.cli"]
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql://"))

WRITER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seccoop.settings")
import django
django.setup()
from seccoop.core.audit import record_event
stop = sys.argv[1]
n = 0
while not os.path.exists(stop) and n < 5000:
    record_event("backup.test.write", object_type="test", object_id=str(n))
    n += 1
    if n == 20:
        open(stop + ".started", "w").close()
print(n)
"""


class Database:
    """One database the commands run against: its environment and how to query it directly."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            {
                "SECCOOP_DEBUG": "1",
                "PYTHONPATH": str(ROOT / "src"),
                "DJANGO_SETTINGS_MODULE": "seccoop.settings",
            }
        )
        self.folder = tmp / name
        self.folder.mkdir()
        self.env["SECCOOP_DATA_DIR"] = str(self.folder)
        self.pg_name = ""
        if ON_POSTGRES:
            import psycopg

            base = POSTGRES_URL.rsplit("/", 1)[0]
            self.pg_name = f"seccoop_backup_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.env["DATABASE_URL"] = f"{base}/{self.pg_name}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*SECCOOP, *args], env=self.env, cwd=self.folder, capture_output=True, text=True
        )
        if check:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if ON_POSTGRES:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as db:
                return list(db.execute(sql).fetchall())
        with sqlite3.connect(self.folder / "seccoop.sqlite3") as db:
            return list(db.execute(sql).fetchall())

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            base = POSTGRES_URL.rsplit("/", 1)[0]
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    source, target = Database(tmp_path, "source"), Database(tmp_path, "target")
    try:
        yield source, target
    finally:
        source.drop()
        target.drop()


def test_a_backup_taken_during_writes_restores_whole(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    source, target = databases
    source.run("migrate", "--verbosity", "0")
    source.run("load-framework")
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env=source.env,
        cwd=source.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not Path(str(stop) + ".started").exists():
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.05)
        backup_file = tmp_path / "seccoop.backup"
        made = source.run("backup", "--out", str(backup_file))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.strip())
    assert "backup:" in made.stdout

    manifest = json.loads((tmp_path / "seccoop.backup.manifest.json").read_text())
    events_in_backup = manifest["counts"]["core_auditevent"]
    # The copy is of one instant during the writes: some events, but not those written after.
    assert 20 <= events_in_backup <= written + 100
    assert manifest["counts"]["framework_party"] == 17

    restored = target.run("restore", str(backup_file), "--yes")
    assert "every table's count matches the manifest" in restored.stdout
    for table, expected in manifest["counts"].items():
        (count,) = target.query(f'SELECT COUNT(*) FROM "{table}"')[0]  # noqa: S608 - names from the manifest the test just read
        assert count == expected, table
    # The audit trail is still append-only in the restored database.
    with pytest.raises(Exception, match="append-only"):
        target.query("UPDATE core_auditevent SET action = 'changed'")
    assert target.run("migrate", "--check").returncode == 0


def test_a_changed_or_incomplete_backup_is_refused(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    source, target = databases
    backup_file = tmp_path / "b.backup"
    source.run("backup", "--out", str(backup_file))

    again = source.run("backup", "--out", str(backup_file), check=False)
    assert again.returncode != 0 and "exists already" in again.stderr

    unconfirmed = target.run("restore", str(backup_file), check=False)
    assert unconfirmed.returncode != 0 and "--yes" in unconfirmed.stderr

    data = bytearray(backup_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup_file.write_bytes(bytes(data))
    tampered = target.run("restore", str(backup_file), "--yes", check=False)
    assert tampered.returncode != 0 and "SHA-256" in tampered.stderr

    (tmp_path / "b.backup.manifest.json").unlink()
    missing = target.run("restore", str(backup_file), "--yes", check=False)
    assert missing.returncode != 0 and "manifest" in missing.stderr
