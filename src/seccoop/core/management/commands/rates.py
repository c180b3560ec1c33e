"""``seccoop rates import [FILE]``: load exchange rates (date,currency,units_per_usd,source)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from seccoop.core.money import import_rates_csv, shipped_rates_text


class Command(BaseCommand):
    help = "Import exchange rates from a CSV file (default: the rates shipped with seccoop), all or nothing."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import")
        imp.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        text = (
            Path(options["file"]).read_text(encoding="utf-8-sig")
            if options.get("file")
            else shipped_rates_text()
        )
        try:
            result = import_rates_csv(text)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("The rates were not imported.") from None
        self.stdout.write(
            f"rates: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
