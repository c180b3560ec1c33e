"""Demo meetings: a Dialogue a year from 2010 with alternating venues, two Commission meetings a
year, and decisions and action items in every state. Only the first Dialogue (27 May 2010,
Washington) is a real date; every other meeting is invented and its title says "(demo)"."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext
from seccoop.framework.models import Body, Category, Organisation, Party

from .models import ActionItem, AgendaItem, Decision, Meeting, PreparationTask
from .services import (
    add_action_item,
    answer_invitation,
    close_action_item,
    complete_task,
    invite_member,
    local_to_utc,
    save_part,
    schedule,
)

#: (city, ISO alpha-3 of the host, IANA time zone) in the order the demo Dialogues use them
CARIBBEAN_VENUES = [
    ("Port of Spain", "TTO", "America/Port_of_Spain"),
    ("Kingston", "JAM", "America/Jamaica"),
    ("Bridgetown", "BRB", "America/Barbados"),
    ("Nassau", "BHS", "America/Nassau"),
    ("Santo Domingo", "DOM", "America/Santo_Domingo"),
    ("Georgetown", "GUY", "America/Guyana"),
    ("Castries", "LCA", "America/St_Lucia"),
    ("Paramaribo", "SUR", "America/Paramaribo"),
]
US_VENUES = [("Washington, D.C.", "USA", "America/New_York"), ("Miami", "USA", "America/New_York")]
ACTIONS = [
    "Circulate the draft joint report to the focal points",
    "Update the Needs Assessment Matrix entries for the next cycle",
    "Report indicator values for the last quarter",
    "Nominate members for the Technical Working Group",
    "Share the maritime information-sharing protocol with the Coordination Centre",
    "Prepare the costed proposals for the Resource Mobilization Committee",
]


def _meeting(
    body: Body,
    title: str,
    day: date,
    venue: tuple[str, str, str],
    parties: dict[str, Party],
    actor: Any,
    status: str,
) -> Meeting:
    city, iso3, zone = venue
    meeting = Meeting(
        body=body,
        title=title,
        start=local_to_utc(day, 10, 0, zone),
        end=local_to_utc(day, 17, 0, zone),
        time_zone=zone,
        venue_city=city,
        host=parties.get(iso3),
        status=status,
    )
    return schedule(meeting, actor=actor, reason="Demo data")


#: (code, name, mandate, categories, established, sunset or None, state members, partners)
GROUPS = [
    (
        "TWG-MARITIME",
        "Technical Working Group on Maritime and Airspace Security (demo)",
        "Advance the information-sharing protocols of the regional Maritime and Airspace Security "
        "Coordination Centre and propose measures on interdiction at sea and in the air.",
        ["I.a", "II.b"],
        date(2021, 3, 1),
        date(2027, 12, 31),
        ["BHS", "BRB", "DOM", "JAM", "TTO", "USA"],
        ["UNODC"],
    ),
    (
        "TWG-FIREARMS",
        "Technical Working Group on Illicit Firearms and Ammunition (demo)",
        "Review firearms tracing and stockpile management across the parties and develop "
        "benchmarks for the Small Arms and Light Weapons category.",
        ["I.b", "II.d"],
        date(2022, 6, 1),
        date(2028, 6, 30),
        ["GUY", "HTI", "JAM", "LCA", "TTO", "USA"],
        ["UNODC", "EU"],
    ),
    (
        "TWG-JUSTICE",
        "Technical Working Group on Criminal Justice Reform (demo)",
        "Propose measures to reduce case backlogs and strengthen juvenile justice and legal aid.",
        ["III.b", "III.a"],
        date(2019, 9, 1),
        date(2025, 12, 31),
        ["BLZ", "DOM", "JAM", "SUR", "USA"],
        ["IDB"],
    ),
]
NGO = (
    "CARIB-CSO-FORUM",
    "Caribbean Civil Society Security Forum (demo)",
)


def load_demo_groups(ctx: DemoContext, actor: Any, parties: dict[str, Party]) -> list[Body]:
    """Three Technical Working Groups under the ad hoc TWGs: mandate, categories, members (States,
    an international partner accepted and one still invited, a non-governmental stakeholder), and
    one group past its sunset date so the cadence warning shows."""
    parent = Body.objects.select_related("organisation").get(organisation__code="TWG")
    categories = {c.code: c for c in Category.objects.all()}
    ngo, _created = Organisation.objects.get_or_create(
        code=NGO[0],
        defaults={"kind": Organisation.Kind.NGO, "name": NGO[1], "side": "caribbean"},
    )
    groups = []
    for code, name, mandate, cats, established, sunset, states, partners in GROUPS:
        org, _created = Organisation.objects.get_or_create(
            code=code,
            defaults={
                "kind": Organisation.Kind.BODY,
                "name": name,
                "side": "joint",
                "parent": parent.organisation,
            },
        )
        body, _created = Body.objects.get_or_create(
            organisation=org,
            defaults={
                "body_type": Body.BodyType.TWG,
                "parent": parent,
                "cadence": "As needed (demo)",
                "mandate": mandate,
                "established": established,
                "sunset": sunset,
                "may_include_partners": True,
                "may_include_ngos": True,
            },
        )
        body.categories.set([categories[c] for c in cats if c in categories])
        for iso3 in states:
            if iso3 in parties:
                invite_member(body, parties[iso3].organisation, actor=actor, on=established)
        for n, partner in enumerate(partners):
            org = Organisation.objects.filter(code=partner).first()
            if org is not None:
                member = invite_member(body, org, actor=actor, on=established)
                if n == 0:
                    answer_invitation(
                        member, actor=actor, accept=True, on=established + timedelta(days=20)
                    )
        invite_member(body, ngo, actor=actor, on=established + timedelta(days=60))
        groups.append(body)
    return groups


def load_demo_meetings(ctx: DemoContext) -> None:
    if Meeting.objects.exists():
        ctx.log("meetings demo: already loaded")
        return
    rng = random.Random(ctx.seed + 707)
    actor = User.objects.filter(username="secretariat").first()
    bodies = {b.organisation.code: b for b in Body.objects.select_related("organisation")}
    parties = {p.iso3: p for p in Party.objects.select_related("organisation")}
    caribbean = [p for p in parties.values() if p.organisation.side == "caribbean"]
    today = timezone.localdate()
    count = 0
    owners = itertools.cycle(sorted(caribbean, key=lambda p: p.iso3))  # every state gets items
    with transaction.atomic():
        groups = load_demo_groups(ctx, actor, parties)
        for year in range(2010, today.year + 1):
            if year == 2010:
                venue, title = US_VENUES[0], "Caribbean-U.S. Security Cooperation Dialogue 2010"
                day = date(2010, 5, 27)
            else:
                us_turn = year % 2 == 0
                venue = (
                    US_VENUES[(year // 2) % 2]
                    if us_turn
                    else CARIBBEAN_VENUES[(year // 2) % len(CARIBBEAN_VENUES)]
                )
                title, day = f"High-Level Dialogue {year} (demo)", date(year, 6, 10 + year % 15)
            status = Meeting.Status.HELD if day < today else Meeting.Status.PLANNED
            meetings = [_meeting(bodies["DIALOGUE"], title, day, venue, parties, actor, status)]
            for half, month in ((1, 3), (2, 10)):
                day = date(year, month, 8 + year % 12)
                status = Meeting.Status.HELD if day < today else Meeting.Status.PLANNED
                host = CARIBBEAN_VENUES[(year + half) % len(CARIBBEAN_VENUES)]
                meetings.append(
                    _meeting(
                        bodies["COMMISSION"],
                        f"Commission meeting {year}-{half} (demo)",
                        day,
                        host,
                        parties,
                        actor,
                        status,
                    )
                )
            for meeting in meetings:
                count += 1
                save_part(
                    AgendaItem(
                        meeting=meeting,
                        order=1,
                        title="Status of implementation of the Plan of Action",
                    ),
                    actor=actor,
                )
                save_part(
                    AgendaItem(
                        meeting=meeting,
                        order=2,
                        title="Needs Assessment Matrix and resource mobilization",
                    ),
                    actor=actor,
                )
                if meeting.status != Meeting.Status.HELD:
                    continue
                save_part(
                    Decision(
                        meeting=meeting,
                        number=1,
                        text="The report on the status of implementation is noted (demo).",
                    ),
                    actor=actor,
                )
                for _n in range(rng.randint(1, 3)):
                    item = add_action_item(
                        ActionItem(
                            meeting=meeting,
                            title=rng.choice(ACTIONS),
                            owner_party=next(owners),
                            due=meeting.local_start.date() + timedelta(days=rng.randint(30, 150)),
                        ),
                        actor=actor,
                    )
                    if item.due < today - timedelta(days=150) or rng.random() < 0.3:
                        close_action_item(item, actor=actor, on=min(item.due, today))
        for body in groups:
            for year in range(max(body.established.year, 2019), today.year + 1):
                day = date(year, 5, 12 + year % 10)
                if day < body.established or (body.sunset and day > body.sunset):
                    continue
                status = Meeting.Status.HELD if day < today else Meeting.Status.PLANNED
                meeting = _meeting(
                    body,
                    f"{body.organisation.name.replace(' (demo)', '')} {year} (demo)",
                    day,
                    CARIBBEAN_VENUES[year % len(CARIBBEAN_VENUES)],
                    parties,
                    actor,
                    status,
                )
                count += 1
                if status == Meeting.Status.HELD:
                    save_part(
                        Decision(
                            meeting=meeting,
                            number=1,
                            kind=Decision.Kind.GENERAL,
                            text="The group proposes additional measures to the Commission (demo).",
                        ),
                        actor=actor,
                    )
                    add_action_item(
                        ActionItem(
                            meeting=meeting,
                            title="Draft benchmarks for the group's categories",
                            owner_body=body,
                            due=day + timedelta(days=90),
                        ),
                        actor=actor,
                    )
        # The preparations of Dialogues already held are done.
        for task in PreparationTask.objects.filter(meeting__status=Meeting.Status.HELD):
            complete_task(task, actor=actor, on=task.due)
    ctx.log(f"meetings demo: {count} meetings, {len(groups)} working groups")
