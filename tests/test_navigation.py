"""Every persona's home page and header lead to work they can do: no link answers 403 or 404."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import Client

from seccoop.accounts.demo import PERSONAS as DEMO_PERSONAS
from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext, providers

pytestmark = pytest.mark.django_db

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)"')


def links(html: str) -> set[str]:
    """The site's own links in the header navigation and the main content of a page."""
    header = html[html.index('<header class="site-header"') : html.index("</header>")]
    main = html[html.index('<main id="main"') : html.index("</main>")]
    found = set()
    for href in HREF.findall(header + main):
        url = unescape(href)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/"):
            continue  # another site, or a mailto: link
        found.add(url)
    return found


def load_demo() -> None:
    context = DemoContext(
        size="demo", seed=2010, password="correct-horse-battery-staple-2010", log=lambda _m: None
    )
    for _name, provider in providers():
        provider(context)


def test_no_link_on_the_home_page_or_header_answers_403_or_404(world: None) -> None:
    """Signed in as every demo persona (with the demo's data, so every panel has work in it),
    and anonymous: fetch every link of the header navigation and the home page."""
    load_demo()
    broken: dict[str, dict[str, int]] = {}
    seen: dict[str, int] = {}
    for username in [None, *sorted(DEMO_PERSONAS)]:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        home = client.get("/")
        assert home.status_code == 200
        found = links(home.content.decode())
        assert "/monitoring/public/" in found
        seen[username or "anonymous"] = len(found)
        page = home.content.decode()
        expected = {
            None: "panel-public",
            "secretariat": "panel-cadence",
            "jam_focal": "panel-needs",
        }.get(username)
        if expected:
            assert f'data-testid="{expected}"' in page, username
        for url in sorted(found):
            status = client.get(url).status_code
            if status in (403, 404):
                broken.setdefault(username or "anonymous", {})[url] = status
    assert broken == {}
    # The home pages do lead somewhere: each signed-in persona has more to follow than a visitor.
    assert all(n > seen["anonymous"] for who, n in seen.items() if who != "anonymous")
