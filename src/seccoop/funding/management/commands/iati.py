"""``seccoop iati export --out FILE [--partner CODE]`` and ``seccoop iati import FILE``.

Export writes the platform's TLP:CLEAR activities as an IATI 2.03 activity file (one partner's
with ``--partner``). Import reads a partner's published activity file, all or nothing: exit status
0 with the report printed (and stored), or 1 with every problem named and nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.services import command_actor
from seccoop.core.audit import record_export
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation
from seccoop.funding.iati import IatiError, export_activities, import_activities


class Command(BaseCommand):
    help = "IATI 2.03 activity files: export the platform's activities, or import a partner's."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the IATI activity file")
        export.add_argument("--out", required=True)
        export.add_argument("--partner", help="only this partner's (organisation code)")
        imp = sub.add_parser("import", help="import a partner's IATI activity file")
        imp.add_argument("file")
        imp.add_argument("--as", dest="username", help="act as this user (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            actor = command_actor(None)
            partner = None
            if options.get("partner"):
                partner = Organisation.objects.filter(
                    code__iexact=options["partner"], kind="partner"
                ).first()
                if partner is None:
                    raise CommandError(f"--partner: no partner {options['partner']!r}.")
            out = Path(options["out"])
            if not out.parent.is_dir():
                raise CommandError(f"--out: no folder {out.parent}.")
            data = export_activities(actor, partner=partner)
            out.write_bytes(data)
            record_export(
                "iati.activities",
                fmt="xml",
                marking=TLP.CLEAR,
                actor=actor,
                filters={"partner": partner.code} if partner else {},
            )
            self.stdout.write(f"wrote {out} ({len(data):,} bytes)")
            return
        try:
            actor = command_actor(options.get("username"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            result = import_activities(path.read_bytes(), actor=actor, source=path.name)
        except IatiError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(
                f"{path.name}: {len(exc.errors)} problem(s); nothing was imported."
            ) from None
        for line in result.lines:
            self.stdout.write(line)
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(result.summary.items()))
        self.stdout.write(f"imported {path.name} (report {result.report_id}): {summary}")
