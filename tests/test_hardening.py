"""Headers, bounded ids, pagination caps, database outages, deploy checks and the URL walk."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.urls import URLPattern, URLResolver, get_resolver

from seccoop.accounts.models import Contact
from seccoop.api import api

pytestmark = pytest.mark.django_db


def test_security_headers_on_every_response(client_for: Any) -> None:
    for client, path in [
        (client_for(None), "/"),
        (client_for(None), "/nope"),
        (client_for("jam_focal"), "/"),
        (client_for(None), "/api/v1/framework/categories"),
    ]:
        response = client.get(path, secure=True)  # browsers only honour HSTS received over HTTPS
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "includeSubDomains" in response["Strict-Transport-Security"]
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Request-ID"]
    assert client_for("jam_focal").get("/")["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client_for: Any) -> None:
    for path in ["/", "/framework/", "/framework/diagram/", "/accounts/sign-in/"]:
        html = client_for(None).get(path).content.decode()
        assert "<script>" not in html and "onclick=" not in html, path


@pytest.mark.parametrize(
    "path",
    [
        "/framework/categories/99999999999999999999/",
        "/framework/categories/9223372036854775808/",
        "/framework/categories/-1/",
        "/framework/categories/abc/",
        "/accounts/contacts/99999999999999999999/",
        "/api/v1/framework/categories/99999999999999999999",
        "/api/v1/framework/parties/0",
        "/api/v1/accounts/contacts/99999999999999999999",
    ],
)
def test_out_of_range_ids_are_404_not_500(client_for: Any, path: str) -> None:
    assert client_for("jam_focal").get(path).status_code == 404


def test_lists_are_paginated_with_a_hard_cap(client_for: Any, make_contact: Any) -> None:
    owner_id = make_contact(name="anchor").owner_id
    for i in range(105):
        Contact.objects.create(owner_id=owner_id, tlp="GREEN", name=f"bulk {i:03d}")
    client = client_for("jam_focal")
    capped = client.get("/api/v1/accounts/contacts?limit=1000").json()
    assert len(capped["items"]) == 100
    assert capped["count"] >= 105
    page = client.get("/accounts/contacts/?per_page=1000&q=bulk").content.decode()
    assert page.count("bulk ") == 100


def test_unknown_url_is_a_translated_404(client_for: Any) -> None:
    english = client_for(None).get("/no-such-page/")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()
    spanish = client_for(None).get("/es/no-such-page/")
    assert spanish.status_code == 404
    assert 'lang="es"' in spanish.content.decode()
    assert "Page not found" not in spanish.content.decode()
    assert client_for(None).get("/api/v1/nothing").status_code == 404


def test_database_outage_answers_503_with_retry_after(client_for: Any, monkeypatch: Any) -> None:
    client = client_for(None)
    client.raise_request_exception = False

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "ensure_connection", down)
    monkeypatch.setattr(connection, "connection", None)
    for path in ["/framework/categories/", "/api/v1/framework/categories", "/healthz"]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"] == "5"
        assert b"could not connect" not in response.content
        assert b"Traceback" not in response.content


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SECCOOP_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(extra)
    return env


def test_production_mode_refuses_to_start_without_secret_and_hosts(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seccoop.cli", "check"],
        capture_output=True,
        text=True,
        env=_production_env(SECCOOP_DATA_DIR=str(tmp_path)),
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECCOOP_SECRET_KEY" in result.stderr and "SECCOOP_ALLOWED_HOSTS" in result.stderr
    assert "SECCOOP_FIELD_KEY" in result.stderr


def test_production_mode_refuses_a_malformed_field_key(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seccoop.cli", "check"],
        capture_output=True,
        text=True,
        env=_production_env(
            SECCOOP_SECRET_KEY=secrets.token_urlsafe(64),
            SECCOOP_FIELD_KEY="not-a-key",
            SECCOOP_ALLOWED_HOSTS="seccoop.example.org",
            SECCOOP_DATA_DIR=str(tmp_path),
        ),
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECCOOP_FIELD_KEY must be Fernet keys" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path: Any) -> None:
    env = _production_env(
        SECCOOP_SECRET_KEY=secrets.token_urlsafe(64),
        SECCOOP_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        SECCOOP_ALLOWED_HOSTS="seccoop.example.org",
        SECCOOP_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "seccoop.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mode: production" in result.stdout
    assert "second factor required: yes" in result.stdout


def test_check_fails_on_a_misconfiguration(tmp_path: Any) -> None:
    env = _production_env(
        SECCOOP_SECRET_KEY=secrets.token_urlsafe(64),
        SECCOOP_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        SECCOOP_ALLOWED_HOSTS="seccoop.example.org",
        SECCOOP_DATA_DIR=str(tmp_path),
        SECCOOP_REQUIRE_2FA="0",
    )
    result = subprocess.run(
        [sys.executable, "-m", "seccoop.cli", "check", "--deploy"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "seccoop.E001" in result.stderr


def _patterns(resolvers: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            found += _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry))
    return found


def _fill(route: str, pk: int) -> str:
    import re

    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    route = re.sub(r"<(?:\w+:)?pk>", str(pk), route)
    route = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    return "/" + route.lstrip("/")


def test_every_url_keeps_secrets_from_anonymous_users_and_outsiders(
    client_for: Any, make_contact: Any
) -> None:
    """Walk every URL pattern: nothing of Jamaica's AMBER+STRICT record reaches others (GET and POST)."""
    secret = make_contact(owner="JAM", tlp="AMBER+STRICT", name="Zeta Secret Liaison")
    walked = 0
    for route, _pattern in _patterns(get_resolver().url_patterns):
        if route.startswith("api/v1/") or "admin/" in route or "(?P<" in route and "admin" in route:
            continue
        url = _fill(route, secret.pk)
        for persona in (None, "brb_focal", "outsider"):
            client = client_for(persona)
            client.raise_request_exception = False
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code < 500, (method, url, persona, response.status_code)
                assert b"Zeta Secret Liaison" not in response.content, (method, url, persona)
            walked += 1
    assert walked > 20
    owner = client_for("jam_focal").get(f"/accounts/contacts/{secret.pk}/")
    assert b"Zeta Secret Liaison" in owner.content


def test_every_api_route_keeps_secrets_from_anonymous_users_and_outsiders(
    client_for: Any, make_contact: Any
) -> None:
    secret = make_contact(owner="JAM", tlp="AMBER+STRICT", name="Zeta Secret Liaison")
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    public = (  # TLP:CLEAR reference data, the public plan, and published (approved) figures
        "/api/v1/framework/",
        "/api/v1/plan/",
        "/api/v1/monitoring/indicators",
        "/api/v1/monitoring/values",
        "/api/v1/monitoring/progress",
        "/api/v1/monitoring/public",
    )
    for path, operations in schema["paths"].items():
        url = path.replace("{pk}", str(secret.pk))
        for method in operations:
            for persona in (None, "brb_focal", "outsider"):
                client = client_for(persona)
                client.raise_request_exception = False
                response = getattr(client, method)(url, content_type="application/json")
                assert response.status_code < 500, (method, url, persona)
                assert b"Zeta Secret Liaison" not in response.content, (method, url, persona)
                if persona is None and (not path.startswith(public) or method != "get"):
                    assert response.status_code == 401, (method, url)
                if persona and "{pk}" in path and not path.startswith(public):
                    assert response.status_code in (400, 404), (
                        method,
                        url,
                        persona,
                        response.status_code,
                    )


def test_api_list_query_count_does_not_grow_with_rows(
    client_for: Any, make_contact: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for("jam_focal")
    for i in range(3):
        make_contact(owner="JAM", tlp="AMBER", name=f"few {i}", released=("COMMISSION",))
    client.get("/api/v1/accounts/contacts?limit=100")  # warm the session and caches
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/accounts/contacts?limit=100")
    for i in range(40):
        make_contact(owner="JAM", tlp="AMBER", name=f"many {i}", released=("COMMISSION",))
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        client.get("/api/v1/accounts/contacts?limit=100")
    assert len(many.captured_queries) <= len(few.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/contacts/",
        "/framework/categories/",
        "/framework/parties/",
        "/framework/organisations/",
        "/framework/bodies/",
        "/",
    ],
)
def test_page_query_counts_are_pinned(
    client_for: Any, path: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for("jam_focal")
    client.get(path)  # warm the session
    with django_assert_max_num_queries(16):
        assert client.get(path).status_code == 200


def test_an_api_callers_language_does_not_outlive_the_request(client_for: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        response = client_for(None).get("/api/v1/framework/parties", HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200
        assert response["Content-Language"] == "es"
        assert translation.get_language() == "en"
