"""Writing audit events, with the request's id, address and actor."""

from __future__ import annotations

from typing import Any

from django.db import models

from .clientip import client_address
from .context import current_request
from .models import AuditEvent


def client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return client_address(request)


def record_event(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    request: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Write one audit event. ``actor`` defaults to the request's signed-in user."""
    request = request if request is not None else current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user
    actor_name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_username()
    elif detail.get("username"):
        actor_name = str(detail["username"])[:150]
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=actor_name,
        action=action,
        object_type=obj._meta.label_lower
        if obj is not None
        else str(detail.pop("object_type", "")),
        object_id=str(obj.pk) if obj is not None else str(detail.pop("object_id", "")),
        object_repr=str(obj)[:200] if obj is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip=client_ip(request),
        path=(request.path[:300] if request is not None else ""),
        detail=detail,
    )
