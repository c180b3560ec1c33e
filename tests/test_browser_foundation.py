"""Key user flow in a real browser: sign in, switch to Spanish, browse the Framework, sign out."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_focal_point_browses_the_framework_in_spanish(live_server: Any, monkeypatch: Any) -> None:
    ensure_world()
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("User name").fill("jam_focal")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Welcome, jam_focal")).to_be_visible()
        expect(page.locator("main")).to_contain_text("State focal point")

        page.get_by_role("button", name="Español").click()
        expect(page).to_have_url(f"{live_server.url}/es/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("link", name="Categorías", exact=True)).to_be_visible()

        page.get_by_role("link", name="Categorías", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/es/framework/categories/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Categorías de colaboración")
        expect(page.locator("table tbody tr")).to_have_count(12)
        expect(page.get_by_role("link", name="Lucha contra los estupefacientes")).to_be_visible()

        page.get_by_role("link", name="Diagrama", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/es/framework/diagram/")
        diagram = page.locator("svg.framework-diagram")
        expect(diagram).to_be_visible()
        expect(diagram.locator("#body-commission")).to_contain_text("Comisión")
        assert diagram.bounding_box()["height"] > 300

        page.get_by_role("button", name="Cerrar sesión").click()
        expect(page).to_have_url(f"{live_server.url}/es/accounts/sign-in/")
        page.goto(f"{live_server.url}/es/accounts/profile/")
        expect(page).to_have_url(
            f"{live_server.url}/es/accounts/sign-in/?next=/es/accounts/profile/"
        )
        assert errors == []
