"""The permission matrix of the monitoring pages and endpoints, persona by persona.

The records: a public (TLP:CLEAR) indicator; Jamaica's TLP:AMBER value, released to the Commission
and waiting for approval; Jamaica's TLP:GREEN target, stewarded by the Commission. Out of scope is
404, visible but not allowed is 403, and the anonymous are sent to sign in (302) except on public
pages.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from seccoop.accounts.models import ApiToken, User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring.models import Indicator, Target
from seccoop.monitoring.periods import Kind, Period
from seccoop.monitoring.services import new_value, save_value, transition

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "viewer", "brb_focal", "jam_focal", "secretariat"]


@pytest.fixture
def records(world: None) -> dict[str, Any]:
    commission = Organisation.objects.get(code="COMMISSION")
    jam = Party.objects.get(iso3="JAM")
    indicator = Indicator.objects.create(
        owner=commission,
        tlp=TLP.CLEAR,
        code="PERM-1",
        name="Firearms seized",
        definition="Illegal firearms seized in the year.",
        category=Category.objects.get(code="I.b"),
    )
    focal = User.objects.get(username="jam_focal")
    value = new_value(indicator, jam, Period(Kind.YEAR, 2024))
    value.value = Decimal(120)
    value = save_value(value, actor=focal)
    transition([value], "submit", actor=focal)
    target = Target(
        indicator=indicator,
        state=jam,
        value=Decimal(150),
        owner_id=jam.organisation_id,
        steward=commission,
    )
    target.set_period(Period(Kind.YEAR, 2024))
    target.save()
    return {"indicator": indicator, "value": value, "target": target}


# path template -> expected status per persona (anonymous, outsider, viewer, brb, jam, secretariat)
PAGES: dict[str, tuple[int, ...]] = {
    "/monitoring/": (200, 200, 200, 200, 200, 200),
    "/monitoring/indicators/{indicator}/": (200, 200, 200, 200, 200, 200),
    "/monitoring/indicators/{indicator}/chart.svg?state=JAM": (200, 200, 200, 200, 200, 200),
    "/monitoring/indicators/{indicator}/edit/": (302, 403, 403, 403, 403, 200),
    "/monitoring/indicators/{indicator}/history/": (302, 200, 200, 200, 200, 200),
    "/monitoring/values/": (302, 200, 200, 200, 200, 200),
    "/monitoring/values/{value}/": (302, 404, 200, 404, 200, 200),
    "/monitoring/values/{value}/edit/": (302, 404, 403, 404, 200, 403),
    "/monitoring/values/{value}/history/": (302, 404, 200, 404, 200, 200),
    "/monitoring/targets/": (302, 200, 200, 200, 200, 200),
    "/monitoring/targets/{target}/": (302, 404, 403, 403, 200, 200),
    "/monitoring/targets/{target}/history/": (302, 404, 200, 200, 200, 200),
    "/monitoring/targets/add/": (302, 403, 403, 200, 200, 200),
    "/monitoring/entry/": (302, 200, 200, 200, 200, 200),
    "/monitoring/review/": (302, 200, 200, 200, 200, 200),
    "/monitoring/import/": (302, 404, 404, 200, 200, 404),
    "/monitoring/template.xlsx": (302, 200, 200, 200, 200, 200),
    "/monitoring/dashboard/?period=2024": (302, 200, 200, 200, 200, 200),
    "/monitoring/public/?indicator=PERM-1&period=2024": (200, 200, 200, 200, 200, 200),
    "/api/v1/monitoring/values/{value}": (404, 404, 200, 404, 200, 200),
    "/api/v1/monitoring/indicators/{indicator}": (200, 200, 200, 200, 200, 200),
    "/api/v1/monitoring/targets": (401, 200, 200, 200, 200, 200),
}


def client(client_for: Any, persona: str) -> Any:
    c = client_for(None if persona == "anonymous" else persona)
    c.raise_request_exception = False
    return c


@pytest.mark.parametrize("path", list(PAGES))
def test_each_persona_gets_what_the_policy_allows(
    path: str, records: dict[str, Any], client_for: Any
) -> None:
    url = path.format(**{k: v.pk for k, v in records.items()})
    got = tuple(client(client_for, p).get(url).status_code for p in PERSONAS)
    assert got == PAGES[path], dict(zip(PERSONAS, got, strict=True))


def test_the_value_list_shows_the_value_to_its_state_and_the_commission_only(
    records: dict[str, Any], client_for: Any
) -> None:
    seen = {
        p: "PERM-1" in client(client_for, p).get("/monitoring/values/").content.decode()
        for p in PERSONAS[1:]
    }
    assert seen == {
        "outsider": False,
        "viewer": True,
        "brb_focal": False,
        "jam_focal": True,
        "secretariat": True,
    }


def test_only_the_commission_approves_and_only_the_state_edits(
    records: dict[str, Any], client_for: Any
) -> None:
    value = records["value"]
    url = f"/monitoring/values/{value.pk}/action/"
    for persona in ("outsider", "brb_focal"):
        assert client(client_for, persona).post(url, {"action": "approve"}).status_code == 404
    client(client_for, "jam_focal").post(url, {"action": "approve"})
    client(client_for, "viewer").post(url, {"action": "approve"})
    value.refresh_from_db()
    assert value.status == "submitted"
    client(client_for, "secretariat").post(url, {"action": "approve"})
    value.refresh_from_db()
    assert (value.status, value.approved_by.username) == ("approved", "secretariat")


def bearer(username: str) -> dict[str, str]:
    _token, raw = ApiToken.issue(
        User.objects.get(username=username), name="matrix", scope="write", days=1
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_transition_endpoint_follows_the_same_matrix(
    records: dict[str, Any], client_for: Any
) -> None:
    value = records["value"]
    body = json.dumps({"ids": [value.pk], "action": "approve"})
    url = "/api/v1/monitoring/values/transition"
    statuses = {
        persona: client(client_for, None if persona == "anonymous" else "anonymous")
        .post(url, body, content_type="application/json", **bearer(persona))
        .status_code
        for persona in ("outsider", "brb_focal", "viewer", "jam_focal")
    }
    assert statuses == {"outsider": 404, "brb_focal": 404, "viewer": 403, "jam_focal": 403}
    anonymous = client(client_for, "anonymous").post(url, body, content_type="application/json")
    assert anonymous.status_code == 401
    value.refresh_from_db()
    assert value.status == "submitted"
    done = client(client_for, "anonymous").post(
        url, body, content_type="application/json", **bearer("secretariat")
    )
    assert done.status_code == 200, done.content
    value.refresh_from_db()
    assert value.status == "approved"
