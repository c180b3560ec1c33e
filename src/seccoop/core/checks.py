"""Configuration and security self-checks, run by ``seccoop check`` (and at start-up)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Info, Tags, Warning, register


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
    return problems


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
