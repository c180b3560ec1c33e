"""Sign-in throttling behind the reverse proxy: per (user name, real address), plus a bounded
pause per user name across all addresses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from seccoop.core.clientip import client_address
from seccoop.core.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/sign-in/"
PROXY = "10.0.0.2"
behind_proxy = override_settings(SECCOOP_TRUSTED_PROXIES=["10.0.0.0/24"])


def via_proxy(client_ip: str) -> Client:
    """A browser at ``client_ip`` reaching the platform through the trusted reverse proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_ip)


def attempt(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def at(moment: Any) -> Any:
    """Travel in time: django-axes stamps each attempt with this moment."""
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


def test_client_address_reads_the_forwarded_chain_only_from_a_trusted_proxy() -> None:
    factory = RequestFactory()
    with behind_proxy:
        chain = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.7")
        assert client_address(chain) == "203.0.113.5"
        # The right-most untrusted hop: whatever the client wrote to its left is not believed.
        forged = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7")
        assert client_address(forged) == "198.51.100.7"
        direct = factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert client_address(direct) == "198.51.100.9"
        garbled = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
        assert client_address(garbled) == PROXY
    # No trusted proxy configured (the default): the header is never read.
    plain = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_address(plain) == PROXY


@behind_proxy
def test_a_strangers_failures_do_not_lock_the_user_out_from_their_own_address(world: None) -> None:
    stranger = via_proxy("198.51.100.7")
    for _ in range(10):
        attempt(stranger, "brb_focal", "wrong-password-guess")
    assert attempt(stranger, "brb_focal").status_code == 429
    locked = AuditEvent.objects.filter(action="auth.locked_out", actor_name="brb_focal")
    assert set(locked.values_list("ip", flat=True)) == {"198.51.100.7"}
    # The real user, through the same proxy, from their own address.
    assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 302
    failed = AuditEvent.objects.filter(action="auth.login_failed", actor_name="brb_focal")
    assert set(failed.values_list("ip", flat=True)) == {"198.51.100.7"}


@behind_proxy
def test_a_forged_forwarded_header_from_an_untrusted_peer_is_ignored(world: None) -> None:
    # The attacker connects directly and claims to be the user's address.
    forger = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(10):
        attempt(forger, "brb_focal", "wrong-password-guess")
    assert attempt(forger, "brb_focal").status_code == 429
    assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 302


@behind_proxy
@override_settings(SECCOOP_NAME_FAILURE_LIMIT=6, AXES_FAILURE_LIMIT=3)
def test_the_name_wide_pause_is_bounded(world: None) -> None:
    start = timezone.now()
    with at(start):
        # Two failures from each of three addresses: no pair reaches its limit of 3.
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            for _ in range(2):
                assert attempt(via_proxy(address), "brb_focal", "wrong-guess").status_code == 400
        paused = attempt(via_proxy("203.0.113.5"), "brb_focal")
    assert paused.status_code == 429
    assert "several addresses" in paused.content.decode()
    assert int(paused["Retry-After"]) <= 5 * 60
    # Refused attempts during the pause are not counted and do not extend it.
    with at(start + timedelta(minutes=4)):
        assert attempt(via_proxy("198.51.100.4"), "brb_focal", "wrong-guess").status_code == 429
        assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 429
    # Other names are not affected.
    with at(start + timedelta(minutes=1)):
        assert attempt(via_proxy("198.51.100.1"), "dom_focal").status_code == 302
    # At most the stated five minutes after the last counted failure, the right password works.
    with at(start + timedelta(minutes=5, seconds=1)):
        assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 302


@behind_proxy
@override_settings(SECCOOP_NAME_FAILURE_LIMIT=4, AXES_FAILURE_LIMIT=3)
def test_the_name_wide_pause_spares_an_address_the_user_signed_in_from(world: None) -> None:
    start = timezone.now()
    with at(start - timedelta(days=3)):
        assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 302
    with at(start):
        for address in ("198.51.100.1", "198.51.100.2"):
            for _ in range(2):
                attempt(via_proxy(address), "brb_focal", "wrong-guess")
        assert attempt(via_proxy("192.0.2.44"), "brb_focal").status_code == 429
        assert attempt(via_proxy("203.0.113.5"), "brb_focal").status_code == 302
