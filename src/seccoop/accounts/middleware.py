"""Session lifetime (30 min idle, 12 h absolute) and the mandatory second factor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from seccoop.core.audit import record_event

LOGIN_AT = "seccoop_login_at"
SEEN_AT = "seccoop_seen_at"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_SECONDS
                or now - login_at > settings.SESSION_ABSOLUTE_SECONDS
            ):
                record_event(
                    "auth.session_expired",
                    request=request,
                    idle_seconds=now - seen_at,
                    age_seconds=now - login_at,
                )
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session expired. Sign in again."))
                    return HttpResponseRedirect(
                        f"{reverse(settings.LOGIN_URL)}?next={request.path}"
                    )
            else:
                request.session.setdefault(LOGIN_AT, now)
                if now - seen_at >= 30 or SEEN_AT not in request.session:
                    request.session[SEEN_AT] = now
        return self.get_response(request)


ALLOWED_WITHOUT_SECOND_FACTOR = (
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:logout",
    "set_language",
)


class SecondFactorMiddleware:
    """In production every signed-in session must have passed TOTP (ASVS 6.3.3)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.SECCOOP_REQUIRE_2FA
            and user.is_authenticated
            and not getattr(user, "is_verified", lambda: False)()
        ):
            allowed = {reverse(name) for name in ALLOWED_WITHOUT_SECOND_FACTOR}
            if request.path not in allowed and not request.path.startswith(
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else "/" + settings.STATIC_URL
            ):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Complete the second factor first."), "errors": []}, status=401
                    )
                return HttpResponseRedirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)
