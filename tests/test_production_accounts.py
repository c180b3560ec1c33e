"""Production is production: demo personas cannot sign in, `check --deploy` reports them, password
rules refuse guessable passwords, and signed-in users change their own password."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from seccoop.accounts.demo import DEMO_EMAIL_DOMAIN
from seccoop.accounts.models import User
from seccoop.accounts.services import create_token
from seccoop.core.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/sign-in/"
DEMO_PASSWORD = "caribbean-security-2010"
production = override_settings(DEMO_MODE=False, DEV_MODE=False)


@pytest.fixture
def demo_persona(world: None) -> User:
    user = User.objects.create_user(
        "demo_focal", f"demo_focal@{DEMO_EMAIL_DOMAIN}", DEMO_PASSWORD, first_name="Andre"
    )
    user.is_demo = True
    user.save(update_fields=["is_demo"])
    return user


def test_demo_persona_signs_in_in_development_mode(demo_persona: User) -> None:
    response = Client().post(LOGIN, {"username": "demo_focal", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_demo_persona_cannot_sign_in_in_production(demo_persona: User) -> None:
    with production:
        response = Client().post(LOGIN, {"username": "demo_focal", "password": DEMO_PASSWORD})
        assert response.status_code == 400
        assert "The user name or password is not right." in response.content.decode()
        # A real account signs in as before.
        assert (
            Client().post(LOGIN, {"username": "jam_focal", "password": PASSWORD}).status_code == 302
        )


def test_demo_persona_session_and_token_are_dead_in_production(demo_persona: User) -> None:
    client = Client()
    client.force_login(demo_persona)
    _token, raw = create_token(demo_persona, actor=demo_persona, name="demo", scope="read")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/accounts/profile/").status_code == 200
    assert Client().get("/api/v1/accounts/me", **headers).status_code == 200
    with production:
        assert client.get("/accounts/profile/").status_code == 302
        assert Client().get("/api/v1/accounts/me", **headers).status_code == 401


def test_demo_persona_calendar_feed_is_dead_in_production(demo_persona: User) -> None:
    from seccoop.meetings.services import create_feed

    _feed, raw = create_feed(demo_persona)
    url = f"/meetings/feed/{raw}.ics"
    assert Client().get(url).status_code == 200
    with production:
        assert Client().get(url).status_code == 404


def test_demo_persona_cannot_use_the_admin_sign_in(demo_persona: User) -> None:
    demo_persona.is_staff = demo_persona.is_superuser = True
    demo_persona.save()
    client = Client()
    with production:
        response = client.post(
            "/admin/login/", {"username": "demo_focal", "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@override_settings(PRODUCTION=True, DEMO_MODE=False, DEV_MODE=False, SECCOOP_REQUIRE_2FA=True)
def test_check_deploy_reports_demo_personas_in_production(demo_persona: User) -> None:
    with pytest.raises(SystemCheckError, match=r"seccoop\.E004") as raised:
        call_command("check", deploy=True, verbosity=0)
    assert "demo_focal" in str(raised.value)


@override_settings(PRODUCTION=True, DEMO_MODE=False, DEV_MODE=False, SECCOOP_REQUIRE_2FA=True)
def test_check_deploy_says_nothing_of_demo_without_personas(world: None) -> None:
    from seccoop.core.checks import production_settings

    assert not [p for p in production_settings(None) if p.id == "seccoop.E004"]


def test_migration_marks_existing_demo_personas(world: None) -> None:
    migration = importlib.import_module("seccoop.accounts.migrations.0005_user_is_demo")
    old = User.objects.create_user("old_persona", f"old_persona@{DEMO_EMAIL_DOMAIN}", "x" * 20)
    real = User.objects.create_user("real_person", "real@example.org", "x" * 20)
    migration.mark_demo_personas(django_apps, None)
    old.refresh_from_db()
    real.refresh_from_db()
    assert old.is_demo and not real.is_demo


@pytest.mark.parametrize(
    "password",
    [
        "caribbean-security-2010",
        "aaaaaaaaaaaaaaa",
        "123456789012345",
        "jam_focal2026jam_focal",
        "jam_focal-2026-2027",
        "Andre Campbell 2026",
        "Barbados Commission Dialogue 2026",
        "caricom-caricom1",
    ],
)
def test_guessable_passwords_are_refused_with_a_clear_message(
    users: dict[str, User], password: str
) -> None:
    user = users["jam_focal"]
    user.first_name, user.last_name = "Andre", "Campbell"
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user)
    message = " ".join(raised.value.messages)
    assert "too guessable" in message or "words anyone could guess" in message


def test_programme_words_are_named_in_the_message(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password("seccoop-framework-2026", users["jam_focal"])
    assert "'framework', 'seccoop'" in raised.value.messages[0]


@pytest.mark.parametrize(
    "password", ["tide pools under a violet moon", "Jamaica mango tree bicycle harbour"]
)
def test_a_strong_passphrase_is_accepted(users: dict[str, User], password: str) -> None:
    validate_password(password, users["jam_focal"])


def test_password_change_from_the_profile(client_for: Any) -> None:
    client = client_for("dom_focal")
    profile = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/profile/password/"' in profile
    other = Client()
    other.force_login(User.objects.get(username="dom_focal"))
    weak = client.post(
        "/accounts/profile/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "caribbean-security-2010",
            "new_password2": "caribbean-security-2010",
        },
    )
    assert weak.status_code == 400
    assert "words anyone could guess" in weak.content.decode()
    wrong_old = client.post(
        "/accounts/profile/password/",
        {
            "old_password": "not-my-password",
            "new_password1": "copper kettle whistles at dawn",
            "new_password2": "copper kettle whistles at dawn",
        },
    )
    assert wrong_old.status_code == 400
    done = client.post(
        "/accounts/profile/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "copper kettle whistles at dawn",
            "new_password2": "copper kettle whistles at dawn",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/profile/"
    user = User.objects.get(username="dom_focal")
    assert user.check_password("copper kettle whistles at dawn")
    assert user.history.first().history_change_reason == "Changed password"
    assert AuditEvent.objects.filter(
        action="auth.password_changed", actor_name="dom_focal"
    ).exists()
    # This session goes on; the other one ended with the old password.
    assert client.get("/accounts/profile/").status_code == 200
    assert other.get("/accounts/profile/").status_code == 302


def test_password_change_needs_a_signed_in_user(world: None) -> None:
    response = Client().get("/accounts/profile/password/")
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
