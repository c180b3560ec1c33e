"""Sign-in, throttling, the second factor, sessions, API tokens, CSRF and audit events."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from seccoop.accounts.models import ApiToken, TOTPDevice, User
from seccoop.accounts.services import create_token
from seccoop.core.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/sign-in/"


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_sign_in_rotates_the_session_and_is_audited(world: None) -> None:
    client = Client()
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    response = sign_in(client, "jam_focal")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert AuditEvent.objects.filter(action="auth.login", actor_name="jam_focal").exists()


def test_wrong_password_is_a_clear_message_and_audited(world: None) -> None:
    response = sign_in(Client(), "jam_focal", "not-the-password")
    assert response.status_code == 400
    assert "The user name or password is not right." in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_name="jam_focal").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_are_throttled_even_with_the_right_password(world: None) -> None:
    client = Client()
    for _ in range(3):
        sign_in(client, "brb_focal", "wrong-password-guess")
    locked = sign_in(client, "brb_focal")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    # Another account from the same address is not locked out by these failures.
    assert sign_in(Client(), "dom_focal").status_code == 302


def test_throttle_message_is_translated(world: None) -> None:
    with override_settings(AXES_FAILURE_LIMIT=1):
        client = Client()
        client.post("/es/accounts/sign-in/", {"username": "viewer", "password": "nope-nope-nope"})
        locked = client.post(
            "/es/accounts/sign-in/", {"username": "viewer", "password": "nope-nope-nope"}
        )
    assert locked.status_code == 429
    assert 'lang="es"' in locked.content.decode()


def test_sign_out_kills_the_session_server_side(world: None) -> None:
    client = Client()
    sign_in(client, "jam_focal")
    stolen = client.cookies["sessionid"].value
    assert client.get("/accounts/profile/").status_code == 200
    assert client.post("/accounts/sign-out/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    response = replay.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_sign_out_needs_post(world: None) -> None:
    client = Client()
    sign_in(client, "jam_focal")
    assert client.get("/accounts/sign-out/").status_code == 405


@override_settings(SESSION_IDLE_SECONDS=1)
def test_idle_session_expires(world: None) -> None:
    client = Client()
    sign_in(client, "jam_focal")
    session = client.session
    session["seccoop_seen_at"] = int(time.time()) - 5
    session.save()
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_absolute_session_lifetime(world: None) -> None:
    client = Client()
    sign_in(client, "jam_focal")
    session = client.session
    session["seccoop_login_at"] = int(time.time()) - 13 * 3600
    session.save()
    assert client.get("/accounts/profile/").status_code == 302


def test_disabled_account_loses_its_session(world: None) -> None:
    client = Client()
    sign_in(client, "dom_focal")
    User.objects.filter(username="dom_focal").update(is_active=False)
    assert client.get("/accounts/profile/").status_code == 302


def test_second_factor_enrolment_and_sign_in(world: None) -> None:
    client = Client()
    sign_in(client, "secretariat")
    page = client.get("/accounts/second-factor/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user__username="secretariat", confirmed=False)
    wrong = client.post(
        "/accounts/second-factor/",
        {"code": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp backs off after a failure; this test does not wait it out
    assert (
        client.post("/accounts/second-factor/", {"code": current_code(device)}).status_code == 302
    )
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled").exists()
    client.post("/accounts/sign-out/")
    # Next time, the password alone is not enough.
    fresh = Client()
    step = sign_in(fresh, "secretariat")
    assert step["Location"].startswith("/accounts/sign-in/code/")
    assert fresh.get("/accounts/profile/").status_code == 302
    device.refresh_from_db()
    device.last_t = -1  # allow the current window again (a code is otherwise single-use)
    device.save()
    assert fresh.post("/accounts/sign-in/code/", {"code": current_code(device)}).status_code == 302
    assert fresh.get("/accounts/profile/").status_code == 200


def test_totp_code_is_single_use(world: None) -> None:
    user = User.objects.get(username="twg_member")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    code = current_code(device)
    first = Client()
    sign_in(first, "twg_member")
    assert first.post("/accounts/sign-in/code/", {"code": code}).status_code == 302
    second = Client()
    sign_in(second, "twg_member")
    assert second.post("/accounts/sign-in/code/", {"code": code}).status_code == 400


@override_settings(SECCOOP_REQUIRE_2FA=True)
def test_second_factor_is_required_when_configured(world: None) -> None:
    client = Client()
    response = sign_in(client, "viewer")
    assert response["Location"] == "/accounts/second-factor/"
    assert client.get("/accounts/profile/")["Location"] == "/accounts/second-factor/"
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_token_lifecycle_and_scopes(world: None) -> None:
    user = User.objects.get(username="jam_focal")
    token, raw = create_token(user, actor=user, name="national system", scope="read", days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    me = client.get("/api/v1/accounts/me", **auth)
    assert me.status_code == 200
    assert me.json()["username"] == "jam_focal"
    assert me["Cache-Control"] == "no-store"
    write = client.post(
        "/api/v1/accounts/contacts",
        {"owner": "JAM", "name": "x"},
        content_type="application/json",
        **auth,
    )
    assert write.status_code == 403
    assert "read-only" in write.json()["detail"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get("/api/v1/accounts/me", **auth)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "The token is unknown, expired or revoked."
    _t2, raw2 = create_token(user, actor=user, name="second", scope="write", days=1)
    auth2 = {"HTTP_AUTHORIZATION": f"Bearer {raw2}"}
    assert (
        client.post(
            "/api/v1/accounts/contacts",
            {"owner": "JAM", "name": "via token"},
            content_type="application/json",
            **auth2,
        ).status_code
        == 201
    )
    call_command("token", "revoke", _t2.prefix)
    assert client.get("/api/v1/accounts/me", **auth2).status_code == 401
    assert (
        client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Bearer scp_nothing_here").status_code
        == 401
    )
    assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Basic abc").status_code == 401


def test_invalid_token_is_401_even_on_public_endpoints(world: None) -> None:
    response = Client().get(
        "/api/v1/framework/categories", HTTP_AUTHORIZATION="Bearer scp_bad_token"
    )
    assert response.status_code == 401


def test_token_command_prints_once(world: None, capsys: Any) -> None:
    call_command("token", "create", "inl_partner", "--scope", "write", "--days", "7")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("scp_")
    token = ApiToken.objects.get(user__username="inl_partner")
    assert token.scope == "write"
    assert (token.expires_at - timezone.now()).days in (6, 7)


def test_profile_creates_and_revokes_tokens(client_for: Any) -> None:
    client = client_for("jam_focal")
    created = client.post(
        "/accounts/profile/tokens/", {"name": "grid", "scope": "read", "days": 10}
    )
    assert created.status_code == 201
    assert "scp_" in created.content.decode()
    token = ApiToken.objects.get(user__username="jam_focal", name="grid")
    profile = client.get("/accounts/profile/").content.decode()
    assert token.prefix in profile
    assert "scp_" not in profile  # the token itself is never shown again
    other = client_for("brb_focal")
    assert other.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_bad_token_form_names_the_field(client_for: Any) -> None:
    response = client_for("jam_focal").post(
        "/accounts/profile/tokens/", {"name": "x", "scope": "read", "days": 9999}
    )
    assert response.status_code == 400
    assert "Valid for (days)" in response.content.decode()


def test_post_without_csrf_is_403(world: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="jam_focal"))
    response = client.post(reverse("accounts:contact_add"), {"name": "x"})
    assert response.status_code == 403
    assert "security token" in response.content.decode()
    api = client.post(
        "/api/v1/accounts/contacts", {"owner": "JAM", "name": "x"}, content_type="application/json"
    )
    assert api.status_code == 403


def test_denied_access_is_audited(client_for: Any, make_contact: Any) -> None:
    secret = make_contact(owner="JAM", tlp="AMBER+STRICT", name="secret")
    client_for("brb_focal").get(reverse("accounts:contact_detail", args=[secret.pk]))
    event = AuditEvent.objects.filter(action="access.denied", actor_name="brb_focal").latest("at")
    assert event.object_id == str(secret.pk)
    assert event.request_id


def test_short_and_programme_passwords_are_refused() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for bad in ["short-pass", "caricom-caricom1", "password12345678"]:
        with pytest.raises(ValidationError):
            validate_password(bad)
    validate_password("tide pools under a violet moon")


def test_audit_events_are_append_only(world: None) -> None:
    from django.db import DatabaseError, connection, transaction

    event = AuditEvent.objects.create(action="test.event", actor_name="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "test.event"


def test_language_choice_is_remembered_for_the_next_sign_in(world: None) -> None:
    client = Client()
    sign_in(client, "dom_focal")
    assert client.post("/i18n/setlang/", {"language": "es", "next": "/"})["Location"] == "/es/"
    user = User.objects.get(username="dom_focal")
    assert user.preferred_language == "es"
    assert user.history.first().history_change_reason == "Switched language"
    client.post("/accounts/sign-out/")
    again = sign_in(Client(), "dom_focal")
    assert again["Location"] == "/es/"
    assert again.cookies["django_language"].value == "es"
