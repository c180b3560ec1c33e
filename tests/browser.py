"""Helpers for the Playwright tests: Debian's chromium, never a downloaded browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> str:
    if CHROMIUM:
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail("No chromium found: CI must run the browser tests (apt-get install chromium).")
    # Outside CI a developer without chromium may still run the rest of the suite.
    pytest.skip("chromium is not installed here (apt-get install chromium)")
    raise AssertionError("unreachable")


@contextmanager
def browser_page(monkeypatch: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page in headless chromium, and the console errors it logs."""
    from playwright.sync_api import sync_playwright

    executable = require_browser()
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable
    # from the test itself. Set for this test process only, never in a deployment.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page, errors
        finally:
            context.close()
            browser.close()
