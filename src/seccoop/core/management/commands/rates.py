"""``seccoop rates import [FILE] [--dry-run]``: load exchange rates (date,currency,units_per_usd,
source), all or nothing; without a file, the rates shipped with seccoop.

Exit status 0 when the file was imported (or, with ``--dry-run``, would be); 1 when anything is
wrong, with every problem printed by row and column, and nothing written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from seccoop.core.importing import import_arguments, run_command
from seccoop.core.money import RatesImporter, load_reference_rates


class Command(BaseCommand):
    help = "Import exchange rates from a CSV file (default: the rates shipped with seccoop), all or nothing."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        import_arguments(sub, "a CSV file of rates", template=False, acting=False)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("file"):
            run_command(self, options, RatesImporter, lambda: RatesImporter(None))
            return
        try:
            result = load_reference_rates()
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("The rates were not imported.") from None
        self.stdout.write(
            f"rates: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
