"""Configuration and security self-checks, run by ``seccoop check`` (and at start-up)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Info, Tags, Warning, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def production_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.PRODUCTION:
        if not settings.SECCOOP_REQUIRE_2FA:
            problems.append(
                Error(
                    "A second factor must be required for every account in production.",
                    hint="Unset SECCOOP_REQUIRE_2FA or set it to 1.",
                    id="seccoop.E001",
                )
            )
        if settings.SESSION_COOKIE_AGE > 12 * 3600:
            problems.append(Error("Sessions may last longer than 12 hours.", id="seccoop.E002"))
        if settings.SESSION_IDLE_SECONDS > 30 * 60:
            problems.append(
                Warning("The idle timeout is longer than 30 minutes.", id="seccoop.W001")
            )
        if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
            problems.append(
                Info(
                    "Production is running on the embedded SQLite database (one machine only).",
                    hint="Set DATABASE_URL to a PostgreSQL database for several servers or workers.",
                    id="seccoop.W002",
                )
            )
        problems += _demo_personas()
    return problems


def _demo_personas() -> list[Any]:
    """An Error while demo personas (published password) exist in a production database."""
    user_model = get_user_model()
    try:
        names = list(
            user_model._base_manager.filter(is_demo=True)
            .order_by("username")
            .values_list("username", flat=True)[:20]
        )
    except DatabaseError:
        return []  # no database or no tables yet: nothing to report
    if not names:
        return []
    return [
        Error(
            "Demo personas exist in production mode: " + ", ".join(names) + ".",
            hint="Their password is published and they cannot sign in in production: delete "
            "them (admin: Accounts and access → Users, filter 'demo persona'), or start from a "
            "database without the demo.",
            id="seccoop.E004",
        )
    ]


@register(Tags.database)
def data_dir_writable(app_configs: Any, **kwargs: Any) -> list[Any]:
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        return []
    data_dir = settings.DATA_DIR
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [Error(f"The data folder {data_dir} cannot be created: {exc}", id="seccoop.E003")]
    return []
