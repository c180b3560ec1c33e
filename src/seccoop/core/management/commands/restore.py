"""``seccoop restore FILE --yes``: restore a backup into the configured database, then verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `seccoop backup`, replacing the database, and verify row counts."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the backup file; its manifest must lie beside it")
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the current database is replaced"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "Restoring replaces the whole database: repeat with --yes to confirm."
            )
        try:
            manifest = restore(Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restore: {len(manifest.counts)} tables, {sum(manifest.counts.values())} rows, "
            "every table's count matches the manifest"
        )
