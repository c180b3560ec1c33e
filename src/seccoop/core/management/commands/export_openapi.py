"""Write the API's OpenAPI document (committed as docs/api/openapi.json; a test fails on drift)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand


def openapi_text() -> str:
    """The document exactly as the running application serves it at /api/v1/openapi.json."""
    from django.test import Client

    response = Client().get("/api/v1/openapi.json", HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise RuntimeError(f"/api/v1/openapi.json answered {response.status_code}")
    schema = json.loads(response.content)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI document of /api/v1 to a file (default: standard output)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", help="file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        text = openapi_text()
        if options.get("out"):
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {options['out']}")
        else:
            self.stdout.write(text, ending="")
