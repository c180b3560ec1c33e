"""TOTP keys are encrypted at rest with SECCOOP_FIELD_KEY."""

from __future__ import annotations

import base64
import importlib
import os
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django_otp.oath import totp

from seccoop.accounts.crypto import FieldKeyError
from seccoop.accounts.models import TOTPDevice, User
from seccoop.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def stored_key(device: TOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        return str(cursor.fetchone()[0])


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_database_holds_no_hex_secret(users: dict[str, User]) -> None:
    device = TOTPDevice.objects.create(user=users["jam_focal"], name="app")
    raw = stored_key(device)
    assert len(device.key) == 40 and int(device.key, 16) >= 0
    assert device.key not in raw and device.key.upper() not in raw
    assert base64.b32encode(device.bin_key).decode() not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    assert TOTPDevice.objects.get(pk=device.pk).key == device.key


def test_verifying_a_code_still_works_and_codes_are_single_use(users: dict[str, User]) -> None:
    device = TOTPDevice.objects.create(user=users["jam_focal"], name="app")
    reloaded = TOTPDevice.objects.get(pk=device.pk)
    current = code(reloaded)
    assert reloaded.verify_token(current)
    assert not TOTPDevice.objects.get(pk=device.pk).verify_token(current)
    assert not reloaded.verify_token("12345x")


def test_sign_in_with_an_encrypted_device(users: dict[str, User]) -> None:
    from .conftest import PASSWORD

    device = TOTPDevice.objects.create(user=users["brb_focal"], name="app", confirmed=True)
    client = Client()
    step = client.post("/accounts/sign-in/", {"username": "brb_focal", "password": PASSWORD})
    assert step["Location"] == "/accounts/sign-in/code/"
    done = client.post("/accounts/sign-in/code/", {"code": code(device)})
    assert done.status_code == 302 and done["Location"] == "/"


def test_a_wrong_key_fails_clearly(users: dict[str, User]) -> None:
    device = TOTPDevice.objects.create(user=users["jam_focal"], name="app")
    with (
        override_settings(FIELD_KEYS=[new_key()]),
        pytest.raises(FieldKeyError, match="SECCOOP_FIELD_KEY"),
    ):
        TOTPDevice.objects.get(pk=device.pk)


def test_key_rotation_reads_with_the_old_key_and_writes_with_the_new(
    users: dict[str, User],
) -> None:
    from django.conf import settings

    old = list(settings.FIELD_KEYS)
    device = TOTPDevice.objects.create(user=users["jam_focal"], name="app")
    rotated = new_key()
    with override_settings(FIELD_KEYS=[rotated, *old]):
        assert TOTPDevice.objects.get(pk=device.pk).key == device.key
        call_command("reencrypt_secrets", stdout=StringIO())
    with override_settings(FIELD_KEYS=[rotated]):
        assert TOTPDevice.objects.get(pk=device.pk).key == device.key
    with pytest.raises(FieldKeyError):
        TOTPDevice.objects.get(pk=device.pk)  # the old key alone no longer reads it
    assert AuditEvent.objects.filter(action="secrets.reencrypted").exists()


def test_the_migration_encrypts_django_otps_plain_keys(users: dict[str, User]) -> None:
    migration = importlib.import_module("seccoop.accounts.migrations.0006_totp_device_encrypted")
    plain_key = "3132333435363738393031323334353637383930"
    user = users["dom_focal"]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer,"
            " name varchar(64), confirmed bool, key varchar(80), step smallint, t0 bigint,"
            " digits smallint, tolerance smallint, drift smallint, last_t bigint,"
            " throttling_failure_timestamp timestamp NULL, throttling_failure_count integer)"
        )
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (%s, %s, 'phone', %s, %s, 30, 0, 6, 1, 0,"
            " 7, NULL, 0)",
            [987654, user.pk, True, plain_key],
        )
    try:
        migration.encrypt_existing_devices(django_apps, SimpleNamespace(connection=connection))
        device = TOTPDevice.objects.get(pk=987654)
        assert device.user == user and device.confirmed and device.last_t == 7
        assert device.key == plain_key
        assert plain_key not in stored_key(device)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM otp_totp_totpdevice")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE otp_totp_totpdevice")


def test_an_unverified_session_cannot_replace_an_enrolled_device(users: dict[str, User]) -> None:
    user = users["jam_focal"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    client.force_login(user)  # signed in, but not through the second factor
    response = client.get("/accounts/second-factor/")
    assert response.status_code == 302 and response["Location"] == "/accounts/sign-in/"
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert client.get("/accounts/profile/").status_code == 302
