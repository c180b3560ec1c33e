"""``seccoop needs template --out FILE`` and ``seccoop needs import FILE --cycle YEAR [--dry-run]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.services import command_actor
from seccoop.core.importing import import_arguments, run_command
from seccoop.core.policy import allowed_owner_ids
from seccoop.needs.importer import NeedsImporter, template_workbook
from seccoop.needs.models import AssessmentCycle, Need


class Command(BaseCommand):
    help = "The Needs Assessment Matrix workbook: write the template, or import a filled one."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = import_arguments(sub, "a workbook of needs")
        imp.add_argument("--cycle", type=int, required=True, help="the cycle's year")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "template":
            actor = command_actor(None)
            Path(options["out"]).write_bytes(template_workbook(actor))
            self.stdout.write(f"wrote {options['out']}")
            return

        def importer() -> NeedsImporter:
            actor = command_actor(options.get("username"))
            cycle = AssessmentCycle.objects.filter(year=options["cycle"]).first()
            if cycle is None:
                raise CommandError(f"There is no {options['cycle']} assessment cycle.")
            allowed = allowed_owner_ids(Need, actor)
            return NeedsImporter(actor, cycle=cycle, allowed_owner_ids=allowed)

        run_command(self, options, NeedsImporter, importer)
