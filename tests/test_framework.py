"""The Framework as the 2010 document sets it out: data, loader, pages and API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from seccoop.framework.models import (
    Body,
    Category,
    Criterion,
    EngagementLevel,
    Instrument,
    Mechanism,
    Organisation,
    Party,
    ReportingAuthority,
    StrategicPriority,
)
from seccoop.framework.services import load_framework

pytestmark = pytest.mark.django_db

#: The source document, in ``../shared/seed`` beside the repository (or beside the folder that
#: holds this checkout).
SEED = next(
    (
        base / "shared" / "seed" / "framework-2010.txt"
        for base in Path(__file__).resolve().parents[2:4]
        if (base / "shared" / "seed" / "framework-2010.txt").exists()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "seed" / "framework-2010.txt",
)


def test_the_framework_is_complete(world: None) -> None:
    assert [p.code for p in StrategicPriority.objects.all()] == ["I", "II", "III"]
    assert [c.code for c in Category.objects.all()] == [
        "I.a",
        "I.b",
        "I.c",
        "I.d",
        "II.a",
        "II.b",
        "II.c",
        "II.d",
        "II.e",
        "III.a",
        "III.b",
        "III.c",
    ]
    assert Criterion.objects.count() == 3
    assert [lv.code for lv in EngagementLevel.objects.all()] == [
        "political",
        "diplomatic",
        "technical",
    ]
    assert ReportingAuthority.objects.count() == 8
    assert Mechanism.objects.count() == 6
    assert [i.code for i in Instrument.objects.all()] == ["FRAMEWORK", "DECLARATION", "PLAN"]
    assert Party.objects.count() == 17
    assert Party.objects.filter(organisation__side="caribbean").count() == 16
    commission = Body.objects.get(organisation__code="COMMISSION")
    assert commission.meetings_per_year == 2
    assert [r.title for r in commission.responsibilities.all()] == [
        "Dialogue and its preparations",
        "Monitoring implementation",
        "Resource mobilization",
        "Reporting and metrics",
    ]
    dialogue = Body.objects.get(organisation__code="DIALOGUE")
    assert (dialogue.meetings_per_year, dialogue.venue_rule) == (1, "alternate")
    twg = Body.objects.get(organisation__code="TWG")
    assert twg.may_include_partners and twg.may_include_ngos
    assert Body.objects.filter(organisation__code="CRMC").exists()


@pytest.mark.skipif(
    not SEED.exists(), reason="the shared seed document is not beside this checkout"
)
def test_category_objectives_are_the_seed_text(world: None) -> None:
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    for category in Category.objects.all():
        assert f"{category.name_en}: {category.objective_en}".rstrip(".") in text, category.code


def test_parties_have_codes_languages_currencies_and_membership(world: None) -> None:
    jam = Party.objects.get(iso3="JAM")
    assert (jam.iso2, jam.iso_numeric, jam.currencies) == ("JM", "388", "JMD")
    assert Party.objects.get(iso3="HTI").languages == "fr,ht"
    assert Party.objects.get(iso3="SUR").languages == "nl"
    assert Party.objects.get(iso3="DOM").languages == "es"
    assert jam.is_member_on()
    assert jam.participations.get().start.isoformat() == "2010-05-27"


def test_load_framework_is_idempotent(world: None) -> None:
    histories = sum(m.history.count() for m in (Organisation, Category, Party, Body))
    report = load_framework()
    assert report.changed == 0
    assert sum(m.history.count() for m in (Organisation, Category, Party, Body)) == histories


def test_cli_migrate_and_load_twice_on_a_new_sqlite_file(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(SECCOOP_DEBUG="1", SECCOOP_DATA_DIR=str(tmp_path))
    seccoop = [sys.executable, "-m", "seccoop.cli"]
    subprocess.run([*seccoop, "migrate", "-v0"], env=env, check=True, timeout=300)
    first = subprocess.run(
        [*seccoop, "load-framework"], env=env, check=True, capture_output=True, text=True
    )
    second = subprocess.run(
        [*seccoop, "load-framework"], env=env, check=True, capture_output=True, text=True
    )
    assert "0 created, 0 updated" not in first.stdout
    assert "0 created, 0 updated" in second.stdout
    import sqlite3

    database = sqlite3.connect(tmp_path / "seccoop.sqlite3")
    assert (
        database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    )  # embedded mode runs in WAL
    database.close()


def test_api_categories_and_parties(world: None) -> None:
    client = Client()
    categories = client.get("/api/v1/framework/categories").json()
    assert categories["count"] == 12
    assert [c["code"] for c in categories["items"]][0] == "I.a"
    assert {c["priority_code"] for c in categories["items"]} == {"I", "II", "III"}
    assert next(c for c in categories["items"] if c["code"] == "II.b")["priority_code"] == "II"
    parties = client.get("/api/v1/framework/parties").json()
    assert parties["count"] == 17
    assert len(parties["items"]) == 17
    assert {p["iso3"] for p in parties["items"]} >= {"JAM", "BRB", "DOM", "USA", "HTI", "SUR"}
    filtered = client.get("/api/v1/framework/categories?priority=III").json()
    assert [c["code"] for c in filtered["items"]] == ["III.a", "III.b", "III.c"]
    searched = client.get("/api/v1/framework/categories?q=corruption").json()
    assert [c["code"] for c in searched["items"]] == ["III.c"]


@pytest.mark.parametrize(
    "path",
    [
        "priorities",
        "criteria",
        "levels",
        "bodies",
        "organisations",
        "reporting-authorities",
        "mechanisms",
        "instruments",
    ],
)
def test_every_framework_list_is_served(world: None, path: str) -> None:
    response = Client().get(f"/api/v1/framework/{path}")
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_api_content_follows_the_language(world: None) -> None:
    response = Client().get("/api/v1/framework/categories?limit=1", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["items"][0]["name"] == "Lucha contra los estupefacientes"
    assert (
        Client().get("/api/v1/framework/categories?limit=1").json()["items"][0]["name"]
        == "Counternarcotics"
    )


def test_bad_filter_is_a_field_keyed_400(world: None) -> None:
    response = Client().get("/api/v1/framework/organisations?kind=planet")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"


def test_pages_in_every_language(world: None) -> None:
    client = Client()
    for prefix, word in [
        ("", "Categories"),
        ("/es", "Categorías"),
        ("/fr", "Catégories"),
        ("/nl", "Categorieën"),
    ]:
        page = client.get(f"{prefix}/framework/categories/")
        assert page.status_code == 200
        assert word in page.content.decode(), prefix
    home = client.get("/es/").content.decode()
    assert 'lang="es"' in home
    assert "Iniciar sesión" in home


def test_language_switcher_redirects_to_the_translated_page(world: None) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/framework/"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/framework/"


def test_diagram_is_an_accessible_svg(world: None) -> None:
    page = Client().get("/framework/diagram/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'role="img"' in page
    for ident in [
        "body-dialogue",
        "body-commission",
        "body-twg",
        "body-crmc",
        "authority-8",
        "level-technical",
    ]:
        assert f'id="{ident}"' in page


def test_detail_pages_and_history(client_for: Any) -> None:
    client = client_for(None)
    category = Category.objects.get(code="II.a")
    assert (
        "Reduce violent crime"
        in client.get(f"/framework/categories/{category.pk}/").content.decode()
    )
    party = Party.objects.get(iso3="JAM")
    assert "JMD" in client.get(f"/framework/parties/{party.pk}/").content.decode()
    body = Body.objects.get(organisation__code="COMMISSION")
    assert (
        "Monitoring implementation" in client.get(f"/framework/bodies/{body.pk}/").content.decode()
    )
    assert client.get(f"/framework/categories/{category.pk}/history/").status_code == 200


def test_only_administrators_edit_reference_data(client_for: Any, django_user_model: Any) -> None:
    category = Category.objects.get(code="I.a")
    url = f"/framework/categories/{category.pk}/edit/"
    assert client_for("secretariat").get(url).status_code == 403
    admin = django_user_model.objects.create_superuser(
        "platform_admin", "a@example.invalid", "x" * 20
    )
    client = Client()
    client.force_login(admin)
    data = {
        f"{f}_{lang}": getattr(category, f"{f}_{lang}")
        for f in ("name", "objective")
        for lang in ("en", "es", "fr", "nl")
    }
    data.update(form_version=category.version, name_es="Antinarcóticos")
    missing_reason = client.post(url, data)
    assert missing_reason.status_code == 400
    data["change_reason"] = "Agreed wording"
    assert client.post(url, data).status_code == 302
    category.refresh_from_db()
    assert category.name_es == "Antinarcóticos"
    assert category.history.first().history_change_reason == "Agreed wording"
