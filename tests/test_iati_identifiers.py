"""IATI organisation identifiers: the partners' identifiers are the ones they publish under and
pass the check against the code lists; a malformed identifier, a withdrawn registration agency or
an unknown CRS channel code is refused, naming the field; an existing database gets the corrected
identifiers from ``load-framework``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from seccoop.framework.forms import OrganisationForm
from seccoop.framework.iati_identifiers import channel_codes, check
from seccoop.framework.models import Organisation
from seccoop.framework.services import framework_data, load_framework

pytestmark = pytest.mark.django_db


def partners() -> dict[str, str]:
    return {p["code"]: p["iati_identifier"] for p in framework_data()["partners"]}


def test_every_partner_identifier_passes_the_check() -> None:
    for code, ref in partners().items():
        verdict = check(ref)
        assert verdict.ok, (code, ref, verdict.message)
    # Each organisation publishes under its own identifier: no two partners share one.
    refs = list(partners().values())
    assert len(refs) == len(set(refs))


def test_the_partners_are_the_organisations_the_code_lists_name() -> None:
    ids = partners()
    # INL reports to IATI as the U.S. Department of State (US-GOV-11); US-GOV-1 is USAID's.
    assert (ids["US-INL"], ids["US-USAID"]) == ("US-GOV-11", "US-GOV-1")
    # UNODC's CRS channel code is 41128; 41123 is UNIDO's.
    assert ids["UNODC"] == "XM-DAC-41128"
    assert check(ids["UNODC"]).name == "United Nations Office on Drugs and Crime"
    assert check("XM-DAC-41123").name == "United Nations Industrial Development Organisation"
    # The IDB publishes under the identifier IATI allocated to it.
    assert ids["IDB"] == "XI-IATI-IADB"
    assert (ids["EU"], ids["CA-GAC"], ids["GB-FCDO"]) == ("XI-IATI-EC_INTPA", "CA-3", "GB-GOV-1")
    assert {check(ids[c]).kind for c in ("EU", "GB-FCDO", "IDB")} == {"agency"}
    assert {check(ids[c]).kind for c in ("CA-GAC", "US-INL", "US-USAID")} == {"legacy"}
    assert len(channel_codes()) > 400


@pytest.mark.parametrize(
    ("ref", "kind", "words"),
    [
        ("XM-DAC-99999", "unknown-channel", "99999 is not an OECD DAC CRS channel code"),
        ("XM-DAC-ABC", "malformed", "after XM-DAC- comes a CRS channel code"),
        ("GB-GOVUK-home_office", "withdrawn", "GB-GOVUK has been withdrawn. Use GB-GOR instead"),
        ("US-DOS-64562614", "withdrawn", "US-DOS has been withdrawn"),
        ("DAC-1601", "malformed", "is not an IATI organisation identifier"),
        ("41AAA", "malformed", "is not an IATI organisation identifier"),
    ],
)
def test_a_bad_identifier_is_refused_with_the_reason(ref: str, kind: str, words: str) -> None:
    verdict = check(ref)
    assert (verdict.ok, verdict.kind) == (False, kind)
    assert words in verdict.message


@pytest.mark.parametrize(
    "ref", ["GB-CHC-202918", "XM-DAC-1-8", "XM-DAC-7", "XI-IATI-EC_INTPA", "CA-3", ""]
)
def test_good_identifiers_pass(ref: str) -> None:
    assert check(ref).ok


def test_the_organisation_form_names_the_field(world: None, users: dict[str, Any]) -> None:
    org = Organisation.objects.get(code="UNODC")
    data = {
        "name_en": org.name_en,
        "iati_identifier": "XM-DAC-99999",
        "iati_type": "40",
        "form_version": org.version,
        "change_reason": "Corrected",
    }
    form = OrganisationForm(data=data, instance=org, user=users["secretariat"])
    assert not form.is_valid()
    assert form.errors["iati_identifier"] == [
        "XM-DAC-99999: 99999 is not an OECD DAC CRS channel code."
    ]
    org.iati_identifier = "US-DOS-1"
    with pytest.raises(ValidationError) as caught:
        org.full_clean()
    assert "iati_identifier" in caught.value.message_dict


def test_load_framework_corrects_an_existing_database(world: None) -> None:
    """A database loaded before the correction holds USAID's identifier for INL and UNIDO's
    channel code for UNODC; the upgrade's ``load-framework`` sets the right ones, with history."""
    Organisation.objects.filter(code="US-INL").update(iati_identifier="US-GOV-1")
    Organisation.objects.filter(code="UNODC").update(iati_identifier="XM-DAC-41123")
    report = load_framework()
    assert report.updated.get("organisation") == 2
    assert Organisation.objects.get(code="US-INL").iati_identifier == "US-GOV-11"
    unodc = Organisation.objects.get(code="UNODC")
    assert unodc.iati_identifier == "XM-DAC-41128"
    last = unodc.history.order_by("-history_date").first()
    assert last is not None and last.history_change_reason == "Updated from the Framework data file"
    assert load_framework().changed == 0
