"""Backups that are safe while the platform writes, and restores that are verified.

``seccoop backup --out FILE`` writes a consistent copy of the whole database and, beside it,
``FILE.manifest.json``: the engine, the SHA-256 of the file and the row count of every table as of
the copy. ``seccoop restore FILE`` checks the file against its manifest, restores it into the
configured database, and then compares every table's row count with the manifest. A restore that
does not match is reported as failed.

- **SQLite**: SQLite's online backup API copies the database page by page inside one read
  transaction, so writers carry on and the copy is consistent. Restoring copies the backup back
  with the same API, which replaces the whole database in one step.
- **PostgreSQL**: the row counts are read in one repeatable-read transaction whose snapshot is
  handed to ``pg_dump --format=custom --snapshot=…``, so the dump and the counts describe the
  same instant while writers carry on. Restoring runs ``pg_restore --clean --if-exists
  --single-transaction``, so a failed restore leaves the database as it was.

The audit trail's append-only trigger is part of the schema, so it travels with the backup; the
tests check that it still refuses updates after a restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    """A backup or restore that could not be done or verified; the message says why."""


@dataclass
class Manifest:
    engine: str
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        data = {"engine": self.engine, "sha256": self.sha256, "counts": self.counts}
        path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                engine=str(data["engine"]),
                sha256=str(data["sha256"]),
                counts={str(k): int(v) for k, v in data["counts"].items()},
            )
        except FileNotFoundError:
            raise BackupError(f"The manifest {path.name} is missing beside the backup.") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"The manifest {path.name} cannot be read: {exc}.") from None


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: int(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])  # noqa: S608 - names come from sqlite_master
        for name in names
    }


def database_counts() -> dict[str, int]:
    """The row count of every table of the configured database, by table name."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts: dict[str, int] = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - names come from the database's own catalogue
            counts[name] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings_dict: dict[str, Any] = connection.settings_dict
    args = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed PostgreSQL client programs, no shell
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client programs."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(out: Path) -> Manifest:
    """Write a consistent copy of the database to ``out`` and its manifest beside it."""
    out = out.resolve()
    if out.exists():
        raise BackupError(f"{out.name} exists already; choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = connection.connection
        target = sqlite3.connect(out)
        try:
            source.backup(target)
            counts = _sqlite_counts(target)
            (ok,) = target.execute("PRAGMA integrity_check").fetchone()
        finally:
            target.close()
        if ok != "ok":
            out.unlink(missing_ok=True)
            raise BackupError(f"The copy failed SQLite's integrity check: {ok}.")
        manifest = Manifest("sqlite", sha256_of(out), counts)
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        # One snapshot: the dump and the counts are taken in the same repeatable-read transaction
        # by exporting the snapshot from this connection and handing it to pg_dump.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = str(cursor.fetchone()[0])
                counts = {}
                for name in sorted(connection.introspection.table_names(cursor)):
                    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 - names come from the database's own catalogue
                    counts[name] = int(cursor.fetchone()[0])
                command = [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(out),
                ]
                _run([*command, *args], env)
            finally:
                cursor.execute("COMMIT")
        manifest = Manifest("postgresql", sha256_of(out), counts)
    else:
        raise BackupError(f"Backups of the {connection.vendor} database are not supported.")
    manifest.write(manifest_path(out))
    return manifest


def restore(source: Path) -> Manifest:
    """Restore ``source`` into the configured database and verify every table's row count."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source.name} does not exist.")
    manifest = Manifest.read(manifest_path(source))
    if sha256_of(source) != manifest.sha256:
        raise BackupError(f"{source.name} does not match its manifest (SHA-256 differs).")
    if manifest.engine != connection.vendor:
        raise BackupError(
            f"{source.name} is a {manifest.engine} backup; the configured database is {connection.vendor}."
        )
    if connection.vendor == "sqlite":
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            backup_db.backup(connection.connection)
        finally:
            backup_db.close()
    else:
        args, env = _pg_env()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(source),
            ],
            env,
        )
    counts = database_counts()
    differences = {
        name: (expected, counts.get(name))
        for name, expected in manifest.counts.items()
        if counts.get(name) != expected
    }
    if differences:
        listed = ", ".join(
            f"{n}: {e} expected, {g} found" for n, (e, g) in sorted(differences.items())
        )
        raise BackupError(f"The restored database does not match the manifest: {listed}.")
    return manifest
