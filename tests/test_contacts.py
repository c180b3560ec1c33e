"""The contact directory: an owned, TLP-marked record, through every page and endpoint."""

from __future__ import annotations

import json
from itertools import product
from typing import Any

import pytest
from django.urls import reverse

from seccoop.accounts.models import Contact
from seccoop.core.markings import TLP

from .matrix import SCOPES, ApiObjectTests, ObjectViewTests, oracle_can_change, oracle_can_view

pytestmark = pytest.mark.django_db


class ContactFixtures:
    @pytest.fixture(autouse=True)
    def _factory(self, make_contact: Any) -> None:
        self._make = make_contact

    def make(self, **kwargs: Any) -> Contact:
        return self._make(
            owner="JAM", tlp=TLP.AMBER_STRICT, name="Jamaica strict liaison", **kwargs
        )


class TestContactViews(ContactFixtures, ObjectViewTests):
    list_url = "accounts:contact_list"
    detail_url = "accounts:contact_detail"
    edit_url = "accounts:contact_edit"
    delete_url = "accounts:contact_delete"
    history_url = "accounts:contact_history"

    def edit_data(self, obj: Any) -> dict[str, Any]:
        return {
            "owner": obj.owner_id,
            "name": "Renamed liaison",
            "position": "Inspector",
            "email": "",
            "phone": "",
            "notes": "",
            "tlp": TLP.AMBER_STRICT,
            "caveat": "",
            "form_version": obj.version,
            "change_reason": "promotion",
        }


class TestContactApi(ContactFixtures, ApiObjectTests):
    path = "/api/v1/accounts/contacts"

    def create_payload(self) -> dict[str, Any]:
        return {
            "owner": "JAM",
            "name": "New liaison",
            "tlp": "AMBER",
            "releasable_to": ["COMMISSION"],
        }

    def patch_payload(self) -> dict[str, Any]:
        return {"position": "Superintendent"}


OWNERS = ["JAM", "BRB", "COMMISSION", "USA"]
CASES = [(owner, tlp.value) for owner, tlp in product(OWNERS, TLP)]


def test_permission_matrix_against_the_oracle(client_for: Any, make_contact: Any) -> None:
    """Every persona x owner x marking x {list, detail, change}: 0 leaks and 0 wrong denials."""
    records = {}
    for owner, tlp in CASES:
        released = ("COMMISSION",) if tlp == "AMBER" and owner != "COMMISSION" else ()
        recipients = ("viewer",) if tlp == "RED" else ()
        records[(owner, tlp)] = (
            make_contact(
                owner=owner,
                tlp=tlp,
                name=f"M-{owner}-{tlp}",
                released=released,
                recipients=recipients,
            ),
            released,
            recipients,
        )
    usa_amber = make_contact(owner="BRB", tlp="AMBER", name="M-released-to-USA", released=("USA",))
    records[("BRB", "AMBER-USA")] = (usa_amber, ("USA",), ())
    leaks, denials = [], []
    for persona in SCOPES:
        client = client_for(persona)
        listed = set()
        if persona:
            items = client.get("/api/v1/accounts/contacts?limit=100").json()["items"]
            listed = {row["name"] for row in items}
        for (owner, tlp), (obj, released, recipients) in records.items():
            real_tlp = obj.tlp
            expected = oracle_can_view(persona, owner, real_tlp, released, recipients)
            status = client.get(f"/api/v1/accounts/contacts/{obj.pk}").status_code
            want = (
                401 if persona is None else (200 if expected else 404)
            )  # the API serves no anonymous caller
            if status != want:
                (leaks if status == 200 else denials).append(
                    ("detail", persona, owner, tlp, status)
                )
            if persona and (obj.name in listed) != expected:
                (leaks if obj.name in listed else denials).append(("list", persona, owner, tlp))
            if persona and expected:
                can_change = oracle_can_change(persona, owner, real_tlp, released, recipients)
                page = client.get(reverse("accounts:contact_edit", args=[obj.pk])).status_code
                if page != (200 if can_change else 403):
                    (leaks if page == 200 else denials).append(("edit", persona, owner, tlp, page))
    assert leaks == []
    assert denials == []


def test_dropdowns_offer_only_what_the_caller_may_use(client_for: Any) -> None:
    page = client_for("jam_focal").get(reverse("accounts:contact_add")).content.decode()
    owner_select = page.split('name="owner"')[1].split("</select>")[0]
    assert "Jamaica" in owner_select
    assert "Barbados" not in owner_select


def test_api_cannot_create_for_another_state(client_for: Any) -> None:
    response = client_for("jam_focal").post(
        "/api/v1/accounts/contacts", {"owner": "BRB", "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Contact.objects.filter(name="x").exists()


def test_api_rejects_unknown_fields_and_codes(client_for: Any) -> None:
    client = client_for("jam_focal")
    response = client.post(
        "/api/v1/accounts/contacts",
        {"owner": "JAM", "name": "x", "version": 9},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "version"
    response = client.post(
        "/api/v1/accounts/contacts",
        {"owner": "JAM", "name": "y", "releasable_to": ["ZZZ"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "releasable_to", "message": "Unknown organisation code(s): ZZZ"}
    ]
    assert not Contact.objects.filter(name__in=["x", "y"]).exists()


def test_export_carries_the_marking_and_escapes_formulas(
    client_for: Any, make_contact: Any
) -> None:
    make_contact(
        owner="JAM", tlp="AMBER", name='=HYPERLINK("http://evil")', released=("COMMISSION",)
    )
    response = client_for("jam_focal").get(reverse("accounts:contact_list") + "?export=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    first_line = text.splitlines()[0]
    assert first_line.startswith("TLP:AMBER")
    assert "tlp-amber" in response["Content-Disposition"]
    assert "'=HYPERLINK" in text
    xlsx = client_for("jam_focal").get(reverse("accounts:contact_list") + "?export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx["X-TLP"] == "TLP:AMBER"


def test_red_never_leaves_in_an_export(client_for: Any, make_contact: Any) -> None:
    make_contact(owner="COMMISSION", tlp="RED", name="Red eyes only", recipients=("viewer",))
    client = client_for("viewer")
    assert "Red eyes only" in client.get(reverse("accounts:contact_list")).content.decode()
    assert "Red eyes only" not in client.get(
        reverse("accounts:contact_list") + "?export=csv"
    ).content.decode("utf-8-sig")


def test_history_tab_shows_who_and_why(client_for: Any, make_contact: Any) -> None:
    contact = make_contact(owner="JAM", tlp="AMBER+STRICT", name="Liaison")
    client = client_for("jam_focal")
    etag = client.get(f"/api/v1/accounts/contacts/{contact.pk}")["ETag"]
    client.patch(
        f"/api/v1/accounts/contacts/{contact.pk}",
        json.dumps({"phone": "+1 876 555 0100"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        HTTP_X_CHANGE_REASON="new desk phone",
    )
    page = client.get(reverse("accounts:contact_history", args=[contact.pk])).content.decode()
    assert "new desk phone" in page
    assert "jam_focal" in page
    assert "+1 876 555 0100" in page
