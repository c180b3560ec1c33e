"""``seccoop indicators template --out FILE`` and ``seccoop indicators import FILE [--dry-run]``.

Exit status 0 when the file was imported (or, with ``--dry-run``, would be); 1 when anything is
wrong, with every problem printed by row and column, and nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from seccoop.accounts.services import command_actor
from seccoop.core.importing import import_arguments, run_command
from seccoop.core.policy import allowed_owner_ids
from seccoop.monitoring.importer import template_workbook
from seccoop.monitoring.models import Value
from seccoop.monitoring.services import ValuesImporter


class Command(BaseCommand):
    help = "Reported indicator values: write the workbook template, or import a filled one."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        import_arguments(sub, "a workbook of values")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "template":
            Path(options["out"]).write_bytes(template_workbook(command_actor(None)))
            self.stdout.write(f"wrote {options['out']}")
            return

        def importer() -> ValuesImporter:
            actor = command_actor(options.get("username"))
            return ValuesImporter(actor, allowed_owner_ids=allowed_owner_ids(Value, actor))

        run_command(self, options, ValuesImporter, importer)
