"""The API reference page at /api/v1/docs: the OpenAPI document in a viewer served from the
platform's own static files (never a CDN), linked from the footer and the token page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .browser import browser_page
from .conftest import ensure_world

DOCS = "/api/v1/docs"


@pytest.mark.django_db
def test_the_reference_page_uses_only_the_platforms_own_files(client: Client) -> None:
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for url in assets:
        assert not re.match(r"^(https?:)?//", url), f"{url} is fetched from outside the platform"
    static = [u for u in assets if u.startswith("/static/")]
    assert {u.rsplit("/", 1)[-1] for u in static} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
    }
    for url in static:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a shipped static file"
    assert 'id="swagger-settings"' in html
    assert "/api/v1/openapi.json" in html


def test_footer_and_token_page_link_to_the_reference(client_for: Any) -> None:
    home = client_for(None).get("/").content.decode()
    assert f'href="{DOCS}"' in home
    profile = client_for("jam_focal").get("/accounts/profile/").content.decode()
    assert f'href="{DOCS}"' in profile


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reference_renders_every_section_under_the_content_security_policy(
    live_server: Any, monkeypatch: Any
) -> None:
    ensure_world()
    with browser_page(monkeypatch) as (page, errors):
        response = page.goto(f"{live_server.url}{DOCS}")
        assert response is not None and response.status == 200
        page.wait_for_selector(".opblock-tag", timeout=30_000)
        tags = {t.strip().lower() for t in page.locator(".opblock-tag").all_inner_texts()}
        for section in ("framework", "needs", "plan", "monitoring", "funding", "meetings"):
            assert any(t.startswith(section) for t in tags), (section, tags)
        # Open one endpoint: its parameters are documented.
        page.locator(".opblock-tag", has_text="framework").first.click()
        page.locator(".opblock-summary-path", has_text="/api/v1/framework/categories").first.click()
        page.wait_for_selector(".parameters-container", timeout=10_000)
        blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        assert not blocked, blocked
