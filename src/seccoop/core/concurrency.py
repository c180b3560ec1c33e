"""Optimistic concurrency: versions and weak ETags."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class ConflictError(Exception):
    """The record changed since the caller read it."""

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


def etag_for(obj: Any) -> str:
    return f'W/"{obj.version}"'


def parse_etag(value: str) -> int | None:
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isdigit() else None


def check_version(locked: Any, submitted: Any) -> None:
    """Refuse the write when ``submitted`` (from a form or a request body) is not the row's version."""
    if submitted in (None, ""):
        raise ConflictError(
            _("This form has no record version; reload the page and make your change again."),
            locked.version,
        )
    try:
        submitted_int = int(submitted)
    except (TypeError, ValueError):
        submitted_int = -1
    if submitted_int != locked.version:
        raise ConflictError(
            _(
                "Someone else changed this record after you opened it (your version {mine}, "
                "current version {current}). Reload to see their change, then make yours again."
            ).format(mine=submitted, current=locked.version),
            locked.version,
        )
