"""The committed OpenAPI document, the translation catalogues, and the access-path lint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from django.test import Client

from seccoop.core.management.commands.export_openapi import openapi_text

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "seccoop"

pytestmark = pytest.mark.django_db


def test_openapi_is_valid_and_committed_without_drift(world: None) -> None:
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/framework/categories" in document["paths"]
    committed = (ROOT / "docs" / "api" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(openapi_text()), (
        "run `make openapi` and commit the result"
    )


@pytest.mark.parametrize("language", ["es", "fr", "nl"])
def test_catalogues_are_complete_and_compiled(language: str) -> None:
    po = polib.pofile(str(SRC / "locale" / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], untranslated[:10]
    assert fuzzy == [], fuzzy[:10]
    mo = polib.mofile(str(SRC / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, (
            f"{entry.msgid!r} is not compiled: run `make messages`"
        )


def test_every_template_string_is_in_the_catalogue() -> None:
    po = polib.pofile(str(SRC / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in po}
    missing = []
    for template in (SRC / "templates").rglob("*.html"):
        for match in re.finditer(r'{% translate "([^"]+)"', template.read_text(encoding="utf-8")):
            if match.group(1) not in known:
                missing.append((template.name, match.group(1)))
    assert missing == [], "run `make messages` and translate the new strings"


MODEL_NAMES = {
    "Contact",
    "Membership",
    "ApiToken",
    "User",
    "Organisation",
    "Party",
    "Participation",
    "Body",
    "Responsibility",
    "StrategicPriority",
    "Category",
    "Criterion",
    "EngagementLevel",
    "LevelAuthority",
    "ReportingAuthority",
    "Mechanism",
    "Instrument",
    "AuditEvent",
}


def every_model_name() -> set[str]:
    """Every model of the platform (and the user model), found at run time: a model added later
    is covered without editing this test."""
    from django.apps import apps

    return {m.__name__ for m in apps.get_models() if m.__module__.startswith("seccoop.")}


#: The modules that read for a reader: pages, endpoints, home panels, documents, feeds and the
#: publication gate.
READ_LAYERS = (
    "views.py",
    "api.py",
    "home.py",
    "diagram.py",
    "pack.py",
    "charts.py",
    "ical.py",
    "scheduling.py",
    "publication.py",
)


def test_views_and_endpoints_read_only_through_the_access_policy() -> None:
    """A view, endpoint, panel, document or feed never reads ``Model.objects`` of any model
    directly: it calls ``.restrict(user, action)``. A documented exception says why, in a
    ``# access:`` comment on the statement (within its first lines, as the formatter wraps it)."""
    names = every_model_name() | MODEL_NAMES
    assert {"Need", "Measure", "Value", "Transaction", "Meeting", "Run"} <= names
    offenders = []
    files = [p for p in SRC.rglob("*.py") if p.name in READ_LAYERS and "migrations" not in p.parts]
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            for match in re.finditer(r"\b(\w+)\.objects\.(\w+)", line):
                model, method = match.groups()
                statement = " ".join(lines[number - 1 : number + 3])
                if model in names and method != "restrict" and "# access:" not in statement:
                    offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == []
