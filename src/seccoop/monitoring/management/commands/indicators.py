"""``seccoop indicators template --out FILE`` and ``seccoop indicators import FILE [--dry-run]``.

Exit status 0 when the file was imported (or, with ``--dry-run``, would be); 1 when anything is
wrong, with every problem printed by row and column, and nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.services import command_actor
from seccoop.core.policy import allowed_owner_ids
from seccoop.core.workbooks import CLI_LIMITS, ImportRejected, read_file
from seccoop.monitoring.importer import read_workbook, template_workbook
from seccoop.monitoring.models import Value
from seccoop.monitoring.services import apply_import, plan_import


class Command(BaseCommand):
    help = "Reported indicator values: write the workbook template, or import a filled one."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        template = sub.add_parser("template", help="write the import template")
        template.add_argument("--out", required=True)
        imp = sub.add_parser("import", help="import a workbook of values, all or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        imp.add_argument(
            "--as", dest="username", help="act as this user (default: the system account)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "template":
            Path(options["out"]).write_bytes(template_workbook(command_actor(None)))
            self.stdout.write(f"wrote {options['out']}")
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            # The file is checked (size, zip, bounds, header) before anything else.
            rows = read_workbook(read_file(path, CLI_LIMITS), CLI_LIMITS)
            try:
                actor = command_actor(options.get("username"))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            allowed = allowed_owner_ids(Value, actor)
            plan = plan_import(rows, user=actor, allowed_owner_ids=allowed)
            if plan.errors:
                raise ImportRejected(plan.errors)
            if options["dry_run"]:
                self.stdout.write(
                    "dry run, nothing written: {created} to create, {updated} to update, "
                    "{unchanged} unchanged".format(**plan.summary)
                )
                return
            summary = apply_import(plan, actor=actor, source=path.name)
        except ImportRejected as exc:
            for e in exc.errors:
                where = f"row {e.row}, column {e.column} ({e.field})" if e.row else e.field
                self.stderr.write(f"{where}: {e.message}")
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was written.") from None
        self.stdout.write(
            "imported: {created} created, {updated} updated, {unchanged} unchanged".format(
                **summary
            )
        )
