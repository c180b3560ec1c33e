"""Write the API's OpenAPI document (committed as docs/api/openapi.json; a test fails on drift)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand


def openapi_text() -> str:
    from seccoop.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
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
