"""Print the demo sign-ins (development mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from seccoop.accounts.demo import PERSONAS


class Command(BaseCommand):
    help = "Print the demo personas and their password."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo sign-ins exist only in development mode (SECCOOP_DEBUG=1).")
        self.stdout.write("")
        self.stdout.write(f"seccoop demo sign-ins (password for all: {settings.DEMO_PASSWORD})")
        for username, (first, last, roles) in PERSONAS.items():
            where = ", ".join(f"{role} of {code}" for code, role in roles)
            self.stdout.write(f"  {username:<14} {first} {last} — {where}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.")
        self.stdout.write("")
