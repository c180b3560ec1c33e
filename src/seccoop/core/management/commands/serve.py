"""``seccoop serve``: migrate, load the Framework, collect static files, then serve with gunicorn."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prepare the database and serve the platform with the production WSGI server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 2,
            help="worker processes (default: one per core)",
        )
        parser.add_argument(
            "--no-prepare",
            action="store_true",
            help="skip migrate, load-framework and collectstatic",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_prepare"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_framework")
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Serving seccoop at http://{bind}/ with {options['workers']} workers")
        sys.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "seccoop.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
        ]
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
