"""``seccoop prioritize --cycle YEAR --method wsum|topsis|smaa [--samples N] [--seed S] --json``."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.services import command_actor
from seccoop.prioritization.methods import MAX_SAMPLES
from seccoop.prioritization.models import PrioritizationCycle
from seccoop.prioritization.services import run_ranking


class Command(BaseCommand):
    help = "Rank a prioritisation cycle's measures and save the run (the same seed gives the same result)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cycle", type=int, required=True, help="the cycle's year")
        parser.add_argument("--method", choices=["wsum", "topsis", "smaa"], default="wsum")
        parser.add_argument(
            "--samples", type=int, default=None, help=f"SMAA samples, 1 to {MAX_SAMPLES:,}"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print the ranking as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = PrioritizationCycle.objects.filter(year=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"There is no {options['cycle']} prioritisation cycle.")
        samples = options["samples"]
        if samples is not None and not 1 <= samples <= MAX_SAMPLES:
            raise CommandError(f"--samples must be from 1 to {MAX_SAMPLES:,} (got {samples}).")
        if not 0 <= options["seed"] <= 2**32 - 1:
            raise CommandError(f"--seed must be from 0 to {2**32 - 1} (got {options['seed']}).")
        try:
            run = run_ranking(
                cycle,
                actor=command_actor(None),
                method=options["method"],
                samples=samples,
                seed=options["seed"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        results = run.results
        if options["json"]:
            self.stderr.write(f"saved as run {run.pk}")
            self.stdout.write(json.dumps(results, indent=1, ensure_ascii=False))
            return
        self.stdout.write(
            f"run {run.pk}: {run.get_method_display()}, {len(results['ranking'])} measures"
        )
        for row in results["ranking"][:50]:
            self.stdout.write(
                f"{row['rank']:>4}  {row['score']:.4f}  {row['code']}  {row['title']}"
            )
