"""The Framework as the 2010 document says it: the labels on the pages are the document's own
wording, no reporting line is drawn that the document does not give, no U.S. body is labelled
joint, and whatever the platform infers is marked as its reading, on the pages and in the data."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from django.test import Client

from seccoop.framework.models import Body, LevelAuthority, Mechanism, ReportingAuthority

from .test_framework import SEED

pytestmark = pytest.mark.django_db

needs_seed = pytest.mark.skipif(
    not SEED.exists(), reason="the shared seed document is not beside this checkout"
)


def flat(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def seed_text() -> str:
    return flat(SEED.read_text(encoding="utf-8"))


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def overview() -> str:
    response = Client().get("/framework/")
    assert response.status_code == 200
    return response.content.decode()


def data() -> dict:
    return json.loads(
        resources.files("seccoop.framework").joinpath("data/framework.json").read_text("utf-8")
    )


@needs_seed
def test_level_authorities_carry_the_documents_wording(world: None) -> None:
    levels = section(seed_text(), "VI. LEVELS OF ENGAGEMENT", "VII. MECHANISMS")
    for authority in LevelAuthority.objects.select_related("organisation", "level"):
        label = authority.label_en or authority.organisation.name_en
        assert flat(label) in levels, (authority.level.code, label)
    political = LevelAuthority.objects.get(
        level__code="political", organisation__code="US-AGENCIES"
    )
    technical = LevelAuthority.objects.get(
        level__code="technical", organisation__code="US-AGENCIES"
    )
    assert political.display_name == "Other U.S. Government Agencies"
    assert technical.display_name == "U.S. Government Agencies"


@needs_seed
def test_bodies_and_reporting_authorities_are_named_as_in_the_document(world: None) -> None:
    text = seed_text()
    reporting = section(text, "b. Caribbean States and United States Reporting", "D. Review")
    for ra in ReportingAuthority.objects.select_related("organisation"):
        name = ra.organisation.name_en
        assert flat(name.split(" (")[0]) in reporting or flat(name) in text, name
    for body in Body.objects.select_related("organisation"):
        assert flat(body.organisation.name_en) in text, body.organisation.code


@needs_seed
def test_the_pages_show_the_documents_wording_for_us_agencies(world: None) -> None:
    page = overview()
    text = seed_text()
    assert "Other U.S. Government Agencies" in text and "(1) U.S. Government Agencies" in text
    items = re.findall(r"<li>([^<]*?)(?: <span|</li>)", page)
    assert items.count("Other U.S. Government Agencies") == 1
    assert items.count("U.S. Government Agencies") == 1


def test_no_reporting_line_the_document_does_not_give(world: None) -> None:
    assert not ReportingAuthority.objects.exclude(reports_to=None).exists()
    assert not ReportingAuthority.objects.exclude(role="").exists()
    assert all(r["reports_to"] is None for r in data()["reporting_authorities"])
    page = overview()
    assert "→" not in page
    diagram = Client().get("/framework/diagram/").content.decode()
    assert "marker-end" not in diagram and "faint" not in diagram and "dashed" not in diagram
    # The eight authorities are all drawn, in the document's order.
    assert re.findall(r'id="authority-(\d)"', diagram) == [str(n) for n in range(1, 9)]


def test_no_us_body_is_labelled_joint(world: None) -> None:
    page = overview()
    for li in re.findall(r"<li>(.*?)</li>", page, re.S):
        if "U.S." in li or "United States" in li.split("(")[0]:
            if "Caribbean-United States" in li:
                continue  # the Commission and the working groups are joint bodies
            assert "Joint Caribbean-United States" not in li, li
    dos = [li for li in re.findall(r"<li>(.*?)</li>", page, re.S) if "Department of State" in li]
    assert dos and all("Joint" not in li for li in dos)


def test_every_inference_is_marked_as_the_platforms_reading(world: None) -> None:
    raw = data()
    for level in raw["levels"]:
        for a in level["authorities"]:
            if level["code"] != "political":
                # "existing or required (in bold)": the bold type is not in the text.
                assert a.get("platform_reading") == ["required"], (level["code"], a)
            assert not (a["required"] and "required" not in a.get("platform_reading", []))
    for m in raw["mechanisms"]:
        if m["category_codes"]:
            assert m.get("platform_reading") == ["category_codes"], m["number"]
    crmc = next(b for b in raw["bodies"] if b["code"] == "CRMC")
    assert crmc.get("platform_reading") == ["cadence"]
    # In the database, and visibly on the pages.
    required = LevelAuthority.objects.filter(required=True)
    assert required.exists() and all("required" in a.reading_fields for a in required)
    linked = Mechanism.objects.exclude(category_codes="")
    assert linked.exists() and all("category_codes" in m.reading_fields for m in linked)
    page = overview()
    assert 'data-testid="reading-note"' in page
    badges = page.count('<span class="reading">')
    assert badges == 1 + required.count() + linked.count() + 1  # note, flags, links, cadence
    crmc_page = Client().get(f"/framework/bodies/{Body.objects.get(organisation__code='CRMC').pk}/")
    assert crmc_page.status_code == 200
    assert '<span class="reading">platform\'s reading</span>' in crmc_page.content.decode()
