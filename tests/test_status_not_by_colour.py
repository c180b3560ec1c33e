"""Status is never shown by colour alone.

Over real HTTP (the live server), signed in as every demo persona and anonymously, with the demo's
data: the home page and the pages densest in statuses, then the pages they link to, breadth
first, one page of each shape of address (``/needs/12/`` standing for every need), up to ``LIMIT``
pages a persona. On each page, every element
carrying one of the stylesheet's status colours (``STATUS_CLASSES``: a value's progress status,
a TLP marking, an overdue badge, what a plan diff added or removed) must say its status in words a
sighted reader sees and a screen reader reads:

- its visible text is not empty, and its accessible text (aria-label, or its text without what is
  hidden from assistive technology) is not empty;
- a progress status (``status-on_track`` …) is named in its accessible text, and shown by its words
  or its mark (``monitoring.services.STATUS_MARKS``) in its visible text;
- a TLP marking reads ``TLP:`` and its colour's name.

Then, in a real browser, on the pages where statuses are densest, no element shows a colour of its
own (a background unlike its parent's) while it has no text, no accessible name and is not a
control: a coloured dot, bar or cell with nothing to read would be found whatever its class.
"""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
import requests
from django.conf import settings
from django.test import Client

from seccoop.accounts.demo import PERSONAS as DEMO_PERSONAS
from seccoop.accounts.models import User
from seccoop.monitoring.services import STATUS_LABELS, STATUS_MARKS

from .browser import browser_page
from .test_navigation import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The classes of ``static/css/seccoop.css`` that colour an element by its status.
STATUS_CLASS = re.compile(r"^(status-[a-z_]+|tlp(-[a-z-]+)?|badge|overdue|added|removed)$")
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)"')
#: Addresses not to follow: they sign out, download a file or change the language.
SKIP = re.compile(r"/sign-out|/export|\.(csv|xlsx|pdf|ics|xml|json|docx)\b|/i18n/|/api/|/admin/")
#: Pages of each persona at most (the walk stops there; a few hundred requests in all).
LIMIT = 25
#: Pages where the browser looks at computed colours (the densest in statuses).
COLOURED_PAGES = {
    "secretariat": [
        "/monitoring/dashboard/",
        "/monitoring/review/",
        "/needs/matrix/",
        "/funding/",
        "/funding/committee/",
        "/meetings/",
        "/plan/",
    ],
    "jam_focal": ["/", "/needs/", "/monitoring/"],
}


def shape(url: str) -> str:
    """``/needs/12/`` and ``/needs/13/`` are the same page for this walk."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def links(html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        url = unescape(href)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/") or SKIP.search(url):
            continue
        found.append(url)
    return found


def texts(element: Any) -> tuple[str, str]:
    """(visible text, accessible text) of an element."""
    visible, audible = [], []

    def walk(node: Any, hidden: bool, silent: bool) -> None:
        classes = (node.get("class") or "").split()
        hidden = hidden or "visually-hidden" in classes
        silent = silent or node.get("aria-hidden") == "true"
        for piece in [node.text]:
            if piece:
                (visible if not hidden else []).append(piece)
                (audible if not silent else []).append(piece)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, hidden, silent)
            if child.tail:
                (visible if not hidden else []).append(child.tail)
                (audible if not silent else []).append(child.tail)

    walk(element, False, False)
    label = element.get("aria-label")
    return " ".join("".join(visible).split()), label or " ".join("".join(audible).split())


def problems_of(html: str) -> list[str]:
    """What on a page shows a status by colour alone."""
    found = []
    root = lxml.html.fromstring(html)
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        classes = [c for c in (el.get("class") or "").split() if STATUS_CLASS.match(c)]
        if not classes:
            continue
        visible, audible = texts(el)
        where = f"<{el.tag} class={el.get('class')!r}> {visible[:40]!r}"
        if not visible or not audible:
            found.append(f"{where}: no text")
            continue
        for cls in classes:
            key = cls.removeprefix("status-")
            if cls.startswith("status-") and key in labels:
                if labels[key] not in audible:
                    found.append(f"{where}: does not name {labels[key]!r}")
                elif labels[key] not in visible and STATUS_MARKS.get(key, "\0") not in visible:
                    found.append(f"{where}: shows {labels[key]!r} by colour alone")
            if cls.startswith("tlp-"):
                word = cls.removeprefix("tlp-").upper().replace("-", "+")
                if f"TLP:{word}" not in visible.replace(" ", ""):
                    found.append(f"{where}: does not read TLP:{word}")
    return found


def session_for(live_server: Any, username: str | None) -> requests.Session:
    session = requests.Session()
    if username:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        # A header, not the cookie jar: the jar keeps no cookie for a host without a dot.
        session.headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={cookie.value}"
    return session


def walk(live_server: Any, username: str | None) -> tuple[dict[str, list[str]], Counter[str]]:
    """The problems found on each page of a persona's walk, and the status elements seen."""
    session = session_for(live_server, username)
    queue = ["/", *COLOURED_PAGES.get(username or "", [])]
    seen, problems = {shape(url) for url in queue}, {}
    checked: Counter[str] = Counter()
    visited = 0
    while queue and visited < LIMIT:
        url = queue.pop(0)
        response = session.get(f"{live_server.url}{url}", timeout=60, allow_redirects=False)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "Content-Type", ""
        ):
            continue
        html = response.text
        for el in lxml.html.fromstring(html).iter():
            if isinstance(el.tag, str):
                for c in (el.get("class") or "").split():
                    if STATUS_CLASS.match(c):
                        checked[c] += 1
        found = problems_of(html)
        if found:
            problems[url] = found
        for link in links(html):
            if shape(link) not in seen:
                seen.add(shape(link))
                queue.append(link)
    return problems, checked


COLOUR_ONLY = """() => {
  const transparent = (c) => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
  const background = (el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (!transparent(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const skip = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'IMG', 'HR', 'OPTION', 'HTML',
                        'BODY', 'svg', 'IFRAME', 'CANVAS', 'VIDEO']);
  const found = [];
  for (const el of document.querySelectorAll('main *')) {
    if (skip.has(el.tagName) || el.closest('svg')) continue;
    if (el.tagName === 'TH' && el.closest('thead')) continue;  // the header row's own shade
    const style = getComputedStyle(el);
    if (transparent(style.backgroundColor) || style.backgroundColor === background(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    const text = (el.innerText || '').trim();
    const name = el.getAttribute('aria-label') || el.getAttribute('title') || '';
    if (!text && !name && !el.querySelector('input,select,textarea,button,img,svg')) {
      found.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + style.backgroundColor);
    }
  }
  return found;
}"""


def test_no_status_is_shown_by_colour_alone(live_server: Any, monkeypatch: Any) -> None:
    load_demo()
    problems: dict[str, dict[str, list[str]]] = {}
    checked: Counter[str] = Counter()
    for username in [None, *sorted(DEMO_PERSONAS)]:
        found, seen = walk(live_server, username)
        checked.update(seen)
        if found:
            problems[username or "anonymous"] = found
    summary = {
        who: sorted({f"{shape(url)}: {p}" for url, found in pages.items() for p in found})[:20]
        for who, pages in problems.items()
    }
    assert summary == {}
    # The walk did meet the statuses it is about.
    for cls in ("status-on_track", "status-at_risk", "status-off_track", "tlp-amber", "badge"):
        assert checked[cls] > 0, (cls, checked)

    coloured: dict[str, list[str]] = {}
    with browser_page(monkeypatch) as (page, _errors):
        for username, paths in COLOURED_PAGES.items():
            name, value = session_for(live_server, username).headers["Cookie"].split("=", 1)
            page.context.clear_cookies()
            page.context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, (username, path)
                found = page.evaluate(COLOUR_ONLY)
                if found:
                    coloured[f"{username} {path}"] = found
    assert coloured == {}
