"""``seccoop backup --out FILE``: a consistent copy of the database, safe while the platform writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.core.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) with a manifest of row counts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--out", required=True, help="the backup file to write (must not exist)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        try:
            manifest = backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.counts.values())
        self.stdout.write(
            f"backup: {out} ({manifest.engine}, {len(manifest.counts)} tables, {rows} rows, "
            f"sha256 {manifest.sha256[:12]}…); manifest {manifest_path(out).name}"
        )
