"""Request ids, graceful database outages, and no-store caching for signed-in responses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from .context import current_request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())  # type: ignore[attr-defined]  # request attribute set here for every later layer
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]  # set above
        return response


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with Retry-After, never a 500 with internals."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            from .views import service_unavailable

            return service_unavailable(request)
        return None


class NoStoreMiddleware:
    """Responses to a signed-in user or an API token are never stored by caches (ASVS 14.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
        if signed_in or "Authorization" in request.headers or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response


class ApiLanguageMiddleware:
    """The API has no language prefix in its paths: it follows ``Accept-Language`` instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            from django.utils import translation

            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)
