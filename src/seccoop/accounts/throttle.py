"""Sign-in throttling: django-axes per (user name, address), plus a bounded pause per user name.

django-axes pauses one (user name, client address) pair after ``AXES_FAILURE_LIMIT`` failures.
The name-wide rule slows a guesser who spreads attempts over many addresses: once a user name
has ``SECCOOP_NAME_FAILURE_LIMIT`` failures (from any address, each within
``SECCOOP_NAME_FAILURE_WINDOW`` of the previous one), each further failure pauses the name for
``SECCOOP_NAME_BACKOFF``. Attempts refused during a pause are neither checked nor counted, so the
right password works again at most ``SECCOOP_NAME_BACKOFF`` after the last counted failure; and
the pause does not apply from an address where the name signed in successfully in the last
``SECCOOP_KNOWN_ADDRESS_DAYS`` days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessLog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SignInBackoff


def _when(request: Any) -> datetime:
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def name_paused_until(username: str, *, at: datetime, address: str | None) -> datetime | None:
    """When the name-wide pause for ``username`` ends, or None when it does not apply."""
    row = SignInBackoff.objects.filter(username=username[:150]).first()
    if row is None or row.failures < settings.SECCOOP_NAME_FAILURE_LIMIT:
        return None
    until = row.last_failure_at + settings.SECCOOP_NAME_BACKOFF
    if at >= until:
        return None
    known_since = at - timedelta(days=settings.SECCOOP_KNOWN_ADDRESS_DAYS)
    if (
        address
        and AccessLog.objects.filter(
            username=username, ip_address=address, attempt_time__gte=known_since
        ).exists()
    ):
        return None
    return until


def count_name_failure(username: str, *, at: datetime) -> None:
    with transaction.atomic():
        # Counts that can no longer pause anyone are dropped (the table stays small).
        stale = at - settings.SECCOOP_NAME_FAILURE_WINDOW - settings.SECCOOP_NAME_BACKOFF
        SignInBackoff.objects.filter(last_failure_at__lt=stale).delete()
        row, created = SignInBackoff.objects.select_for_update().get_or_create(
            username=username[:150], defaults={"failures": 1, "last_failure_at": at}
        )
        if not created:
            if at - row.last_failure_at > settings.SECCOOP_NAME_FAILURE_WINDOW:
                row.failures = 1
            else:
                row.failures += 1
            row.last_failure_at = max(at, row.last_failure_at)
            row.save(update_fields=["failures", "last_failure_at"])


class SignInHandler(AxesDatabaseHandler):
    """django-axes' database handler with the name-wide pause (``AXES_HANDLER``)."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        username = get_client_username(request, credentials)
        if not username:
            return False
        until = name_paused_until(
            username, at=_when(request), address=getattr(request, "axes_ip_address", None)
        )
        if until is None:
            return False
        request.seccoop_paused_until = until
        return True

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is not None and not getattr(request, "axes_locked_out", False):
            username = get_client_username(request, credentials)
            if username:
                count_name_failure(username, at=_when(request))
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        SignInBackoff.objects.filter(username=user.get_username()).delete()
