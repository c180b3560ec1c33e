"""Loading the Framework's reference data, idempotently.

``load_framework`` reads the data file shipped in the package and creates or updates every record
by its natural key. A record is saved only when a value differs, so a second run writes nothing
(no history rows, no version bumps).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import translation

from seccoop.core.money import load_reference_rates

from .models import (
    Body,
    Category,
    Criterion,
    EngagementLevel,
    Instrument,
    LevelAuthority,
    Mechanism,
    Organisation,
    Participation,
    Party,
    ReportingAuthority,
    Responsibility,
    StrategicPriority,
)

LANGS = [code for code, _name in settings.LANGUAGES]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, model: type[models.Model]) -> None:
        bucket = getattr(self, kind)
        name = model._meta.model_name or ""
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def commission() -> Organisation | None:
    """The Caribbean-United States Security Cooperation Commission: the owner of the records the
    Framework's bodies keep together (meetings, shared reference series, proposed measures)."""
    return Organisation.objects.filter(code="COMMISSION").first()


def framework_data() -> dict[str, Any]:
    text = resources.files("seccoop.framework").joinpath("data/framework.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _translated(name: str, value: Any) -> dict[str, Any]:
    """{"en": .., "es": ..} -> {name_en: .., name_es: ..}; a missing language stays empty."""
    if not isinstance(value, dict):
        return {name: value}
    out = {f"{name}_{lang}": value.get(lang, "") or "" for lang in LANGS}
    out[name] = value.get("en", "")
    return out


def _values(
    raw: dict[str, Any], translated: tuple[str, ...], plain: tuple[str, ...]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in translated:
        values.update(_translated(key, raw.get(key, {"en": ""})))
    for key in plain:
        values[key] = raw.get(key)
    return values


def _upsert(
    report: LoadReport,
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    actor: Any,
) -> Any:
    obj = model.objects.filter(**lookup).first()  # type: ignore[attr-defined]  # every reference model has the restricted manager
    if obj is None:
        obj = model(**lookup, **values)
        obj._change_reason = "Loaded from the Framework"
        if actor is not None:
            obj._history_user = actor
        obj.save()
        report.count("created", model)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if not changed:
        report.count("unchanged", model)
        return obj
    for key in changed:
        setattr(obj, key, values[key])
    obj.version += 1
    obj._change_reason = "Updated from the Framework data file"
    if actor is not None:
        obj._history_user = actor
    obj.save()
    report.count("updated", model)
    return obj


@transaction.atomic
def load_framework(*, actor: Any = None, data: dict[str, Any] | None = None) -> LoadReport:
    """Create or update every Framework record from the shipped data file (idempotent)."""
    data = data or framework_data()
    report = LoadReport()
    with translation.override("en"):
        orgs: dict[str, Organisation] = {}
        for raw in data["organisations"]:
            values = _values(raw, ("name", "short_name", "description"), ("kind", "side"))
            orgs[raw["code"]] = _upsert(report, Organisation, {"code": raw["code"]}, values, actor)
        for raw in data["organisations"]:
            parent = orgs.get(raw["parent"]) if raw.get("parent") else None
            _upsert(report, Organisation, {"code": raw["code"]}, {"parent": parent}, actor)
        for raw in data["parties"]:
            values = {
                k: raw[k]
                for k in (
                    "iso2",
                    "iso3",
                    "iso_numeric",
                    "languages",
                    "currencies",
                    "caricom_status",
                    "time_zone",
                    "population",
                )
            }
            party = _upsert(report, Party, {"organisation": orgs[raw["code"]]}, values, actor)
            for p in raw.get("participations", []):
                _upsert(
                    report,
                    Participation,
                    {"party": party, "start": date.fromisoformat(p["start"])},
                    {"end": date.fromisoformat(p["end"]) if p["end"] else None, "note": p["note"]},
                    actor,
                )
        for raw in data["partners"]:
            _upsert(
                report,
                Organisation,
                {"code": raw["code"]},
                {"iati_identifier": raw["iati_identifier"], "iati_type": raw["iati_type"]},
                actor,
            )
        for raw in data["bodies"]:
            values = _values(
                raw,
                ("cadence", "mandate"),
                (
                    "body_type",
                    "meetings_per_year",
                    "venue_rule",
                    "may_include_partners",
                    "may_include_ngos",
                    "source",
                ),
            )
            values["platform_reading"] = ",".join(raw.get("platform_reading", []))
            body = _upsert(report, Body, {"organisation": orgs[raw["code"]]}, values, actor)
            for number, title in enumerate(raw.get("responsibilities", []), start=1):
                _upsert(
                    report,
                    Responsibility,
                    {"body": body, "number": number},
                    _translated("title", title),
                    actor,
                )
        priorities = {}
        for raw in data["priorities"]:
            priorities[raw["code"]] = _upsert(
                report,
                StrategicPriority,
                {"code": raw["code"]},
                _values(raw, ("title",), ("number",)),
                actor,
            )
        for raw in data["categories"]:
            values = _values(raw, ("name", "objective"), ("letter",))
            values["priority"] = priorities[raw["priority"]]
            _upsert(report, Category, {"code": raw["code"]}, values, actor)
        for raw in data["criteria"]:
            _upsert(
                report,
                Criterion,
                {"code": raw["code"]},
                _values(raw, ("short_name", "title"), ()),
                actor,
            )
        for raw in data["levels"]:
            level = _upsert(
                report,
                EngagementLevel,
                {"code": raw["code"]},
                _values(raw, ("name", "description"), ("order",)),
                actor,
            )
            for a in raw["authorities"]:
                _upsert(
                    report,
                    LevelAuthority,
                    {"level": level, "side": a["side"], "number": a["number"]},
                    {
                        "organisation": orgs[a["organisation"]],
                        "required": a["required"],
                        "platform_reading": ",".join(a.get("platform_reading", [])),
                        **_translated("label", a.get("label", {"en": ""})),
                    },
                    actor,
                )
        for raw in data["reporting_authorities"]:
            values = _translated("role", raw["role"])
            values["organisation"] = orgs[raw["organisation"]]
            values["reports_to"] = orgs.get(raw["reports_to"]) if raw.get("reports_to") else None
            _upsert(report, ReportingAuthority, {"number": raw["number"]}, values, actor)
        for raw in data["mechanisms"]:
            values = _values(raw, ("title", "text"), ("category_codes",))
            values["platform_reading"] = ",".join(raw.get("platform_reading", []))
            _upsert(report, Mechanism, {"number": raw["number"]}, values, actor)
        for raw in data["instruments"]:
            _upsert(
                report,
                Instrument,
                {"code": raw["code"]},
                _values(raw, ("title", "description"), ("letter",)),
                actor,
            )
        rates = load_reference_rates(actor=actor)
        report.created["exchangerate"] = rates.created
        report.updated["exchangerate"] = rates.updated
        report.unchanged["exchangerate"] = rates.unchanged
    return report
