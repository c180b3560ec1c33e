"""``seccoop check``: Django's system checks plus a report of the configuration in force."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands.check import Command as DjangoCheck


class Command(DjangoCheck):
    help = "Check the configuration and security settings; exits non-zero on a problem."

    def handle(self, *app_labels: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        engine = "PostgreSQL" if "postgresql" in db["ENGINE"] else "SQLite"
        lines = [
            f"mode: {'development (SECCOOP_DEBUG=1)' if settings.DEV_MODE else 'production'}",
            f"database: {engine}",
            f"data folder: {settings.DATA_DIR}",
            f"second factor required: {'yes' if settings.SECCOOP_REQUIRE_2FA else 'no'}",
            f"session: {settings.SESSION_IDLE_SECONDS // 60} min idle, {settings.SESSION_ABSOLUTE_SECONDS // 3600} h absolute",
            f"allowed hosts: {', '.join(settings.ALLOWED_HOSTS)}",
        ]
        if options.get("verbosity", 1) >= 1:
            for line in lines:
                self.stdout.write(line)
        super().handle(*app_labels, **options)
