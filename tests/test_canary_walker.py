"""The canary walker: no record reaches a reader the security model does not let see it.

For **every** model governed by markings (``access = "marked"``; found at run time, so a model
added later is covered without editing this test) the walker builds one record per marking —
CLEAR, GREEN, AMBER, AMBER released to Barbados, AMBER+STRICT, and RED named to one person —
owned by Jamaica. Every text field of each record carries a unique canary string. A model whose
records the generic builder cannot make fails the test, unless it is named in ``UNBUILDABLE`` with
the reason.

It then walks, as each persona and anonymously:

- every URL pattern without parameters, and every list page's CSV and XLSX export;
- every URL pattern with one ``pk`` parameter, with the id of every canary record (of the view's
  own model where the view declares one, otherwise of every model);
- every ``GET`` route of the committed OpenAPI document, with the same ids in path parameters.

Each body (decoded, and unzipped for XLSX and DOCX) is searched for every canary that the
**oracle** says the reader must not see. The oracle is written from ``docs/security.md``, not
from the policy's code: CLEAR everyone; GREEN every member; AMBER the owner's and the released
organisations' members (members of an organisation's parts count as within it); AMBER+STRICT
the owner's direct members; RED the named recipients only.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from seccoop.accounts.models import Membership, User
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]

#: Models the generic builder cannot make, each with the reason (none today).
UNBUILDABLE: dict[str, str] = {}

#: (name, tlp, released to, named recipient)
MARKINGS = [
    ("clear", TLP.CLEAR, None, None),
    ("green", TLP.GREEN, None, None),
    ("amber", TLP.AMBER, None, None),
    ("amber-brb", TLP.AMBER, "BRB", None),
    ("strict", TLP.AMBER_STRICT, None, None),
    ("red", TLP.RED, None, "jam_focal"),
]
OWNER = "JAM"
#: Text fields that must hold a real value of their kind rather than a canary string.
REAL_VALUES = {"time_zone": "America/Jamaica"}


@dataclass
class Canary:
    token: str
    model: type[models.Model]
    pk: Any
    tlp: str
    owner: str
    released_to: str | None
    recipient: str | None


def marked_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("seccoop.") and getattr(m, "access", None) == "marked"
    ]


class Builder:
    """Makes a valid record of any marked model from its fields alone."""

    def __init__(self) -> None:
        self.counter = 0
        self.jam = Organisation.objects.get(code=OWNER)
        self.commission = Organisation.objects.get(code="COMMISSION")

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def value(self, field: models.Field, token: str) -> Any:
        if field.name in REAL_VALUES:
            return REAL_VALUES[field.name]
        if field.choices:
            return field.choices[0][0]
        if isinstance(field, models.EmailField):
            return f"{token.lower()}@example.invalid"
        if isinstance(field, models.URLField):
            return f"https://example.invalid/{token}"
        if isinstance(field, models.CharField | models.TextField):
            text = f"{token}"
            return text[: field.max_length] if field.max_length else text
        if isinstance(field, models.DecimalField):
            return Decimal(1) + Decimal(self._next()) / 1000
        if isinstance(field, models.IntegerField | models.FloatField):
            low, high = 1, None
            for validator in field.validators:
                if isinstance(validator, MinValueValidator):
                    low = max(low, int(validator.limit_value))
                if isinstance(validator, MaxValueValidator):
                    high = int(validator.limit_value)
            span = (high if high is not None else low + 30_000) - low + 1
            return low + self._next() % max(span, 1)
        if isinstance(field, models.BooleanField):
            return False
        if isinstance(field, models.DateTimeField):
            from django.utils import timezone

            return timezone.now()
        if isinstance(field, models.DateField):
            return date(2026, 6, 1)
        if isinstance(field, models.UUIDField):
            return uuid.uuid4()
        if isinstance(field, models.JSONField):
            return {}
        raise LookupError(f"no value for {field.__class__.__name__} {field.name}")

    def related(self, field: models.ForeignKey, depth: int) -> Any:
        target = field.related_model
        if target is Organisation and field.name in {"state", "party"}:
            return self.jam
        if target is User:
            return User.objects.get(username="secretariat")
        if getattr(target, "access", None) == "marked":
            # A parent the canary hangs from: public, so that it leaks nothing of its own.
            return self.make(target, f"PARENT{uuid.uuid4().hex[:8]}", TLP.CLEAR, depth + 1)
        # Reference rows in turn, so that a pair of links that must be unique differs each time.
        count = target._default_manager.count()
        if count == 0:
            return self.make(target, f"PARENT{uuid.uuid4().hex[:8]}", TLP.CLEAR, depth + 1)
        return target._default_manager.order_by("pk")[self._next() % count]

    def make(self, model: type[models.Model], token: str, tlp: str, depth: int = 0) -> Any:
        """Required fields first; if the database refuses (a check that one of several optional
        links is set, say), again with every optional link filled as well."""
        try:
            return self._make(model, token, tlp, depth, optional_links=False)
        except IntegrityError:
            return self._make(model, token, tlp, depth, optional_links=True)

    def _make(
        self, model: type[models.Model], token: str, tlp: str, depth: int, optional_links: bool
    ) -> Any:
        if depth > 4:
            raise LookupError(f"{model.__name__}: too deep a chain of required parents")
        values: dict[str, Any] = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in {"owner", "tlp"}:
                continue
            if isinstance(field, models.ForeignKey):
                if field.null and (not optional_links or field.related_model is model):
                    continue
                values[field.name] = self.related(field, depth)
                continue
            text = isinstance(field, models.CharField | models.TextField) and not field.choices
            if text or not (field.has_default() or field.null or field.blank):
                values[field.name] = self.value(field, token)
        instance = model(**values)
        if getattr(model, "access", None) == "marked":
            instance.owner = self.jam if depth == 0 else self.commission
            instance.tlp = tlp
        with transaction.atomic():
            instance.save()
        return instance


def build_canaries() -> tuple[list[Canary], dict[str, str]]:
    builder = Builder()
    canaries: list[Canary] = []
    failures: dict[str, str] = {}
    for model in marked_models():
        if model.__name__ in UNBUILDABLE:
            continue
        for name, tlp, released, recipient in MARKINGS:
            token = f"CANARY{uuid.uuid4().hex[:12].upper()}"
            try:
                obj = builder.make(model, token, tlp)
            except Exception as exc:  # the builder reports any model it cannot make
                failures[model.__name__] = f"{name}: {type(exc).__name__}: {exc}"[:300]
                break
            if released:
                obj.releasable_to.add(Organisation.objects.get(code=released))
            if recipient:
                obj.recipients.add(User.objects.get(username=recipient))
            canaries.append(Canary(token, model, obj.pk, tlp, OWNER, released, recipient))
    return canaries, failures


def within(member_org: Organisation, target_code: str) -> bool:
    """A member of ``member_org`` counts as within ``target_code`` (itself or one of its parents)."""
    org: Organisation | None = member_org
    while org is not None:
        if org.code == target_code:
            return True
        org = org.parent
    return False


def may_see(persona: str | None, canary: Canary) -> bool:
    """The oracle, from docs/security.md."""
    if canary.tlp == TLP.CLEAR:
        return True
    if persona is None:
        return False
    if canary.tlp == TLP.RED:
        return persona == canary.recipient
    memberships = [
        m.organisation
        for m in Membership.objects.select_related("organisation__parent__parent").filter(
            user__username=persona
        )
    ]
    if not memberships:
        return False
    if canary.tlp == TLP.GREEN:
        return True
    if canary.tlp == TLP.AMBER_STRICT:
        return any(org.code == canary.owner for org in memberships)
    allowed = [canary.owner] + ([canary.released_to] if canary.released_to else [])
    return any(within(org, code) for org in memberships for code in allowed)


def routes() -> list[tuple[str, list[str], Any]]:
    """Every URL pattern as (regex-free template, parameter names, view) from the resolver."""
    found: list[tuple[str, list[str], Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            text = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if text.startswith("admin/") or text.startswith("api/"):
                    continue
                walk(entry.url_patterns, prefix + text.lstrip("^"))
            elif isinstance(entry, URLPattern):
                template = prefix + text.lstrip("^").rstrip("$")
                names = re.findall(r"<(?:\w+:)?(\w+)>", template)
                found.append((template, names, entry.callback))

    walk(get_resolver().url_patterns, "/")
    return found


def body_text(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # XLSX and DOCX are zip files of XML
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return " ".join(
                    archive.read(n).decode("utf-8", "replace")
                    for n in archive.namelist()
                    if n.endswith(".xml")
                )
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


def test_no_canary_reaches_a_reader_who_may_not_see_it(world: None) -> None:
    canaries, failures = build_canaries()
    assert failures == {}, (
        "name these models in UNBUILDABLE with the reason, or build them: "
        + "; ".join(f"{k}: {v}" for k, v in failures.items())
    )
    assert {c.model for c in canaries} == set(marked_models()) - {
        m for m in marked_models() if m.__name__ in UNBUILDABLE
    }
    ids_by_model: dict[type[models.Model], list[Any]] = {}
    for canary in canaries:
        ids_by_model.setdefault(canary.model, []).append(canary.pk)
    all_ids = sorted({c.pk for c in canaries})

    pages: list[str] = []
    for template, names, view in routes():
        if not names:
            path = template
            pages.append(path)
            if getattr(getattr(view, "view_class", None), "filterset_class", None) is not None:
                pages += [path + "?export=csv", path + "?export=xlsx"]
        elif names == ["pk"]:
            model = getattr(getattr(view, "view_class", None), "model", None)
            ids = ids_by_model.get(model, all_ids) if model else all_ids
            pages += [template.replace("<pk>", str(i)).replace("<str:pk>", str(i)) for i in ids]
    document = json.loads((ROOT / "docs" / "api" / "openapi.json").read_text(encoding="utf-8"))
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        if not params:
            pages.append(path)
        elif len(params) == 1:
            pages += [path.replace("{" + params[0] + "}", str(i)) for i in all_ids]

    leaks: list[str] = []
    requests = 0
    for persona in [None, *PERSONAS]:
        client = Client()
        if persona:
            client.force_login(User.objects.get(username=persona))
        hidden = [c for c in canaries if not may_see(persona, c)]
        if not hidden:
            continue
        for page in pages:
            response = client.get(page, HTTP_ACCEPT_LANGUAGE="en")
            requests += 1
            if response.status_code >= 500:
                leaks.append(f"{persona or 'anonymous'} {page}: status {response.status_code}")
                continue
            text = body_text(response)
            if "CANARY" not in text:
                continue
            for canary in hidden:
                if canary.token in text:
                    leaks.append(
                        f"{persona or 'anonymous'} {page}: {canary.model.__name__} {canary.tlp}"
                        f"{' released to ' + canary.released_to if canary.released_to else ''}"
                    )
    # The figures the security model quotes (shown with ``pytest -rP``).
    print(
        f"canary walker: {len(canaries)} canaries of {len(ids_by_model)} models, {len(pages)} "
        f"addresses, {requests} requests, {len(leaks)} leaks"
    )
    assert requests > 1000
    assert leaks == [], leaks[:30]
