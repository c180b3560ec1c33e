from typing import Any

from django.core.management.base import BaseCommand

from seccoop.core.db import refresh_statistics
from seccoop.core.demo import reference_loaders
from seccoop.framework.services import load_framework


class Command(BaseCommand):
    help = "Load the Framework's reference data (idempotent: a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_framework()
        created, updated, unchanged = (
            sum(x.values()) for x in (report.created, report.updated, report.unchanged)
        )
        self.stdout.write(
            f"Framework loaded: {created} created, {updated} updated, {unchanged} unchanged."
        )
        for name, loader in reference_loaders():
            loader()
            self.stdout.write(f"reference data: {name} loaded")
        refresh_statistics()
