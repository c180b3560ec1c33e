"""The benchmark's reference: a bare Django view that returns fixed JSON bytes from memory."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

BODY = Path(os.environ["SECCOOP_BENCH_BODY"]).read_bytes()

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",  # noqa: S106 - a throw-away process on loopback
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - Django must be configured before these imports
from django.http import HttpRequest, HttpResponse  # noqa: E402 - Django must be configured before these imports
from django.urls import path  # noqa: E402 - Django must be configured before these imports


def reference(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="application/json")


urlpatterns = [path("ref", reference)]
application = get_wsgi_application()
