"""``seccoop demo``: load demo data (development mode only; idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from seccoop.core.db import refresh_statistics
from seccoop.core.demo import DemoContext, providers


class Command(BaseCommand):
    help = "Load the demo personas and data (idempotent). Refused in production mode."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--size", choices=["demo", "large"], default="demo")
        parser.add_argument("--seed", type=int, default=2010)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data exists only in development mode (SECCOOP_DEBUG=1).")
        ctx = DemoContext(
            size=options["size"],
            seed=options["seed"],
            password=settings.DEMO_PASSWORD,
            log=lambda msg: self.stdout.write(msg),
        )
        for name, provider in providers():
            self.stdout.write(f"demo: {name}")
            provider(ctx)
        refresh_statistics()
