"""The django-ninja API base: authentication, scoping, filtering, errors, ETags.

The API lives under ``/api/v1/``. Every endpoint reads through the restricted queryset. The
caller is a bearer token (``Authorization: Bearer <token>``) or the signed-in session (with
CSRF on unsafe methods); a public endpoint also serves anonymous callers what is TLP:CLEAR.

Errors follow one shape, ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``:
400 field-keyed validation, 401 no or bad credentials, 403 no role for the action, 404 absent or
out of scope, 409 version or state conflict, 412 stale ``If-Match``, 428 ``If-Match`` missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, models
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from pydantic import Field

from .audit import record_event
from .bounds import MAX_ID
from .concurrency import ConflictError, etag_for, parse_etag

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Filled by ``accounts`` at start-up: token string -> (user, scope) or None.
_token_resolver: Callable[[str], tuple[Any, str] | None] | None = None


def register_token_resolver(resolver: Callable[[str], tuple[Any, str] | None]) -> None:
    global _token_resolver
    _token_resolver = resolver


class Pagination(LimitOffsetPagination):
    """Limit/offset pages; ``limit`` above the hard cap (100) is capped, never refused."""

    class Input(Schema):
        limit: int = Field(
            50, ge=1, le=1_000_000, description="Items per page (at most 100 are returned)."
        )
        offset: int = Field(0, ge=0, le=2**31 - 1, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        from django.conf import settings

        super().__init__(max_limit=settings.MAX_PAGE_SIZE, **kwargs)


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class PreconditionFailed(HttpError):
    def __init__(self, current: Any) -> None:
        super().__init__(412, _("The record changed since you read it (stale If-Match)."))
        self.current = current


def _csrf_ok(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda r: HttpResponse(), (), {}) is None


class ApiAuth(HttpBearer):
    """Bearer token or session. With ``anonymous=True`` the endpoint also serves anonymous callers."""

    def __init__(self, anonymous: bool = False) -> None:
        super().__init__()
        self.anonymous = anonymous

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _sep, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError(401, _("Use 'Authorization: Bearer <token>'."))
            return self.authenticate(request, token.strip())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if request.method not in SAFE_METHODS and not _csrf_ok(request):
                raise HttpError(403, _("The CSRF token is missing or invalid."))
            return user
        if self.anonymous and request.method in SAFE_METHODS:
            request.user = AnonymousUser()
            return request.user
        return None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        resolved = _token_resolver(token) if _token_resolver else None
        if resolved is None:
            record_event("api.token_rejected", request=request)
            raise AuthenticationError(401, _("The token is unknown, expired or revoked."))
        user, scope = resolved
        if scope != "write" and request.method not in SAFE_METHODS:
            raise HttpError(403, _("This token is read-only; create a write token to change data."))
        request.user = user
        return user


def build_api(**kwargs: Any) -> NinjaAPI:
    api = NinjaAPI(
        title="seccoop API",
        version="1",
        description=__doc__ or "",
        auth=ApiAuth(),
        urls_namespace="api",
        # The reference page renders the OpenAPI document with the Swagger UI files django-ninja
        # ships; they are served from the platform's static files, never from a CDN.
        docs_url="/docs",
        docs=Swagger(settings={"docExpansion": "none", "defaultModelsExpandDepth": 0}),
        openapi_url="/openapi.json",
        **kwargs,
    )

    def error(
        request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> HttpResponse:
        return api.create_response(
            request, {"detail": detail, "errors": errors or []}, status=status
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(request, 404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(request, 403, _("You do not have the right to do this."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = exc.message if isinstance(exc, HttpError) else _("Authentication required.")
        return error(request, 401, str(message) or _("Authentication required."))

    @api.exception_handler(PreconditionFailed)
    def precondition(request: HttpRequest, exc: PreconditionFailed) -> HttpResponse:
        response = error(request, 412, str(exc.message))
        response["ETag"] = etag_for(exc.current)
        return response

    @api.exception_handler(ConflictError)
    def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        response = error(request, 409, str(exc))
        response["ETag"] = f'W/"{exc.current_version}"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error(request, exc.status_code, str(exc.message))

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        items = []
        for e in exc.errors:
            loc = [
                str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            items.append({"field": ".".join(loc) or "request", "message": str(e.get("msg", ""))})
        return error(request, 400, _("The request is not valid."), items)

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        items: list[dict[str, str]] = []
        if hasattr(exc, "error_dict"):
            for field, errs in exc.message_dict.items():
                items.extend({"field": field, "message": m} for m in errs)
        else:
            items = [{"field": "request", "message": m} for m in exc.messages]
        return error(request, 400, _("The request is not valid."), items)

    @api.exception_handler(OperationalError)
    def db_down(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error(
            request, 503, _("The service is temporarily unavailable. Try again shortly.")
        )
        response["Retry-After"] = "5"
        return response

    api.exception_handler(InterfaceError)(db_down)
    return api


def get_visible(request: HttpRequest, queryset: Any, pk: int, action: str = "view") -> Any:
    """One object through the policy: 404 when out of scope, 403 when visible but not ``action``."""
    if not 1 <= pk <= MAX_ID:
        raise Http404
    obj = queryset.restrict(request.user, "view").filter(pk=pk).first()
    if obj is None:
        record_event(
            "access.denied",
            request=request,
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk),
            reason="not visible",
        )
        raise Http404
    if action != "view" and not queryset.restrict(request.user, action).filter(pk=pk).exists():
        record_event("access.denied", request=request, obj=obj, reason=f"no {action} right")
        raise PermissionDenied
    return obj


def filter_queryset(request: HttpRequest, filterset_class: Any, queryset: Any) -> Any:
    """Apply the same FilterSet as the UI list; an invalid filter is a field-keyed 400."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise DjangoValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


def require_if_match(
    request: HttpRequest, locked: models.Model, body_version: int | None = None
) -> None:
    """Writes name the version they change: ``If-Match`` (412 when stale) or a body ``version``
    (409 when stale). With neither, 428. ``If-Match: *`` matches whatever version is current."""
    header = request.headers.get("If-Match")
    if header:
        if header.strip() == "*":
            return  # RFC 9110 §13.1.1: "*" matches any current representation
        if parse_etag(header) != locked.version:  # type: ignore[attr-defined]  # versioned models only
            raise PreconditionFailed(locked)
        return
    if body_version is not None:
        if body_version != locked.version:  # type: ignore[attr-defined]  # versioned models only
            raise ConflictError(
                _(
                    "The record changed since you read it (your version {mine}, current {current})."
                ).format(mine=body_version, current=locked.version),  # type: ignore[attr-defined]  # versioned models only
                locked.version,  # type: ignore[attr-defined]  # versioned models only
            )
        return
    raise HttpError(428, _("Send If-Match with the record's ETag (or its version) to change it."))


def get_with_etag(request: HttpRequest, queryset: Any, pk: int, response: HttpResponse) -> Any:
    """One object through the policy, with its version as a weak ``ETag`` on the response."""
    obj = get_visible(request, queryset, pk)
    response["ETag"] = etag_for(obj)
    return obj
