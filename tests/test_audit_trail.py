"""The audit trail page: the secretariat reads, filters and exports it; nobody else reads it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.audit import record_event
from seccoop.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/accounts/audit/"


@pytest.fixture
def events(world: None) -> None:
    jam = User.objects.get(username="jam_focal")
    record_event("needs.submitted", actor=jam, object_type="needs.need", object_id="41")
    record_event("auth.login_failed", username="brb_focal")
    record_event("access.denied", actor=jam, object_type="plan.planversion", object_id="7")
    # Audit events are append-only (the database refuses updates), so the old event is written
    # with its date rather than moved afterwards.
    AuditEvent.objects.create(
        at=timezone.now() - timedelta(days=30),
        actor=jam,
        actor_name="jam_focal",
        action="plan.adopted",
        object_type="plan.planversion",
        object_id="3",
    )


@pytest.mark.parametrize(
    "persona", ["jam_focal", "brb_focal", "twg_member", "inl_partner", "viewer", "watch_officer"]
)
def test_only_the_secretariat_reads_the_audit_trail(
    client_for: Callable[[str | None], Client], events: None, persona: str
) -> None:
    assert client_for(persona).get(URL).status_code == 403
    assert client_for(persona).get(URL + "?export=csv").status_code == 403
    user = User.objects.get(username=persona)
    assert not AuditEvent.objects.restrict(user, "view").exists()
    anonymous = client_for(None).get(URL)
    assert anonymous.status_code == 302 and "/accounts/sign-in/" in anonymous["Location"]


def test_the_secretariat_filters_and_exports_the_trail(
    client_for: Callable[[str | None], Client], events: None
) -> None:
    client = client_for("secretariat")
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "needs.submitted" in body and "plan.adopted" in body

    refused = client.get(URL, {"refused": "true"}).content.decode()
    assert "auth.login_failed" in refused and "access.denied" in refused
    assert "needs.submitted" not in refused

    recent = client.get(URL, {"since": (timezone.now() - timedelta(days=7)).date().isoformat()})
    assert "plan.adopted" not in recent.content.decode()
    by_actor = client.get(URL, {"actor": "jam_focal", "object_type": "plan.planversion"})
    assert "plan.adopted" in by_actor.content.decode()
    assert "needs.submitted" not in by_actor.content.decode()

    export = client.get(URL, {"actor": "jam_focal", "export": "csv"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    actions = [row for row in rows if "jam_focal" in row]
    assert {r[2] for r in actions} >= {"needs.submitted", "access.denied", "plan.adopted"}
    # The export itself leaves an event naming the filters' result size.
    exported = AuditEvent.objects.filter(action="export", object_type="core.auditevent").latest(
        "at"
    )
    assert exported.actor_name == "secretariat" and exported.detail["format"] == "csv"


def test_a_bad_date_filter_is_a_form_error_not_a_500(
    client_for: Callable[[str | None], Client], events: None
) -> None:
    response = client_for("secretariat").get(URL, {"since": "not-a-date"})
    assert response.status_code == 200
    assert "needs.submitted" not in response.content.decode()


def test_the_secretariat_home_links_to_the_trail(
    client_for: Callable[[str | None], Client], events: None
) -> None:
    home = client_for("secretariat").get("/").content.decode()
    assert URL in home and URL + "?refused=true" in home
    assert URL not in client_for("jam_focal").get("/").content.decode()
