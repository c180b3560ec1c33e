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


#: Query parameters that choose the file, not the rows.
FORMAT_PARAMETERS = frozenset({"export", "format", "page", "per_page"})


def record_export(
    what: str,
    *,
    fmt: str,
    marking: str,
    rows: int | None = None,
    filters: dict[str, Any] | None = None,
    actor: Any = None,
    request: Any = None,
    obj: models.Model | None = None,
) -> AuditEvent:
    """Write the one audit event of an export or download: who, what, in which format, with which
    filters (the request's query parameters unless given), how many rows, and its marking."""
    request = request if request is not None else current_request.get()
    if filters is None and request is not None:
        filters = {
            key: request.GET.getlist(key)[:10] if len(request.GET.getlist(key)) > 1 else value
            for key, value in request.GET.items()
            if key not in FORMAT_PARAMETERS
        }
    detail: dict[str, Any] = {
        "what": what,
        "format": fmt,
        "marking": marking,
        "filters": {
            str(k)[:50]: v if isinstance(v, list) else str(v)[:200]
            for k, v in (filters or {}).items()
        },
    }
    if rows is not None:
        detail["rows"] = rows
    if obj is None:
        detail["object_type"] = what
    return record_event("export", actor=actor, request=request, obj=obj, **detail)
