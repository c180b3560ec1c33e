"""Demo personas and contacts (development mode only)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from seccoop.core.demo import DemoContext
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation

from .models import Contact, Membership, Role, User

#: The e-mail domain of every demo persona (how personas were told apart before ``is_demo``).
DEMO_EMAIL_DOMAIN = "demo.seccoop.invalid"

#: username -> (first name, last name, [(organisation code, role)])
PERSONAS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "secretariat": ("Simone", "Alleyne", [("COMMISSION", Role.SECRETARIAT)]),
    "jam_focal": ("Andre", "Campbell", [("JAM", Role.FOCAL_POINT)]),
    "brb_focal": ("Kerri-Ann", "Greaves", [("BRB", Role.FOCAL_POINT)]),
    "dom_focal": ("Rosa", "Martínez", [("DOM", Role.FOCAL_POINT)]),
    "twg_member": ("Marcus", "Baptiste", [("TWG", Role.TWG_MEMBER)]),
    "inl_partner": ("Laura", "Whitfield", [("US-INL", Role.PARTNER_OFFICER)]),
    "watch_officer": ("Devon", "Ramsaran", [("CCC", Role.WATCH_OFFICER)]),
    "viewer": ("Nadia", "Joseph", [("COMMISSION", Role.VIEWER)]),
}

#: (owner, name, position, tlp, released to)
CONTACTS = [
    ("COMMISSION", "Commission Secretariat desk", "Secretariat duty officer", TLP.CLEAR, []),
    ("COMMISSION", "Commission reporting officer", "Reporting and metrics", TLP.GREEN, []),
    (
        "JAM",
        "Jamaica national focal point",
        "Ministry of National Security",
        TLP.AMBER,
        ["COMMISSION"],
    ),
    ("JAM", "Jamaica Constabulary Force liaison", "Liaison officer", TLP.AMBER_STRICT, []),
    ("BRB", "Barbados national focal point", "Ministry of Home Affairs", TLP.AMBER, ["COMMISSION"]),
    ("BRB", "Barbados Police Service liaison", "Liaison officer", TLP.AMBER_STRICT, []),
    (
        "DOM",
        "Punto focal nacional de la República Dominicana",
        "Ministerio de Defensa",
        TLP.AMBER,
        ["COMMISSION", "USA"],
    ),
    ("US-INL", "INL Caribbean programme officer", "Programme officer", TLP.GREEN, []),
    (
        "CCC",
        "Coordination Centre watch floor",
        "Duty watch officer",
        TLP.AMBER,
        ["COMMISSION", "RSS"],
    ),
]


def load_personas(ctx: DemoContext) -> None:
    orgs = {o.code: o for o in Organisation.objects.all()}
    with transaction.atomic():
        for username, (first, last, roles) in PERSONAS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                    is_demo=True,
                )
                # The published demo password, deliberately not validated: development mode only.
                user.set_password(ctx.password)
                user._change_reason = "Demo persona"
                user.save()
            for code, role in roles:
                Membership.objects.get_or_create(
                    user=user, organisation=orgs[code], role=role, start=date(2010, 5, 27)
                )
        for owner, name, position, tlp, released in CONTACTS:
            contact, created = Contact.objects.get_or_create(
                owner=orgs[owner], name=name, defaults={"position": position, "tlp": tlp}
            )
            if created:
                contact.releasable_to.set([orgs[c] for c in released])
    ctx.log(f"  {len(PERSONAS)} personas, {len(CONTACTS)} contacts")
