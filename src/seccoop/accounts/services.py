"""Account services: API tokens and password changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from seccoop.core.audit import record_event

from .models import ApiToken, TOTPDevice, User


def resolve_token(raw: str) -> tuple[Any, str] | None:
    token = ApiToken.resolve(raw)
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token.scope


def create_token(
    user: User, *, actor: Any, name: str, scope: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the raw token is returned once and never stored."""
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    errors: dict[str, str] = {}
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Scope must be 'read' or 'write'.")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token lives from 1 to {max} days.").format(
            max=settings.API_TOKEN_MAX_DAYS
        )
    if not name.strip():
        errors["name"] = _("Give the token a name, so you can recognise it later.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name=name.strip()[:100], scope=scope, days=days)
        record_event(
            "token.created",
            actor=actor,
            obj=token,
            scope=scope,
            days=days,
            for_user=user.get_username(),
        )
    return token, raw


def change_password(user: User, *, actor: Any, password: str, request: Any = None) -> User:
    """Set a new (already validated) password; the user's other sessions end with the old one."""
    with transaction.atomic():
        user.set_password(password)
        user._change_reason = "Changed password"
        user.save()
        record_event("auth.password_changed", actor=actor, obj=user, request=request)
    return user


def revoke_token(token: ApiToken, *, actor: Any) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_event("token.revoked", actor=actor, obj=token)
    return token


def command_actor(username: str | None) -> User:
    """The account a command acts as: ``--as USERNAME``, or the platform's own system account."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValueError(f"No active user {username!r}.")
        return user
    user, _created = User.objects.get_or_create(
        username="system",
        defaults={
            "first_name": "seccoop",
            "last_name": "command line",
            "is_active": False,
            "is_superuser": True,
        },
    )
    user.is_superuser, user.is_active = (
        True,
        True,
    )  # acts with platform rights for this command only
    return user


def reencrypt_secrets() -> int:
    """Write every encrypted secret again with the first ``SECCOOP_FIELD_KEY`` (after a rotation,
    so the old key can be dropped); returns how many were written. All or nothing."""
    count = 0
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().order_by("pk"):
            device.save(update_fields=["key"])
            count += 1
        record_event("secrets.reencrypted", count=count)
    return count
