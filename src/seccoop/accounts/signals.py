"""Audit events for every sign-in, failed sign-in and sign-out (ASVS 16.3.1)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from seccoop.core.audit import record_event


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("auth.login", actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    record_event(
        "auth.login_failed", request=request, username=str(credentials.get("username", ""))[:150]
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event("auth.logout", actor=user, request=request)
