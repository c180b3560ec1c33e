"""Headers on static files: whitenoise answers them before the CSP middleware would run."""

from __future__ import annotations

from typing import Any


def content_security_policy(directives: dict[str, list[str]]) -> str:
    """The header value of a ``CONTENT_SECURITY_POLICY["DIRECTIVES"]`` mapping."""
    return "; ".join(
        " ".join([name, *values]) if values else name for name, values in directives.items()
    )


def add_headers(headers: Any, path: str, url: str) -> None:
    """``WHITENOISE_ADD_HEADERS_FUNCTION``: the pages' Content-Security-Policy on every file."""
    from django.conf import settings

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    headers["Content-Security-Policy"] = content_security_policy(directives)
