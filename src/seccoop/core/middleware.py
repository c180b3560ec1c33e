"""Request ids, graceful database outages, no-store caching for signed-in responses, and no NUL."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

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
            # Only for this request: the thread goes back to the language it had, so the next
            # request it serves (or a test's own code) is not answered in this caller's language.
            with translation.override(language):
                request.LANGUAGE_CODE = translation.get_language()
                response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)


class InputGuardMiddleware:
    """No NUL reaches a view: a NUL in a query-string key or value, a form field or any JSON string
    (keys included) answers 400 naming the parameter; so does a query parameter a view found out
    of range (:class:`~seccoop.core.views.InvalidParameter`). PostgreSQL refuses NUL in text, so without
    this a NUL would end as a server error deep in a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self.nul_field(request)
        if field is not None:
            from django.utils.translation import gettext as _

            from .views import invalid_input

            return invalid_input(request, field, _("A NUL character is not allowed."))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from .views import InvalidParameter, invalid_input

        if isinstance(exception, InvalidParameter):
            return invalid_input(request, exception.name, exception.message)
        return None

    @staticmethod
    def nul_field(request: HttpRequest) -> str | None:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "\\0")
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return None
        content_type = request.content_type or ""
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            try:
                data = request.POST
            except MultiPartParserError:  # a malformed body leaves the form empty: the view's 400
                return None
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return key.replace("\x00", "\\0")
            for key, uploads in request.FILES.lists():
                if any("\x00" in (getattr(u, "name", "") or "") for u in uploads):
                    return key
            return None
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                payload = json.loads(request.body)
            except (ValueError, RequestDataTooBig):
                return None  # the API answers a malformed or oversized body itself
            return _nul_in_json(payload, "")
        return None


def _nul_in_json(value: object, where: str) -> str | None:
    """The dotted path of the first string (key or value) that holds a NUL, if any."""
    if isinstance(value, str):
        return (where or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if "\x00" in str(key):
                return path.replace("\x00", "\\0")
            found = _nul_in_json(item, path)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in_json(item, f"{where}.{index}" if where else str(index))
            if found is not None:
                return found
    return None
