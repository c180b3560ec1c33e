"""Shared fixtures: the Framework, the personas, and a client per persona."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from seccoop.accounts.models import Contact, Membership, Role, User
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation
from seccoop.framework.services import load_framework

PASSWORD = "correct-horse-battery-staple-2010"

#: persona -> [(organisation code, role)]
PERSONAS: dict[str, list[tuple[str, str]]] = {
    "secretariat": [("COMMISSION", Role.SECRETARIAT)],
    "jam_focal": [("JAM", Role.FOCAL_POINT)],
    "jam_viewer": [("JAM", Role.VIEWER)],
    "brb_focal": [("BRB", Role.FOCAL_POINT)],
    "dom_focal": [("DOM", Role.FOCAL_POINT)],
    "twg_member": [("TWG", Role.TWG_MEMBER)],
    "inl_partner": [("US-INL", Role.PARTNER_OFFICER)],
    "watch_officer": [("CCC", Role.WATCH_OFFICER)],
    "viewer": [("COMMISSION", Role.VIEWER)],
    "outsider": [],
}


def ensure_world() -> None:
    """Load the Framework and the personas (idempotent; transactional tests flush them)."""
    if not Organisation.objects.filter(code="JAM").exists():
        load_framework()
    orgs = {o.code: o for o in Organisation.objects.all()}
    for username, roles in PERSONAS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, f"{username}@example.invalid", PASSWORD)
        for code, role in roles:
            Membership.objects.get_or_create(
                user=user, organisation=orgs[code], role=role, start=date(2010, 5, 27)
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        ensure_world()


@pytest.fixture
def world(db: Any) -> None:
    ensure_world()


@pytest.fixture
def users(world: None) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=PERSONAS)}


@pytest.fixture
def client_for(world: None) -> Callable[[str | None], Client]:
    """A signed-in Django test client for a persona (None: anonymous)."""

    def make(username: str | None) -> Client:
        client = Client()
        if username:
            client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def make_contact(world: None) -> Callable[..., Contact]:
    def make(
        owner: str = "JAM",
        tlp: str = TLP.AMBER_STRICT,
        name: str | None = None,
        released: tuple[str, ...] = (),
        recipients: tuple[str, ...] = (),
    ) -> Contact:
        org = Organisation.objects.get(code=owner)
        contact = Contact.objects.create(owner=org, tlp=tlp, name=name or f"{owner} {tlp} contact")
        if released:
            contact.releasable_to.set(Organisation.objects.filter(code__in=released))
        if recipients:
            contact.recipients.set(User.objects.filter(username__in=recipients))
        return contact

    return make
