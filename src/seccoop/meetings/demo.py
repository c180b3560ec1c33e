"""Demo meetings: a Dialogue a year from 2010 with alternating venues, two Commission meetings a
year, and decisions and action items in every state. Only the first Dialogue (27 May 2010,
Washington) is a real date; every other meeting is invented and its title says "(demo)"."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext
from seccoop.framework.models import Body, Party

from .models import ActionItem, AgendaItem, Decision, Meeting
from .services import add_action_item, close_action_item, local_to_utc, save_part, schedule

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
    with transaction.atomic():
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
                            owner_party=rng.choice(caribbean),
                            due=meeting.local_start.date() + timedelta(days=rng.randint(30, 150)),
                        ),
                        actor=actor,
                    )
                    if item.due < today - timedelta(days=150) or rng.random() < 0.3:
                        close_action_item(item, actor=actor, on=min(item.due, today))
    ctx.log(f"meetings demo: {count} meetings")
