"""Accessibility and small screens, in a real browser, on every key page of every persona.

- axe-core (the copy shipped in the ``axe-playwright-python`` package, nothing downloaded) finds
  no critical or serious violation (WCAG 2.1 A and AA rules, and axe's best practices, which
  include links nested in links).
- At a 390 px wide viewport the header's navigation is collapsed behind a menu button that opens
  it, and no key page scrolls sideways.
"""

from __future__ import annotations

from typing import Any

import pytest

from seccoop.accounts.models import User

from . import needs_helpers as nh
from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The key pages of each persona (None: an anonymous visitor).
KEY_PAGES: dict[str | None, list[str]] = {
    None: [
        "/",
        "/framework/",
        "/framework/categories/",
        "/framework/diagram/",
        "/plan/",
        "/monitoring/public/",
        "/accounts/sign-in/",
    ],
    "jam_focal": [
        "/",
        "/needs/",
        "/needs/matrix/",
        "/monitoring/",
        "/monitoring/entry/?state=JAM&period=2026",
        "/funding/",
        "/meetings/",
        "/accounts/profile/",
    ],
    "secretariat": [
        "/",
        "/monitoring/review/",
        "/funding/committee/",
        "/meetings/new/",
        "/prioritization/",
        "/prioritization/runs/",
        "/accounts/audit/",
    ],
    "inl_partner": ["/", "/funding/transactions/", "/funding/transactions/new/"],
}


def data() -> None:
    """The Framework, the personas and a few needs so that the matrix and lists have rows."""
    ensure_world()
    focal = User.objects.get(username="jam_focal")
    cycle = nh.make_cycle(2026)
    nh.make_need(cycle, focal, reference="A11Y-1", amount=1000, currency="USD")
    nh.make_need(cycle, focal, category="II.a", reference="A11Y-2", amount=2500, currency="JMD")


def sign_in(page: Any, base: str, username: str | None) -> None:
    if username is None:
        return
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            }
        },
    )
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in {"critical", "serious"}:
            targets = [str(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("persona", list(KEY_PAGES))
def test_key_pages_have_no_serious_accessibility_violation(
    live_server: Any, monkeypatch: Any, persona: str | None
) -> None:
    data()
    problems: dict[str, list[str]] = {}
    with browser_page(monkeypatch) as (page, _errors):
        sign_in(page, live_server.url, persona)
        for path in KEY_PAGES[persona]:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            found = serious_violations(page)
            if found:
                problems[path] = found
    assert problems == {}


@pytest.mark.parametrize("persona", [None, "jam_focal", "secretariat"])
def test_at_390_px_the_header_collapses_and_nothing_scrolls_sideways(
    live_server: Any, monkeypatch: Any, persona: str | None
) -> None:
    data()
    wide: dict[str, int] = {}
    with browser_page(monkeypatch) as (page, _errors):
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, live_server.url, persona)
        for path in KEY_PAGES[persona]:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        page.goto(f"{live_server.url}/")
        nav_link = page.locator(".main-nav a", has_text="Framework").first
        assert not nav_link.is_visible(), "the navigation is open on a small screen"
        page.get_by_text("Menu", exact=True).click()
        assert nav_link.is_visible(), "the menu button does not open the navigation"
    assert wide == {}, f"pages wider than 390 px: {wide}"
