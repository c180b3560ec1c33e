"""``seccoop plan diff V1 V2 [--json]``: what changed between two plan versions."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.services import command_actor
from seccoop.plan.models import PlanVersion
from seccoop.plan.services import diff_versions


class Command(BaseCommand):
    help = "Compare two Plan of Action versions (ids as the API gives them)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        diff = sub.add_parser("diff")
        diff.add_argument("v1", type=int)
        diff.add_argument("v2", type=int)
        diff.add_argument("--json", action="store_true", help="print the diff as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        versions = {
            v.pk: v for v in PlanVersion.objects.filter(pk__in=[options["v1"], options["v2"]])
        }
        for key in ("v1", "v2"):
            if options[key] not in versions:
                raise CommandError(f"No plan version with id {options[key]}.")
        result = diff_versions(
            versions[options["v1"]], versions[options["v2"]], user=command_actor(None)
        )
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, default=str))
            return
        self.stdout.write(
            f"{result['from']['label']} -> {result['to']['label']}: {len(result['added'])} added, "
            f"{len(result['removed'])} removed, {len(result['changed'])} changed, "
            f"{result['unchanged']} unchanged"
        )
        for row in result["added"]:
            self.stdout.write(f"+ {row['code']} {row['title']}")
        for row in result["removed"]:
            self.stdout.write(f"- {row['code']} {row['title']}")
        for row in result["changed"]:
            self.stdout.write(
                f"~ {row['code']}: "
                + "; ".join(f"{c['field']}: {c['from']} -> {c['to']}" for c in row["changes"])
            )
