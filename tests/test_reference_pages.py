"""The permission matrix on every Framework page, the admin, and the embedded database mode."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from seccoop.accounts.models import Contact
from seccoop.framework.models import Body, Category, Organisation, Party

from .matrix import ReferenceViewTests

pytestmark = pytest.mark.django_db


class TestCategoryPages(ReferenceViewTests):
    list_url = "framework:category_list"
    detail_url = "framework:category_detail"
    history_url = "framework:category_history"
    edit_url = "framework:category_edit"

    def make(self) -> Any:
        return Category.objects.get(code="II.d")

    def edit_data(self, obj: Any) -> dict[str, Any]:
        return {
            f"{f}_{lang}": getattr(obj, f"{f}_{lang}") or "x"
            for f in ("name", "objective")
            for lang in ("en", "es", "fr", "nl")
        }


class TestOrganisationPages(ReferenceViewTests):
    list_url = "framework:organisation_list"
    detail_url = "framework:organisation_detail"
    history_url = "framework:organisation_history"
    edit_url = "framework:organisation_edit"

    def make(self) -> Any:
        return Organisation.objects.get(code="IMPACS")

    def edit_data(self, obj: Any) -> dict[str, Any]:
        data = {
            f"{f}_{lang}": getattr(obj, f"{f}_{lang}") or ""
            for f in ("name", "short_name")
            for lang in ("en", "es", "fr", "nl")
        }
        return {
            **data,
            "website": "https://caricomimpacs.org",
            "iati_identifier": "",
            "iati_type": "",
        }


class TestPartyPages(ReferenceViewTests):
    list_url = "framework:party_list"
    detail_url = "framework:party_detail"
    history_url = "framework:party_history"

    def make(self) -> Any:
        return Party.objects.get(iso3="TTO")


class TestBodyPages(ReferenceViewTests):
    list_url = "framework:body_list"
    detail_url = "framework:body_detail"
    history_url = "framework:body_history"

    def make(self) -> Any:
        return Body.objects.get(organisation__code="DIALOGUE")


def test_admin_pages_load_and_read_through_the_policy(admin_client: Any, make_contact: Any) -> None:
    hidden = make_contact(
        owner="JAM", tlp="RED", name="Red for someone else", recipients=("jam_focal",)
    )
    for name in [
        "admin:index",
        "admin:accounts_user_changelist",
        "admin:accounts_membership_changelist",
        "admin:accounts_contact_changelist",
        "admin:accounts_apitoken_changelist",
        "admin:framework_category_changelist",
        "admin:framework_organisation_changelist",
        "admin:framework_party_changelist",
        "admin:core_auditevent_changelist",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name
    contacts = admin_client.get(reverse("admin:accounts_contact_changelist")).content.decode()
    assert "Red for someone else" not in contacts
    assert admin_client.get(
        reverse("admin:accounts_contact_change", args=[hidden.pk])
    ).status_code in (302, 404)
    assert Contact.objects.filter(pk=hidden.pk).exists()


def test_admin_needs_staff(client_for: Any) -> None:
    response = client_for("secretariat").get(reverse("admin:index"))
    assert response.status_code == 302
