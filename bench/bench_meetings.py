"""The meeting pack on the large set: ``gather`` against plain SQL, then PDF and DOCX rendering.

The pack (implementation since the last meeting, overdue action items, off-track indicators, the
funding gap by State, upcoming deadlines) is built for the next Commission meeting, three weeks
ahead, as of today, as a secretariat officer (a user with one membership: the COMMISSION
organisation, role secretariat), in English, on a large set built in a throwaway database (the
sizes are options; the printout gives the shape):

* Plan of Action: an adopted version of 2,000 measures and 10,000 milestones, and the superseded
  version before it (the same measures, copied as ``start_next_version`` copies them), so the
  pack's "current plan" filter has work to do. Milestones fall due from three years ago to two
  years ahead: a few hundred were completed since the last Commission meeting and a few hundred
  open ones fall due in the next 90 days.
* Meetings: 100 Commission meetings since 2010, about every two months (3 % cancelled; the next
  two planned), a Dialogue a year (the next one in 60 days, with its preparations checklist),
  Technical Working Group and Resource Mobilization Committee meetings; 5,000 action items on the
  Commission's meetings (a share open and overdue, a share due in the next 90 days) and ten on
  every other body's meeting.
* Monitoring: about 50,000 reported values (annual indicators x the 16 Caribbean States x 14
  years x 6 cells), with baselines and targets for 2015, 2020 and 2024, so that ``off_track``
  has a few hundred indicator x State pairs to rank.
* Funding (when ``seccoop.funding`` is installed): five assessment cycles of costed needs and
  about 5,000 transactions (pledges, commitments, disbursements) with recipient shares on the
  adopted plan's measures. Amounts are whole thousands of USD and shares whole percentages.
* Markings as the services set them: measures, milestones and meetings owned by the Commission
  and mostly TLP:CLEAR (plan) or TLP:GREEN (meetings), a share TLP:AMBER (released to the
  Commission or not), TLP:AMBER+STRICT of another owner, or TLP:RED naming someone else, so the
  secretariat does not see everything. Milestones take their measure's owner, marking, releases
  and recipients; action items and preparation tasks their meeting's. Values, targets, baselines
  and needs are owned by their State, transactions by their provider; part of each is hidden.
* Loading: measures, meetings, indicators, targets, baselines, transactions and users with
  ``bulk_create``; milestones, action items, values and needs with ``executemany`` on Django's
  cursor (every column Django would write, defaults adapted by the fields themselves); release
  and recipient rows with INSERT ... SELECT. No history rows, no audit events: this is a read
  benchmark. Then the planner statistics are refreshed (``core.db.refresh_statistics`` on
  SQLite, as the importers do; ANALYZE on PostgreSQL, what autovacuum does after a bulk load).

A. ``pack.gather(meeting, secretariat, today)``: median seconds over ``--repeat`` runs, and its
   query count. Each run starts as a request would: the meeting freshly loaded as the pack view
   loads it (not timed) and the user's access scope forgotten (so its membership query counts).
   The floor is plain SQL through ``connection.cursor()`` computing the same pack data: the
   user's memberships, the meeting's heading, the previous meeting, the current plan, the
   measure counts by status, then each section's rows with the same filters, order and limits
   (60 rows a section), turned into the same strings (dates, codes, owners, figures, money).
   Visibility in the floor is the full TLP read rule of ``seccoop.accounts.policy`` for a member,
   written as SQL: nothing is simplified. The floor follows gather's rules as they are, including
   two that look wrong (off-track rows are not filtered on the indicator's own visibility; the
   upcoming milestones are the first 60 in the plan's order, not the 60 soonest). Off-track
   progress is computed in SQL in double precision, the same operations as gather's Python
   floats; the funding section applies the counting rule of ``funding.services`` in SQL
   (committed per measure and provider over all years, the cycle's year for the sums). Before
   anything is timed, the floor's output is checked to equal gather's section by section
   (heading and marking, the implementation note, the section titles that carry a date or a
   year, every row), and again after the timed runs. What SQL cannot say directly the floor does as gather
   does, in Python: venue time zones (a meeting's local date), the days late, and the meetings of
   the "upcoming" section, whose local date is compared with the horizon after fetching the
   planned meetings that start before the horizon's day + 2 (a superset in every time zone).
   Runs alternate between gather and the floor.
B. Rendering the pack gathered in A: ``render_pdf`` (typst) and ``render_docx`` (python-docx),
   median seconds over ``--repeat`` runs each after one warm-up (typst loads its fonts), with the
   output size. The reference for each renderer is the same renderer on the same pack with every
   section's rows removed (the fixed cost of template, fonts and document); the printout gives
   the ratio and the cost per row above that floor.

By default the database is a temporary SQLite file, deleted at the end (``--keep`` keeps it).
With ``DATABASE_URL`` set, that database is used instead: it must be a throwaway database (the
benchmark migrates it, loads the Framework and leaves the large set in it; drop it afterwards).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BATCH = 10_000
MAX_ROWS = 60  # seccoop.meetings.pack.MAX_ROWS, checked at start-up
HORIZON = 90  # seccoop.meetings.pack.HORIZON, checked at start-up
INDICATOR_PREFIX = "MTG-BENCH-"
YEARS = range(2011, 2025)
TARGET_YEARS = (2015, 2020, 2024)
FIRST_MEETING = date(2010, 6, 1)
NEXT_COMMISSION_IN = 21  # days from today to the meeting whose pack is built
DIALOGUE_IN = 60  # days from today to the next Dialogue (its checklist falls due meanwhile)

#: (share, TLP, owner code, released to, named recipients): the plan's markings. The secretariat
#: (COMMISSION) sees the first three; AMBER unreleased, AMBER+STRICT of the TWG and RED not naming
#: it stay hidden.
PLAN_MARKINGS = [
    (0.80, "CLEAR", "COMMISSION", (), False),
    (0.08, "GREEN", "COMMISSION", (), False),
    (0.05, "AMBER", "TWG", ("COMMISSION",), False),
    (0.03, "AMBER", "TWG", (), False),
    (0.02, "AMBER+STRICT", "TWG", (), False),
    (0.02, "RED", "COMMISSION", (), True),
]
#: The same for meetings (``schedule`` makes the Commission the owner of every meeting).
MEETING_MARKINGS = [
    (0.85, "GREEN", "COMMISSION", (), False),
    (0.07, "AMBER", "COMMISSION", ("CARICOM-SEC",), False),
    (0.05, "AMBER+STRICT", "COMMISSION", (), False),
    (0.03, "RED", "COMMISSION", (), True),
]
VENUES = [
    ("Port of Spain", "TTO", "America/Port_of_Spain"),
    ("Washington, D.C.", "USA", "America/New_York"),
    ("Kingston", "JAM", "America/Jamaica"),
    ("Bridgetown", "BRB", "America/Barbados"),
    ("Miami", "USA", "America/New_York"),
    ("Santo Domingo", "DOM", "America/Santo_Domingo"),
    ("Georgetown", "GUY", "America/Guyana"),
    ("Nassau", "BHS", "America/Nassau"),
]
ACTIONS = [
    "Circulate the draft joint report to the focal points",
    "Update the Needs Assessment Matrix entries for the next cycle",
    "Report indicator values for the last quarter",
    "Nominate members for the Technical Working Group",
    "Share the maritime information-sharing protocol with the Coordination Centre",
    "Prepare the costed proposals for the Resource Mobilization Committee",
    "Confirm the venue and dates of the next meeting",
    "Review the benchmarks proposed for the firearms measures",
]
MEASURE_TITLES = [
    "Port security assessments",
    "Forensic laboratory accreditation",
    "Juvenile justice diversion programme",
    "Maritime patrol vessel maintenance",
    "Firearms tracing capacity",
    "Border management information system",
    "Anti-money-laundering supervision",
    "Cybercrime investigation training",
    "Community policing pilots",
    "Prison case-management system",
]
REGIONS = [
    "Eastern Caribbean",
    "Northern Caribbean",
    "Southern Caribbean",
    "Hispaniola",
    "Regional",
]
STEPS = ["inception", "procurement", "delivery", "training", "evaluation", "handover"]
FIRST_NAMES = ["Amelia", "Brian", "Camille", "Dwayne", "Esther", "Fitzroy", "Gail", "Horace"]
LAST_NAMES = ["Baptiste", "Charles", "Douglas", "Edwards", "François", "Gordon", "Hinds"]
MEASURE_STATUSES = [
    ("pipeline", 0.2),
    ("implementation", 0.45),
    ("finalisation", 0.15),
    ("closed", 0.1),
    ("suspended", 0.05),
    ("cancelled", 0.05),
]


def say(line: str = "") -> None:
    """The benchmark's report goes to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def setup_django() -> Path:
    """Configure Django on a fresh SQLite file (or ``DATABASE_URL``); return the temp folder."""
    # A folder of our own, even with DATABASE_URL (uploads, static files): never a real one.
    made = Path(tempfile.mkdtemp(prefix="seccoop-bench-meetings-"))
    os.environ["SECCOOP_DATA_DIR"] = str(made)
    os.environ["SECCOOP_DEBUG"] = "1"
    os.environ.setdefault("SECCOOP_LOG_LEVEL", "ERROR")
    Path(os.environ["SECCOOP_DATA_DIR"], "static").mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "seccoop.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_framework", stdout=io.StringIO())
    return made


def pick(rng: random.Random, weighted: list[Any]) -> Any:
    """One entry of a list whose entries start with their share (the shares sum to 1)."""
    draw = rng.random()
    for entry in weighted:
        draw -= entry[0]
        if draw < 0:
            return entry
    return weighted[-1]


def median_of(call: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Median seconds of ``call`` over ``reps`` runs, and its last result."""
    times, result = [], None
    for _ in range(reps):
        t = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


# --- the large set --------------------------------------------------------------------------


class Inserter:
    """Rows straight into a model's table with ``executemany``, ``BATCH`` rows a transaction.

    Every column the caller does not set takes the value Django would write for a new instance
    (defaults and ``auto_now`` included), adapted once by the field itself; what the caller sets is
    adapted by its field too. No history rows, no signals.
    """

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.connection = connection
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        proto = model()
        self.template = [
            f.get_db_prep_save(f.pre_save(proto, add=True), connection) for f in fields
        ]
        self.at = {f.attname: n for n, f in enumerate(fields)}
        self.fields = {f.attname: f for f in fields}
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.rows: list[list[Any]] = []
        self.count = 0

    def add(self, **values: Any) -> None:
        row = self.template.copy()
        for name, value in values.items():
            row[self.at[name]] = self.fields[name].get_db_prep_save(value, self.connection)
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []

    def finish(self) -> int:
        if self.rows:
            self.flush()
        return self.count


def copy_marking_rows(child: Any, parent_field: str, parent: Any) -> int:
    """Give every ``child`` row its parent's releases and recipients: one INSERT ... SELECT each."""
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    link = child._meta.get_field(parent_field).column
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for name in ("releasable_to", "recipients"):
            theirs = parent._meta.get_field(name)
            ours = child._meta.get_field(name)
            sql = f"""
                INSERT INTO {qn(ours.m2m_db_table())}
                    ({qn(ours.m2m_column_name())}, {qn(ours.m2m_reverse_name())})
                SELECT c.id, r.{qn(theirs.m2m_reverse_name())}
                FROM {qn(child._meta.db_table)} c
                JOIN {qn(theirs.m2m_db_table())} r ON r.{qn(theirs.m2m_column_name())} = c.{qn(link)}
            """  # noqa: S608 - names from the models
            cursor.execute(sql)
            total += cursor.rowcount
    return total


def mark(obj: Any, marking: tuple[Any, ...], orgs: dict[str, Any]) -> None:
    obj.tlp, obj.owner_id = marking[1], orgs[marking[2]].pk


def link_markings(
    model: Any, objects: list[Any], markings: list[tuple[Any, ...]], orgs: dict[str, Any], red: Any
) -> None:
    """The release and recipient rows of ``objects`` (``markings`` in the same order)."""
    releases = model.releasable_to.through
    recipients = model.recipients.through
    source = model._meta.get_field("releasable_to").m2m_field_name()
    rel_rows, rec_rows = [], []
    for obj, marking in zip(objects, markings, strict=True):
        for code in marking[3]:
            rel_rows.append(releases(**{f"{source}_id": obj.pk, "organisation_id": orgs[code].pk}))
        if marking[4]:
            rec_rows.append(recipients(**{f"{source}_id": obj.pk, "user_id": red.pk}))
    releases.objects.bulk_create(rel_rows, batch_size=BATCH)
    recipients.objects.bulk_create(rec_rows, batch_size=BATCH)


def build(args: argparse.Namespace, today: date) -> dict[str, Any]:
    from django.apps import apps
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from seccoop.accounts.models import Membership, Role, User
    from seccoop.core.db import refresh_statistics
    from seccoop.framework.models import Body, Category, Organisation, Party
    from seccoop.meetings.models import (
        ActionItem,
        Meeting,
        PreparationTask,
        PreparationTemplate,
    )
    from seccoop.meetings.services import local_to_utc
    from seccoop.monitoring.models import Indicator, Value
    from seccoop.plan.models import Measure, Milestone, PlanVersion

    if Indicator.objects.filter(code__startswith=INDICATOR_PREFIX).exists():
        raise SystemExit(
            "This database already holds a benchmark set: point DATABASE_URL at an empty database."
        )
    rng = random.Random(2010)
    started = time.perf_counter()
    orgs = {o.code: o for o in Organisation.objects.all()}
    commission = orgs["COMMISSION"]
    bodies = {b.organisation.code: b for b in Body.objects.select_related("organisation")}
    parties = list(Party.objects.select_related("organisation").order_by("iso3"))
    by_iso3 = {p.iso3: p for p in parties}
    categories = list(Category.objects.order_by("code"))

    # People: the secretariat officer the pack is gathered for, and the officers who own action
    # items (the first is the one participant named on TLP:RED records).
    secretariat = User.objects.create_user("secretariat", "secretariat@example.invalid")
    Membership.objects.create(
        user=secretariat, organisation=commission, role=Role.SECRETARIAT, start=date(2010, 5, 27)
    )
    unusable = make_password(None)
    officers = User.objects.bulk_create(
        [
            User(
                username=f"officer{n:02d}",
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                last_name=LAST_NAMES[n % len(LAST_NAMES)],
                email=f"officer{n:02d}@example.invalid",
                password=unusable,
            )
            for n in range(24)
        ]
    )
    red = officers[0]

    # --- the Plan of Action: the superseded version and the adopted one ----------------------
    PlanVersion.objects.filter(status=PlanVersion.Status.ADOPTED).update(
        status=PlanVersion.Status.SUPERSEDED
    )
    versions: list[Any] = []
    for year, plan_status, adopted in (
        (today.year - 1, PlanVersion.Status.SUPERSEDED, today - timedelta(days=565)),
        (today.year, PlanVersion.Status.ADOPTED, today - timedelta(days=200)),
    ):
        versions.append(
            PlanVersion.objects.create(
                year=year,
                label=f"Plan of Action {year} (benchmark)",
                status=plan_status,
                adopted_on=adopted,
                adopted_by=orgs["DIALOGUE"],
                based_on=versions[-1] if versions else None,
                owner=commission,
                tlp="CLEAR",
            )
        )
    previous_plan, plan = versions
    specs = []
    for i in range(args.measures):
        category = categories[i % len(categories)]
        start = today - timedelta(days=rng.randrange(-200, 1100))
        title = f"{rng.choice(MEASURE_TITLES)} — {rng.choice(REGIONS)}"
        statuses = [(share, status) for status, share in MEASURE_STATUSES]
        specs.append(
            {
                "code": f"{category.code}-{i + 1:04d}",
                "title": title,
                "category": category,
                "start": start,
                "status": pick(rng, statuses)[1],
                "marking": pick(rng, PLAN_MARKINGS),
                "lineage": uuid.UUID(int=rng.getrandbits(128), version=4),
                "lead": orgs[rng.choice(["IMPACS", "RSS", "CARICOM-SEC", "CCC", "COMMISSION"])],
            }
        )
    per, extra = divmod(args.milestones, max(1, args.measures))
    milestones = Inserter(Milestone)
    plan_measures: dict[int, list[Any]] = {}
    for version in versions:
        objs = []
        for i, spec in enumerate(specs):
            measure = Measure(
                plan=version,
                lineage=spec["lineage"],
                code=spec["code"],
                title=spec["title"],
                title_en=spec["title"],
                description=f"{spec['title']}: a measure generated for the benchmark.",
                description_en=f"{spec['title']}: a measure generated for the benchmark.",
                category=spec["category"],
                lead=spec["lead"],
                twg=orgs["TWG"],
                start=spec["start"],
                end=spec["start"] + timedelta(days=1095),
                status=spec["status"],
                order=i + 1,
            )
            mark(measure, spec["marking"], orgs)
            objs.append(measure)
        plan_measures[version.pk] = Measure.objects.bulk_create(objs, batch_size=500)
        link_markings(Measure, objs, [s["marking"] for s in specs], orgs, red)
    copied_on = versions[1].adopted_on
    for i, spec in enumerate(specs):
        rows = []
        for k in range(per + (1 if i < extra else 0)):
            due = spec["start"] + timedelta(days=120 * (k + 1) + rng.randint(-20, 20))
            done = None
            if due <= today and rng.random() < 0.85:
                done = due + timedelta(days=rng.randint(-30, 45))
                done = done if done <= today else None
            rows.append((f"Milestone {k + 1}: {STEPS[k % len(STEPS)]}", due, done))
        marking = spec["marking"]
        for version in versions:
            measure = plan_measures[version.pk][i]
            for title, due, done in rows:
                if version is previous_plan and done is not None and done > copied_on:
                    done = None  # copied into the next version before it was completed
                milestones.add(
                    measure_id=measure.pk,
                    title=title,
                    due=due,
                    completed_on=done,
                    owner_id=orgs[marking[2]].pk,
                    tlp=marking[1],
                )
    n_milestones = milestones.finish()
    copy_marking_rows(Milestone, "measure", Measure)

    # --- meetings -----------------------------------------------------------------------------
    target_day = today + timedelta(days=NEXT_COMMISSION_IN)
    n = max(3, args.meetings)
    step = max(7, (target_day - FIRST_MEETING).days // (n - 2))
    # (body, day, title, marking, status) of every meeting, the Commission's first.
    slots: list[tuple[Any, date, str, tuple[Any, ...], str]] = []
    for k in range(n):
        day = target_day - timedelta(days=step * (n - 2 - k))
        status = "planned" if day >= today else "cancelled" if rng.random() < 0.03 else "held"
        marking = MEETING_MARKINGS[0] if k == n - 2 else pick(rng, MEETING_MARKINGS)
        slots.append(
            (bodies["COMMISSION"], day, "Regular meeting of the Commission", marking, status)
        )
    for year in range(2010, today.year + 1):
        day = date(year, 5, 27)
        if day < today - timedelta(days=30):
            marking = pick(rng, MEETING_MARKINGS[:2])
            slots.append((bodies["DIALOGUE"], day, f"High-Level Dialogue {year}", marking, "held"))
    dialogue_day = today + timedelta(days=DIALOGUE_IN)
    slots.append(
        (bodies["DIALOGUE"], dialogue_day, "High-Level Dialogue", MEETING_MARKINGS[0], "planned")
    )
    for code, first, every, title in (
        ("TWG", date(2015, 1, 15), 91, "Technical Working Groups plenary"),
        ("CRMC", date(2012, 3, 1), 182, "Resource Mobilization Committee"),
    ):
        day = first
        while day <= today + timedelta(days=120):
            status = "planned" if day >= today else "held"
            slots.append((bodies[code], day, title, pick(rng, MEETING_MARKINGS), status))
            day += timedelta(days=every)
    slots.sort(key=lambda p: (p[0].pk, p[1]))
    numbers: Counter[tuple[int, int]] = Counter()
    meeting_objs = []
    for k, (body, day, title, marking, status) in enumerate(slots):
        city, iso3, zone = VENUES[k % len(VENUES)]
        numbers[(body.pk, day.year)] += 1
        m = Meeting(
            body=body,
            year=day.year,
            sequence=numbers[(body.pk, day.year)],
            title=title,
            start=local_to_utc(day, 10, 0, zone),
            end=local_to_utc(day, 17, 0, zone),
            time_zone=zone,
            venue_city=city,
            host=by_iso3[iso3],
            status=status,
        )
        mark(m, marking, orgs)
        meeting_objs.append(m)
    meetings = Meeting.objects.bulk_create(meeting_objs, batch_size=500)
    marks = [p[3] for p in slots]
    link_markings(Meeting, meetings, marks, orgs, red)
    Meeting.participants.through.objects.bulk_create(
        [
            Meeting.participants.through(meeting_id=m.pk, user_id=red.pk)
            for m, marking in zip(meetings, marks, strict=True)
            if marking[4]
        ]
    )
    target = next(
        m for m in meetings if m.body_id == bodies["COMMISSION"].pk and m.status == "planned"
    )

    # Dialogue preparations: the default checklist for every Dialogue.
    templates = list(PreparationTemplate.objects.filter(active=True))
    tasks = []
    for m in meetings:
        if m.body_id != bodies["DIALOGUE"].pk:
            continue
        day = m.start.astimezone(ZoneInfo(m.time_zone)).date()
        for t in templates:
            due = day - timedelta(days=t.days_before)
            task = PreparationTask(
                meeting=m,
                template=t,
                title=t.title,
                days_before=t.days_before,
                due=due,
                responsible_id=t.owner_id,
                status="done" if due < today else "open",
                done_on=due if due < today else None,
                owner_id=m.owner_id,
                tlp=m.tlp,
            )
            tasks.append(task)
    PreparationTask.objects.bulk_create(tasks, batch_size=500)
    copy_marking_rows(PreparationTask, "meeting", Meeting)

    # Action items: ``--actions`` on the Commission's held meetings, ten on every other one.
    held = [m for m in meetings if m.status == "held"]
    held_commission = [m for m in held if m.body_id == bodies["COMMISSION"].pk]
    items = Inserter(ActionItem)
    owners = [b.pk for b in bodies.values()]
    share, rest = divmod(args.actions, max(1, len(held_commission)))
    com_items = 0
    for m in held:
        day = m.start.astimezone(ZoneInfo(m.time_zone)).date()
        if m.body_id == bodies["COMMISSION"].pk:
            count = share + (1 if held_commission.index(m) < rest else 0)
            com_items += count
        else:
            count = 10
        for j in range(count):
            due = day + timedelta(days=rng.choice([30, 60, 90, 120, 180, 270, 365]))
            due += timedelta(days=rng.randint(-5, 5))
            draw = rng.random()
            if due < today:
                status = "done" if draw < 0.82 else "cancelled" if draw < 0.86 else "open"
            else:
                status = "done" if draw < 0.2 else "open"
            closed = min(today, due + timedelta(days=rng.randint(-20, 20)))
            who = rng.random()
            items.add(
                meeting_id=m.pk,
                title=f"{rng.choice(ACTIONS)} ({j + 1})",
                owner_party_id=rng.choice(parties).pk if who < 0.6 else None,
                owner_body_id=rng.choice(owners) if 0.6 <= who < 0.85 else None,
                owner_user_id=rng.choice(officers).pk if who >= 0.85 else None,
                due=due,
                status=status,
                closed_on=closed if status != "open" else None,
                owner_id=m.owner_id,
                tlp=m.tlp,
            )
    n_items = items.finish()
    copy_marking_rows(ActionItem, "meeting", Meeting)

    # --- monitoring ---------------------------------------------------------------------------
    values = build_monitoring(args.values, orgs, parties, categories, secretariat, rng)
    funding = None
    if apps.is_installed("seccoop.funding"):
        funding = build_funding(
            args.flows, today, orgs, parties, categories, plan_measures[plan.pk], rng
        )

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # What the platform's importers do after a bulk write (PostgreSQL: autovacuum does it).
    refresh_statistics()
    seconds = time.perf_counter() - started
    target = Meeting.objects.select_related("body__organisation").get(pk=target.pk)
    open_overdue = ActionItem.objects.filter(
        meeting__body=target.body, status="open", due__lt=today
    ).count()
    com_meetings = sum(1 for m in meetings if m.body_id == bodies["COMMISSION"].pk)
    say(
        f"large set: {plan.label} (adopted) with {len(specs):,} measures and "
        f"{n_milestones // 2:,} milestones, and {previous_plan.label} (superseded), the same size"
    )
    say(
        f"  {len(meetings):,} meetings ({com_meetings} of the Commission since "
        f"{FIRST_MEETING.year}, every {step} days), {n_items:,} action items "
        f"({com_items:,} on the Commission's meetings, {open_overdue:,} of them open and "
        f"overdue), {len(tasks)} Dialogue preparation tasks"
    )
    say(
        f"  {values['values']:,} monitoring values ({values['indicators']} annual indicators x "
        f"{values['states']} Caribbean States x {len(YEARS)} years x {values['cells']} cells), "
        f"{values['targets']:,} targets ({', '.join(map(str, TARGET_YEARS))}), "
        f"{values['baselines']:,} baselines"
    )
    if funding is not None:
        say(
            f"  funding: {funding['needs']:,} costed needs in {funding['cycles']} assessment cycles "
            f"({funding['first']}-{funding['last']}), {funding['transactions']:,} transactions "
            f"(pledges, commitments, disbursements) on the adopted plan's measures, "
            f"{funding['shares']:,} recipient shares"
        )
    say(
        f"  built in {seconds:.1f} s: bulk_create, executemany ({BATCH:,} rows a transaction) and "
        "INSERT ... SELECT, no history rows; then the planner statistics refreshed"
    )
    say(f"  monitoring_value holds {Value.objects.count():,} rows (with the reference series)")
    return {"user": secretariat, "meeting": target.pk, "code": target.code}


def build_monitoring(
    wanted: int,
    orgs: dict[str, Any],
    parties: list[Any],
    categories: list[Any],
    approver: Any,
    rng: Any,
) -> dict[str, int]:
    from django.db import connection, transaction
    from django.utils import timezone

    from seccoop.monitoring.models import Baseline, Indicator, Target, Value
    from seccoop.monitoring.periods import Kind, Period

    dims = {"sex": ["female", "male"], "age": ["0-14", "15-24", "25+"]}
    cells = 1 + sum(len(v) for v in dims.values())
    states = [p for p in parties if p.organisation.side == "caribbean"]
    count = max(1, round(wanted / (len(states) * len(YEARS) * cells)))
    commission = orgs["COMMISSION"]
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                owner=commission,
                tlp="CLEAR",
                code=f"{INDICATOR_PREFIX}{n:03d}",
                name=f"Benchmark indicator {n}",
                name_en=f"Benchmark indicator {n}",
                definition="Generated for the meetings benchmark.",
                definition_en="Generated for the meetings benchmark.",
                unit="cases",
                direction="increase" if n % 4 else "decrease",
                period_type=Kind.YEAR.value,
                disaggregations=dims,
                category=categories[n % len(categories)],
                decimals=1,
                is_demo=True,
            )
            for n in range(1, count + 1)
        ]
    )
    now = timezone.now()
    periods = {y: Period(Kind.YEAR, y) for y in YEARS}
    values = Inserter(Value)
    targets, baselines = [], []
    for i, indicator in enumerate(indicators):
        keys = indicator.disaggregation_keys()
        up = indicator.direction == "increase"
        for s, state in enumerate(states):
            # Half TLP:CLEAR, four in ten TLP:AMBER released to the Commission, one in ten
            # TLP:AMBER kept by the State (its caveat says so; no release row).
            kind = (i * len(states) + s) % 10
            tlp = "CLEAR" if kind < 5 else "AMBER"
            caveat = "Not for release outside the reporting State" if kind == 9 else ""
            level = first = rng.uniform(20, 2000)
            trend = rng.uniform(-0.03, 0.06) * (1 if up else -1)
            for year in YEARS:
                level *= 1 + trend + rng.uniform(-0.05, 0.05)
                if year == YEARS[0]:
                    first = level
                draw = rng.random()
                if year == YEARS[-1]:
                    status = "approved" if draw < 0.4 else "submitted" if draw < 0.8 else "draft"
                else:
                    status = "approved" if draw < 0.92 else "submitted" if draw < 0.97 else "draft"
                period = periods[year]
                for key in keys:
                    x = level if not key else level * rng.uniform(0.05, 0.6)
                    values.add(
                        indicator_id=indicator.pk,
                        state_id=state.pk,
                        owner_id=state.organisation_id,
                        tlp=tlp,
                        caveat=caveat,
                        period=str(period),
                        period_start=period.start,
                        period_end=period.end,
                        disaggregation=key,
                        value=Decimal(f"{x:.1f}"),
                        quality="B",
                        status=status,
                        submitted_at=now if status != "draft" else None,
                        approved_at=now if status == "approved" else None,
                        approved_by_id=approver.pk if status == "approved" else None,
                    )
            if rng.random() < 0.95:
                b = Baseline(
                    indicator_id=indicator.pk,
                    state_id=state.pk,
                    owner_id=state.organisation_id,
                    steward=commission,
                    value=Decimal(f"{first:.1f}"),
                )
                b.set_period(periods[YEARS[0]])
                baselines.append(b)
            gain = rng.uniform(0.1, 0.6)
            for year in TARGET_YEARS:
                if rng.random() < 0.9:
                    reach = gain * (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
                    goal = first * (1 + reach) if up else first * (1 - reach / 2)
                    t = Target(
                        indicator_id=indicator.pk,
                        state_id=state.pk,
                        owner_id=state.organisation_id,
                        steward=commission,
                        value=Decimal(f"{goal:.1f}"),
                    )
                    if rng.random() < 0.1:
                        t.tlp = "AMBER+STRICT"  # the State's own: hidden from the secretariat
                    t.set_period(Period(Kind.YEAR, year))
                    targets.append(t)
    n_values = values.finish()
    through = Value.releasable_to.through
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        release = f"""
            INSERT INTO {qn(through._meta.db_table)}
                ({qn(through._meta.get_field("value").column)},
                 {qn(through._meta.get_field("organisation").column)})
            SELECT id, %s FROM {qn(Value._meta.db_table)}
            WHERE tlp = 'AMBER' AND caveat = '' AND indicator_id IN
                (SELECT id FROM {qn(Indicator._meta.db_table)} WHERE code LIKE %s)
        """  # noqa: S608 - table names from the models, every value a parameter
        cursor.execute(release, [commission.pk, f"{INDICATOR_PREFIX}%"])
    Baseline.objects.bulk_create(baselines, batch_size=BATCH)
    Target.objects.bulk_create(targets, batch_size=BATCH)
    return {
        "values": n_values,
        "indicators": len(indicators),
        "states": len(states),
        "cells": cells,
        "targets": len(targets),
        "baselines": len(baselines),
    }


#: Recipient shares in whole percentages (so that a commitment's share of a whole-thousand amount
#: is a whole number of dollars, the same in binary floating point as in decimal).
SPLITS = [[100], [100], [50, 50], [60, 40], [50, 25, 25], [34, 33, 33]]
PROVIDERS = ["US-INL", "US-USAID", "EU", "CA-GAC", "GB-FCDO", "IDB", "UNODC"]


def build_funding(
    flows: int,
    today: date,
    orgs: dict[str, Any],
    parties: list[Any],
    categories: list[Any],
    measures: list[Any],
    rng: Any,
) -> dict[str, Any]:
    """Five assessment cycles of costed needs (TLP:AMBER, owned by the State, released to the
    Commission as ``save_need`` does; one in thirty kept by the State) and the funding ledger on
    the adopted plan's measures: per measure, partner and year a pledge, usually a commitment of
    part or all of it, then disbursements (now and then more than was committed, which the
    counting rule counts as committed). Amounts in whole thousands of USD. Transactions are owned
    by their provider, TLP:CLEAR, one in ten TLP:AMBER+STRICT (hidden from the secretariat)."""
    from django.db import connection, transaction

    from seccoop.funding.models import FundingAccount, RecipientShare, Transaction
    from seccoop.needs.models import AssessmentCycle, Need

    states = [p for p in parties if p.organisation.side == "caribbean"]
    years = list(range(today.year - 4, today.year + 1))
    cycles = AssessmentCycle.objects.bulk_create(
        [
            AssessmentCycle(
                year=y,
                status="closed" if y < today.year else "open",
                valuation_date=date(y, 1, 1),
                owner=orgs["COMMISSION"],
                tlp="CLEAR",
            )
            for y in years
        ]
    )
    needs = Inserter(Need)
    for cycle in cycles:
        for state in states:
            for category in categories:
                for k in range(rng.choice([0, 1, 1, 2, 3, 4])):
                    usd = Decimal(rng.randrange(20, 3000) * 1000)
                    kept = rng.random() < 1 / 30
                    needs.add(
                        cycle_id=cycle.pk,
                        state_id=state.pk,
                        category_id=category.pk,
                        reference=f"N-{k + 1}",
                        description=f"{category.code}: a need generated for the benchmark",
                        severity=rng.randint(1, 5),
                        gap_type=rng.choice(["equipment", "training", "personnel", "technology"]),
                        amount=usd,
                        currency="USD",
                        amount_usd=usd,
                        status=rng.choice(["submitted", "validated", "validated", "draft"]),
                        owner_id=state.organisation_id,
                        tlp="AMBER",
                        caveat="Kept by the State" if kept else "",
                    )
    n_needs = needs.finish()
    through = Need.releasable_to.through
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {qn(through._meta.db_table)} (need_id, organisation_id)
            SELECT id, %s FROM {qn(Need._meta.db_table)} WHERE caveat = ''""",  # noqa: S608 - table names from the models
            [orgs["COMMISSION"].pk],
        )
    providers = [orgs[c] for c in PROVIDERS]
    accounts = {
        p.pk: FundingAccount.objects.create(
            code=f"BENCH-{p.code}", name=f"{p} programme account", owner=p, tlp="CLEAR"
        )
        for p in providers
    }
    txs: list[Any] = []
    splits: list[list[tuple[int, int]]] = []

    def record(kind: str, usd: Decimal, day: date, measure: Any, provider: Any, split: Any) -> None:
        if day > today or not usd:
            return
        t = Transaction(
            type=kind,
            reference=f"BENCH-{len(txs) + 1}",
            measure_id=measure.pk,
            account=accounts[provider.pk],
            provider=provider,
            owner=provider,
            tlp="AMBER+STRICT" if rng.random() < 0.1 else "CLEAR",
            amount=usd,
            currency="USD",
            amount_usd=usd,
            usd_rate=Decimal(1),
            value_date=day,
            description="Generated for the meetings benchmark",
        )
        txs.append(t)
        splits.append(split)

    while len(txs) < flows:
        i = rng.randrange(len(measures))
        measure, provider, year = measures[i], rng.choice(providers), rng.choice(years)
        pcts = rng.choice(SPLITS)
        chosen = rng.sample(states, len(pcts))
        regional = rng.random() < 0.15  # no recipient share: a regional flow
        split = [] if regional else [(st.pk, pct) for st, pct in zip(chosen, pcts, strict=True)]
        pledged = Decimal(rng.randrange(50, 4000) * 1000)
        on = date(year, 2, 1) + timedelta(days=rng.randint(0, 60))
        record("12", pledged, on, measure, provider, split)
        draw = rng.random()
        if draw < 0.25:
            continue  # still only a pledge
        committed = (pledged * Decimal(rng.choice([0.5, 0.75, 1, 1]))).quantize(Decimal(1000))
        on += timedelta(days=rng.randint(30, 120))
        if draw >= 0.35:
            record("2", committed, on, measure, provider, split)
        # Without a recorded commitment (one in ten), the disbursements count as committed.
        for k in range(rng.randint(0, 3)):
            part = (committed * Decimal(rng.uniform(0.15, 0.35))).quantize(Decimal(1000))
            record("3", part, on + timedelta(days=60 * (k + 1)), measure, provider, split)
    created = Transaction.objects.bulk_create(txs, batch_size=500)
    shares = RecipientShare.objects.bulk_create(
        [
            RecipientShare(transaction_id=t.pk, state_id=st, percentage=Decimal(pct))
            for t, split in zip(created, splits, strict=True)
            for st, pct in split
        ],
        batch_size=BATCH,
    )
    return {
        "needs": n_needs,
        "cycles": len(cycles),
        "first": years[0],
        "last": years[-1],
        "transactions": len(created),
        "shares": len(shares),
    }


# --- the floor: the same pack data in plain SQL ---------------------------------------------


class Floor:
    """The pack's data for one meeting and one member, in plain SQL (see the module docstring).

    ``run`` returns what ``pack_data`` extracts from a gathered pack, built from cursor rows.
    """

    def __init__(self, meeting_id: int, user_id: int, today: date) -> None:
        from django.apps import apps
        from django.db import connection

        from seccoop.accounts.models import Membership, User
        from seccoop.framework.models import Body, Organisation, Party
        from seccoop.meetings.models import PREFIXES, ActionItem, Meeting, PreparationTask
        from seccoop.monitoring.models import Baseline, Indicator, Target, Value
        from seccoop.plan.models import Measure, Milestone, PlanVersion

        self.connection = connection
        self.ops = connection.ops
        self.meeting_id, self.user_id, self.today = meeting_id, user_id, today
        self.prefixes = PREFIXES
        self.status_labels = {k: str(v) for k, v in Measure.Status.choices}
        self.value_places = Decimal(1).scaleb(-Value._meta.get_field("value").decimal_places)
        self.target_places = Decimal(1).scaleb(-Target._meta.get_field("value").decimal_places)
        qn = connection.ops.quote_name
        self.t = {
            name: qn(model._meta.db_table)
            for name, model in {
                "membership": Membership,
                "user": User,
                "org": Organisation,
                "party": Party,
                "body": Body,
                "meeting": Meeting,
                "item": ActionItem,
                "task": PreparationTask,
                "plan": PlanVersion,
                "measure": Measure,
                "milestone": Milestone,
                "value": Value,
                "target": Target,
                "baseline": Baseline,
                "indicator": Indicator,
            }.items()
        }
        self.models: dict[str, Any] = {
            "meeting": Meeting,
            "item": ActionItem,
            "task": PreparationTask,
            "plan": PlanVersion,
            "measure": Measure,
            "milestone": Milestone,
            "value": Value,
            "target": Target,
            "baseline": Baseline,
            "indicator": Indicator,
        }
        self.funding = apps.is_installed("seccoop.funding")
        if self.funding:
            from seccoop.funding.models import RecipientShare, Transaction
            from seccoop.needs.models import AssessmentCycle, Need

            for name, model in (
                ("cycle", AssessmentCycle),
                ("need", Need),
                ("transaction", Transaction),
                ("share", RecipientShare),
            ):
                self.t[name] = qn(model._meta.db_table)
                self.models[name] = model
        self.queries = 0
        # The user's scope, read by ``run`` (as ``user_scope`` reads it once per request).
        self.member = False
        self.orgs: list[int] = []
        self.release: list[int] = []

    # helpers -----------------------------------------------------------------------------

    def fetch(self, cursor: Any, sql: str, params: list[Any]) -> list[Any]:
        self.queries += 1
        cursor.execute(sql, params)
        return cursor.fetchall()

    def day(self, x: date) -> Any:
        return self.ops.adapt_datefield_value(x)

    def instant(self, x: datetime) -> Any:
        return self.ops.adapt_datetimefield_value(x)

    @staticmethod
    def as_date(x: Any) -> date:
        return date.fromisoformat(x) if isinstance(x, str) else x

    @staticmethod
    def as_utc(x: Any) -> datetime:
        if isinstance(x, str):
            x = datetime.fromisoformat(x)
        return x if x.tzinfo is not None else x.replace(tzinfo=UTC)

    @staticmethod
    def dec(x: Any, places: Decimal) -> Decimal:
        """A stored decimal as Django reads it (SQLite hands back a float, 15 digits kept)."""
        if isinstance(x, float):
            return Context(prec=15).create_decimal_from_float(x).quantize(places)
        return Decimal(x).quantize(places)

    def visible(self, name: str, alias: str) -> tuple[str, list[Any]]:
        """The TLP read rule of ``seccoop.accounts.policy`` for a member (not a superuser)."""
        model = self.models[name]
        assert not getattr(model, "assignee_field", None), "the rule below has no assignee"
        qn = self.ops.quote_name
        rel = model._meta.get_field("releasable_to")
        released = qn(rel.m2m_db_table())
        rel_own, rel_org = qn(rel.m2m_column_name()), qn(rel.m2m_reverse_name())
        rec = model._meta.get_field("recipients")
        named = qn(rec.m2m_db_table())
        rec_own, rec_user = qn(rec.m2m_column_name()), qn(rec.m2m_reverse_name())
        parts, params = [f"{alias}.tlp = 'CLEAR'"], []
        if self.member:
            parts.append(f"{alias}.tlp = 'GREEN'")
        if self.release:
            marks = ", ".join(["%s"] * len(self.release))
            parts.append(
                f"""({alias}.tlp = 'AMBER' AND ({alias}.owner_id IN ({marks}) OR EXISTS (
                SELECT 1 FROM {released} r WHERE r.{rel_own} = {alias}.id
                AND r.{rel_org} IN ({marks}))))"""  # noqa: S608 - names from the model, values are parameters
            )
            params += [*self.release, *self.release]
        if self.orgs:
            marks = ", ".join(["%s"] * len(self.orgs))
            parts.append(f"({alias}.tlp = 'AMBER+STRICT' AND {alias}.owner_id IN ({marks}))")
            params += self.orgs
        parts.append(
            f"""({alias}.tlp = 'RED' AND EXISTS (SELECT 1 FROM {named} u
            WHERE u.{rec_own} = {alias}.id AND u.{rec_user} = %s))"""  # noqa: S608 - names from the model, values are parameters
        )
        params.append(self.user_id)
        return "(" + " OR ".join(parts) + ")", params

    def code(self, body_type: str, body_code: str, year: int, sequence: int) -> str:
        return f"{self.prefixes.get(body_type, body_code[:3].upper())}-{year}-{sequence}"

    # the pack ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from django.utils import timezone

        from seccoop.core.markings import most_restrictive

        self.queries = 0
        t, qn = self.t, self.ops.quote_name
        today, d = self.today, self.day
        with self.connection.cursor() as cur:
            # The user's scope: active memberships, their organisations and two levels up.
            now = timezone.localdate()
            rows = self.fetch(
                cur,
                f"""SELECT m.organisation_id, o.parent_id, p.parent_id FROM {t["membership"]} m
                JOIN {t["org"]} o ON o.id = m.organisation_id
                LEFT JOIN {t["org"]} p ON p.id = o.parent_id
                WHERE m.user_id = %s AND m.{qn("start")} <= %s
                    AND (m.{qn("end")} IS NULL OR m.{qn("end")} >= %s)""",  # noqa: S608 - table names from the models
                [self.user_id, d(now), d(now)],
            )
            self.member = bool(rows)
            self.orgs = sorted({r[0] for r in rows})
            self.release = sorted({x for r in rows for x in r if x})

            # The meeting's heading.
            (
                (year, seq, btype, bcode, bname, title, start, end, zone, city, tlp, host, body_id),
            ) = self.fetch(
                cur,
                f"""SELECT mt.year, mt.sequence, b.body_type, bo.code, bo.name_en, mt.title,
                        mt.{qn("start")}, mt.{qn("end")}, mt.time_zone, mt.venue_city, mt.tlp,
                        ho.name_en, mt.body_id
                    FROM {t["meeting"]} mt JOIN {t["body"]} b ON b.id = mt.body_id
                    JOIN {t["org"]} bo ON bo.id = b.organisation_id
                    LEFT JOIN {t["party"]} h ON h.id = mt.host_id
                    LEFT JOIN {t["org"]} ho ON ho.id = h.organisation_id
                    WHERE mt.id = %s""",  # noqa: S608 - table names from the models
                [self.meeting_id],
            )
            tz = ZoneInfo(zone)
            local_start, local_end = (
                self.as_utc(start).astimezone(tz),
                self.as_utc(end).astimezone(tz),
            )
            code = self.code(btype, bcode, year, seq)
            when = f"{local_start:%Y-%m-%d %H:%M} to {local_end:%Y-%m-%d %H:%M} ({zone})"
            venue = ", ".join(x for x in (city, host or "") if x)
            header = [
                code,
                f"Meeting pack: {code} {title}",
                " · ".join(x for x in (bname or "", when, venue) if x),
                tlp,  # the pack's marking, derived below
            ]
            meeting_day = local_start.date()
            ref = min(meeting_day, today)

            # The previous meeting of the same body.
            vis, vp = self.visible("meeting", "mt")
            prev = self.fetch(
                cur,
                f"""SELECT mt.{qn("start")}, mt.time_zone FROM {t["meeting"]} mt
                WHERE mt.body_id = %s AND mt.{qn("start")} < %s AND mt.status <> 'cancelled'
                    AND {vis}
                ORDER BY mt.{qn("start")} DESC LIMIT 1""",  # noqa: S608 - table names from the models
                [body_id, self.instant(self.as_utc(start)), *vp],
            )
            since = (
                self.as_utc(prev[0][0]).astimezone(ZoneInfo(prev[0][1])).date() if prev else None
            )

            # The current plan: the latest adopted version, else the latest by year.
            vis, vp = self.visible("plan", "pv")
            plan = self.fetch(
                cur,
                f"""SELECT pv.id, pv.label FROM {t["plan"]} pv WHERE {vis}
                ORDER BY CASE WHEN pv.status = 'adopted' THEN 0 ELSE 1 END,
                    CASE WHEN pv.status = 'adopted' THEN pv.adopted_on END DESC,
                    CASE WHEN pv.status = 'adopted' THEN pv.id END DESC,
                    pv.year DESC, pv.id DESC
                LIMIT 1""",  # noqa: S608 - table names from the models
                vp,
            )
            plan_id = plan[0][0] if plan else None
            out: dict[str, Any] = {"header": header, "rows": {}, "titles": {}}

            # 1. Implementation since the last meeting.
            if plan_id is None:
                out["note"] = "No Plan of Action version yet."
                out["rows"]["implementation"] = []
            else:
                vis, vp = self.visible("measure", "m")
                counts = self.fetch(
                    cur,
                    f"""SELECT m.status, COUNT(*), MIN(m.{qn("order")}) FROM {t["measure"]} m
                    WHERE m.plan_id = %s AND {vis} GROUP BY m.status
                    ORDER BY 2 DESC, 3""",  # noqa: S608 - table names from the models
                    [plan_id, *vp],
                )
                text = ", ".join(f"{self.status_labels[s]}: {c}" for s, c, _first in counts)
                total = sum(c for _s, c, _first in counts)
                out["note"] = f"{plan[0][1]}: {total} measures ({text or '—'})."
                vis, vp = self.visible("milestone", "ms")
                vm, pm = self.visible("measure", "m")
                window = "AND ms.completed_on > %s" if since is not None else ""
                rows = self.fetch(
                    cur,
                    f"""SELECT m.code, m.title_en, ms.title, ms.completed_on
                    FROM {t["milestone"]} ms JOIN {t["measure"]} m ON m.id = ms.measure_id
                    WHERE m.plan_id = %s AND ms.completed_on IS NOT NULL
                        AND ms.completed_on <= %s {window} AND {vis} AND {vm}
                    ORDER BY ms.completed_on DESC, ms.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                    [plan_id, d(meeting_day), *([d(since)] if since else []), *vp, *pm],
                )
                out["rows"]["implementation"] = [
                    [f"{c} {mt or ''}", ms, f"{self.as_date(on):%Y-%m-%d}"]
                    for c, mt, ms, on in rows
                ]
            out["titles"]["implementation"] = (
                f"Implementation since the last meeting ({since:%Y-%m-%d})"
                if since
                else "Implementation to date (first meeting of this body)"
            )

            # 2. Overdue action items of this body.
            vis, vp = self.visible("item", "a")
            owner_cols = "u.id, u.first_name, u.last_name, u.username, p.id, po.name_en, bo.name_en"
            owner_joins = f"""LEFT JOIN {t["user"]} u ON u.id = a.owner_user_id
                LEFT JOIN {t["party"]} p ON p.id = a.owner_party_id
                LEFT JOIN {t["org"]} po ON po.id = p.organisation_id
                LEFT JOIN {t["body"]} b ON b.id = a.owner_body_id
                LEFT JOIN {t["org"]} bo ON bo.id = b.organisation_id"""
            rows = self.fetch(
                cur,
                f"""SELECT mt.year, mt.sequence, a.title, a.due, {owner_cols}
                FROM {t["item"]} a JOIN {t["meeting"]} mt ON mt.id = a.meeting_id {owner_joins}
                WHERE mt.body_id = %s AND a.status = 'open' AND a.due < %s AND {vis}
                ORDER BY a.due, a.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [body_id, d(ref), *vp],
            )
            overdue = []
            for y, s, title_, due, *owner in rows:
                due = self.as_date(due)
                overdue.append(
                    [
                        self.code(btype, bcode, y, s),
                        title_,
                        self.owner(*owner),
                        f"{due:%Y-%m-%d}",
                        str((ref - due).days),
                    ]
                )
            out["rows"]["overdue"] = overdue

            # 3. Off-track indicators: per indicator x State, the latest approved total with a
            # target (baseline if any), its progress, the worst 60.
            vv, pv_ = self.visible("value", "v")
            vt, pt = self.visible("target", "t")
            vb, pb = self.visible("baseline", "b")
            vi, pi = self.visible("indicator", "i")
            a_, t_, b_ = (f"CAST({x}.value AS DOUBLE PRECISION)" for x in ("v", "t", "b"))
            rows = self.fetch(
                cur,
                f"""WITH figures AS (
                    SELECT v.indicator_id AS ind, v.state_id AS st, v.period AS period,
                        v.value AS actual, t.value AS target, i.direction AS dir,
                        {a_} AS a, {t_} AS tg, {b_} AS bl,
                        ROW_NUMBER() OVER (PARTITION BY v.indicator_id, v.state_id
                                           ORDER BY v.period_start DESC) AS rn
                    FROM {t["value"]} v
                    JOIN {t["indicator"]} i ON i.id = v.indicator_id
                    JOIN {t["target"]} t ON t.indicator_id = v.indicator_id
                        AND t.state_id = v.state_id AND t.period = v.period AND {vt}
                    LEFT JOIN {t["baseline"]} b ON b.indicator_id = v.indicator_id
                        AND b.state_id = v.state_id AND {vb}
                    WHERE v.status = 'approved' AND v.disaggregation = '' AND {vv} AND {vi}
                ), scored AS (
                    SELECT ind, st, period, actual, target, CASE
                        WHEN bl IS NOT NULL THEN CASE
                            WHEN tg = bl THEN CASE WHEN (dir = 'increase' AND a >= tg)
                                OR (dir <> 'increase' AND a <= tg) THEN 100.0 ELSE 0.0 END
                            ELSE (a - bl) / (tg - bl) * 100 END
                        WHEN dir = 'increase' THEN CASE
                            WHEN tg <> 0 THEN a / tg * 100 WHEN a >= tg THEN 100.0 ELSE 0.0 END
                        WHEN a <= 0 THEN 100.0
                        ELSE tg / a * 100 END AS pct
                    FROM figures WHERE rn = 1
                )
                SELECT i.code, i.name_en, p.iso3, s.period, s.actual, s.target, s.pct, i.decimals
                FROM scored s JOIN {t["indicator"]} i ON i.id = s.ind
                JOIN {t["party"]} p ON p.id = s.st
                WHERE s.pct < 60
                ORDER BY s.pct, s.ind, s.st LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [*pt, *pb, *pv_, *pi],
            )
            out["rows"]["off_track"] = [
                [
                    f"{c} {name or ''}",
                    iso3,
                    period,
                    f"{self.dec(actual, self.value_places):,.{places or 0}f}",
                    f"{self.dec(target, self.target_places):,.{places or 0}f}",
                    f"{max(0.0, pct):.0f} %",  # below the baseline reads as 0 %
                ]
                for c, name, iso3, period, actual, target, pct, places in rows
            ]

            if self.funding:
                self.funding_gap(cur, out)

            # 4. Upcoming deadlines in the next 90 days: four sources, 60 each, merged.
            until = ref + timedelta(days=HORIZON)
            entries: list[tuple[date, str, str, str]] = []
            vis, vp = self.visible("item", "a")
            rows = self.fetch(
                cur,
                f"""SELECT a.due, a.title, {owner_cols}
                FROM {t["item"]} a JOIN {t["meeting"]} mt ON mt.id = a.meeting_id {owner_joins}
                WHERE mt.body_id = %s AND a.status = 'open' AND a.due >= %s AND a.due <= %s
                    AND {vis}
                ORDER BY a.due, a.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [body_id, d(ref), d(until), *vp],
            )
            entries += [
                (self.as_date(due), "Action item", ti, self.owner(*o)) for due, ti, *o in rows
            ]
            vis, vp = self.visible("milestone", "ms")
            vm, pm = self.visible("measure", "m")
            # The soonest first.
            order, join = "ms.due, ms.id", ""
            scope_sql = "AND m.plan_id = %s" if plan_id is not None else ""
            rows = self.fetch(
                cur,
                f"""SELECT ms.due, m.code, ms.title
                FROM {t["milestone"]} ms JOIN {t["measure"]} m ON m.id = ms.measure_id {join}
                WHERE ms.completed_on IS NULL AND ms.due >= %s AND ms.due <= %s AND {vis}
                    AND {vm} {scope_sql}
                ORDER BY {order} LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [d(ref), d(until), *vp, *pm, *([plan_id] if plan_id is not None else [])],
            )
            entries += [(self.as_date(due), "Milestone", f"{c}: {ti}", "") for due, c, ti in rows]
            vis, vp = self.visible("task", "tk")
            rows = self.fetch(
                cur,
                f"""SELECT tk.due, b.body_type, bo.code, mt.year, mt.sequence, tk.title,
                    ro.short_name_en, ro.name_en
                FROM {t["task"]} tk JOIN {t["meeting"]} mt ON mt.id = tk.meeting_id
                JOIN {t["body"]} b ON b.id = mt.body_id
                JOIN {t["org"]} bo ON bo.id = b.organisation_id
                LEFT JOIN {t["org"]} ro ON ro.id = tk.responsible_id
                WHERE tk.status = 'open' AND tk.due <= %s AND tk.due >= %s AND {vis}
                ORDER BY tk.due, tk.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [d(until), d(ref), *vp],
            )
            entries += [
                (
                    self.as_date(due),
                    "Dialogue preparation",
                    f"{self.code(bt, bc, y, s)}: {ti}",
                    (short or "") or (name or ""),
                )
                for due, bt, bc, y, s, ti, short, name in rows
            ]
            vis, vp = self.visible("meeting", "mt")
            # ``start__date__gte=ref``: the start's date in the current time zone.
            current = timezone.get_current_timezone()
            lower = datetime(ref.year, ref.month, ref.day, tzinfo=current)
            upper = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=2)
            rows = self.fetch(
                cur,
                f"""SELECT mt.{qn("start")}, mt.time_zone, b.body_type, bo.code, mt.year,
                    mt.sequence, mt.title, bo.name_en
                FROM {t["meeting"]} mt JOIN {t["body"]} b ON b.id = mt.body_id
                JOIN {t["org"]} bo ON bo.id = b.organisation_id
                WHERE mt.{qn("start")} >= %s AND mt.{qn("start")} < %s
                    AND mt.status = 'planned' AND mt.id <> %s AND {vis}
                ORDER BY mt.{qn("start")}""",  # noqa: S608 - table names from the models
                [self.instant(lower), self.instant(upper), self.meeting_id, *vp],
            )
            meetings = []
            for st, zn, bt, bc, y, s, ti, name in rows:
                local = self.as_utc(st).astimezone(ZoneInfo(zn)).date()
                if local <= until:
                    meetings.append(
                        (local, "Meeting", f"{self.code(bt, bc, y, s)} {ti}", name or "")
                    )
            entries += meetings[:MAX_ROWS]
            entries.sort(key=lambda e: (e[0], e[1], e[2]))
            out["rows"]["upcoming"] = [
                [f"{e[0]:%Y-%m-%d}", e[1], e[2], e[3]] for e in entries[:MAX_ROWS]
            ]
        # The pack's marking: the meeting's, at least TLP:AMBER with figures from reported values
        # or needs in it (as ``pack._marking`` derives it).
        figures = any(out["rows"].get(k) for k in ("off_track", "funding_gap"))
        header[3] = f"TLP:{most_restrictive([tlp, *(['AMBER'] if figures else [])])}"
        return out

    def funding_gap(self, cur: Any, out: dict[str, Any]) -> None:
        """The funding section: requirements (the latest cycle's needs) and what is committed
        under the counting rule (``funding.services``), by State, for the States with needs."""
        t, d = self.t, self.day
        vis, vp = self.visible("cycle", "cy")
        rows = self.fetch(
            cur,
            f"""SELECT cy.year FROM {t["cycle"]} cy WHERE {vis}
            ORDER BY cy.year DESC LIMIT 1""",  # noqa: S608 - table names from the models
            vp,
        )
        cycle = rows[0][0] if rows else None
        vn, pn = self.visible("need", "n")
        vt, pt = self.visible("transaction", "tx")
        if cycle is None:
            of_cycle, cycle_params, in_year, year_params = "", [], "", []
        else:
            of_cycle = f"AND n.cycle_id IN (SELECT id FROM {t['cycle']} WHERE year = %s)"  # noqa: S608 - a table name from the model
            cycle_params = [cycle]
            in_year = "AND f.value_date >= %s AND f.value_date <= %s"
            year_params = [d(date(cycle, 1, 1)), d(date(cycle, 12, 31))]
        # Committed, per (measure, provider) over all years: the commitments, plus the part of
        # each disbursement beyond them (a disbursement without a commitment implies one). The
        # 100.0 keeps SQLite from integer division (it stores whole amounts as integers).
        rows = self.fetch(
            cur,
            f"""WITH flows AS (
                SELECT tx.id, tx.type, tx.amount_usd, tx.measure_id, tx.provider_id, tx.value_date
                FROM {t["transaction"]} tx WHERE tx.type IN ('12', '2', '3') AND {vt}
            ), totals AS (
                SELECT measure_id, provider_id,
                    SUM(CASE WHEN type = '2' THEN amount_usd ELSE 0 END) AS c,
                    SUM(CASE WHEN type = '3' THEN amount_usd ELSE 0 END) AS d
                FROM flows GROUP BY measure_id, provider_id
            ), committed AS (
                SELECT s.state_id AS st, SUM(CASE WHEN f.type = '2'
                    THEN f.amount_usd * s.percentage / 100.0
                    ELSE f.amount_usd * s.percentage / 100.0 * (k.d - k.c) / k.d END) AS usd
                FROM flows f
                JOIN totals k ON k.measure_id = f.measure_id AND (k.provider_id = f.provider_id
                    OR (k.provider_id IS NULL AND f.provider_id IS NULL))
                JOIN {t["share"]} s ON s.transaction_id = f.id
                WHERE (f.type = '2' OR (f.type = '3' AND k.d > k.c)) {in_year}
                GROUP BY s.state_id
            ), required AS (
                SELECT n.state_id AS st, SUM(n.amount_usd) AS usd FROM {t["need"]} n
                WHERE n.status IN ('submitted', 'validated') {of_cycle} AND {vn}
                GROUP BY n.state_id
            )
            SELECT p.iso3, o.name, r.usd, c.usd
            FROM required r JOIN {t["party"]} p ON p.id = r.st
            JOIN {t["org"]} o ON o.id = p.organisation_id
            LEFT JOIN committed c ON c.st = r.st
            WHERE r.usd > 0""",  # noqa: S608 - table names from the models
            [*pt, *year_params, *cycle_params, *pn],
        )
        money = "{:,.0f}".format
        table = []
        for _iso3, name, required, committed in sorted(rows, key=lambda r: r[1]):
            req, com = self.exact(required), self.exact(committed or 0)
            pct = round(float(com / req * 100), 1)
            table.append(
                [name, money(req), money(com), money(max(Decimal(0), req - com)), f"{pct:.0f} %"]
            )
        out["rows"]["funding_gap"] = table
        out["titles"]["funding_gap"] = f"Funding gap by State ({cycle or 'all years'})"

    @staticmethod
    def exact(x: Any) -> Decimal:
        """A sum as a decimal (SQLite sums in binary floating point: whole dollars stay exact)."""
        return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)

    @staticmethod
    def owner(
        user_id: Any, first: Any, last: Any, username: Any, party_id: Any, party: Any, body: Any
    ) -> str:
        """``ActionItem.owner_label``: the person (full name or username), the party, the body."""
        if user_id is not None:
            return f"{first} {last}".strip() or username
        return (party or "") if party_id is not None else (body or "")


def pack_data(pack: Any) -> dict[str, Any]:
    """What the floor computes, taken from a gathered pack."""
    by_key = {s.key: s for s in pack.sections}
    return {
        "header": [pack.code, pack.heading, pack.subtitle, pack.marking],
        "note": by_key["implementation"].note,
        "titles": {k: by_key[k].title for k in ("implementation", "funding_gap") if k in by_key},
        "rows": {s.key: s.rows for s in pack.sections},
    }


def check_equal(got: dict[str, Any], want: dict[str, Any]) -> None:
    """gather's data and the floor's must be the same, section by section."""
    for part in ("header", "note", "titles"):
        assert got[part] == want[part], f"{part}: gather {got[part]!r}, floor {want[part]!r}"
    assert set(got["rows"]) == set(want["rows"]), (sorted(got["rows"]), sorted(want["rows"]))
    for key, rows in got["rows"].items():
        other = want["rows"][key]
        for n, (a, b) in enumerate(zip(rows, other, strict=False)):
            assert a == b, f"{key}, row {n + 1}: gather {a!r}, floor {b!r}"
        assert len(rows) == len(other), f"{key}: gather {len(rows)} rows, floor {len(other)}"


# --- A: gather against the floor ------------------------------------------------------------


def bench_gather(user: Any, meeting_id: int, today: date, reps: int) -> Any:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from seccoop.accounts.policy import forget_scope
    from seccoop.meetings.models import Meeting
    from seccoop.meetings.pack import gather

    def load() -> Any:
        """The meeting as the pack view loads it (get_restricted_object with its queryset)."""
        forget_scope(user)
        meeting = (
            Meeting.objects.select_related("body__organisation")
            .restrict(user, "view")
            .get(pk=meeting_id)
        )
        forget_scope(user)  # a request starts without the scope: gather's first query reads it
        return meeting

    floor = Floor(meeting_id, user.pk, today)
    pack = gather(load(), user, today)  # warm-up
    want = floor.run()
    check_equal(pack_data(pack), want)
    meeting = load()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        pack = gather(meeting, user, today)
    query_count = len(queries)

    ours, theirs = [], []
    for _ in range(reps):
        meeting = load()
        t = time.perf_counter()
        pack = gather(meeting, user, today)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        want = floor.run()
        theirs.append(time.perf_counter() - t)
    check_equal(pack_data(pack), want)
    ours_s, floor_s = statistics.median(ours), statistics.median(theirs)
    sizes = ", ".join(f"{s.key} {len(s.rows)}" for s in pack.sections)
    say()
    say(
        f"A. meeting pack of {pack.code} (Commission, pack marked {pack.marking}) as secretariat, "
        f"as of {today:%Y-%m-%d}: rows per section: {sizes} (at most {MAX_ROWS} each)"
    )
    say(f"  {pack.sections[0].title}; {pack.sections[0].note}")
    say(
        f"  pack.gather():                  median {ours_s * 1000:8.1f} ms over {reps} runs, "
        f"{query_count} queries"
    )
    say(
        f"  plain SQL (floor):              median {floor_s * 1000:8.1f} ms over {reps} runs, "
        f"{floor.queries} queries (equal to gather's, section by section)"
    )
    say(f"  ratio gather / floor: {ours_s / floor_s:.1f}")
    return pack, ours_s


# --- B: rendering ---------------------------------------------------------------------------


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def bench_render(pack: Any, gather_s: float, reps: int) -> None:
    from seccoop.meetings.pack import render_docx, render_pdf

    rows = sum(len(s.rows) for s in pack.sections)
    empty = dataclasses.replace(
        pack, sections=[dataclasses.replace(s, rows=[]) for s in pack.sections]
    )
    say()
    say(
        f"B. rendering the pack of A ({rows} rows in {len(pack.sections)} sections); the "
        "reference is the same renderer on the same pack with no rows"
    )
    for label, render in (("render_pdf (typst)", render_pdf), ("render_docx", render_docx)):
        render(pack)  # warm-up: typst loads its fonts, python-docx its template
        render(empty)
        full_s, data = median_of(partial(render, pack), reps)
        empty_s, blank = median_of(partial(render, empty), reps)
        pages = f", {pdf_pages(data)} pages" if data.startswith(b"%PDF") else ""
        say(f"  {label}:")
        say(
            f"    the pack:        median {full_s * 1000:8.1f} ms over {reps} runs, "
            f"{len(data):,} bytes{pages}"
        )
        say(
            f"    no rows (floor): median {empty_s * 1000:8.1f} ms over {reps} runs, "
            f"{len(blank):,} bytes"
        )
        per_row = (full_s - empty_s) / rows * 1000 if rows else 0.0
        say(
            f"    ratio pack / no rows: {full_s / empty_s:.1f}; {per_row:.2f} ms per row above "
            f"the floor; gather + render {(gather_s + full_s) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=2_000, help="measures per plan version")
    parser.add_argument(
        "--milestones", type=int, default=10_000, help="milestones per plan version"
    )
    parser.add_argument("--meetings", type=int, default=100, help="Commission meetings")
    parser.add_argument(
        "--actions", type=int, default=5_000, help="action items on Commission meetings"
    )
    parser.add_argument("--values", type=int, default=50_000, help="monitoring values (about)")
    parser.add_argument("--flows", type=int, default=5_000, help="funding transactions (about)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each measurement")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    args = parser.parse_args()
    began = time.perf_counter()
    folder = setup_django()
    from django.db import connection
    from django.utils import timezone, translation

    from seccoop.meetings import pack

    assert (pack.MAX_ROWS, pack.HORIZON) == (MAX_ROWS, HORIZON), "the pack's limits changed"
    say(f"bench_meetings ({connection.vendor}, {os.cpu_count()} cores)")
    try:
        with translation.override("en"):
            today = timezone.localdate()
            built = build(args, today)
            gathered, gather_s = bench_gather(built["user"], built["meeting"], today, args.repeat)
            bench_render(gathered, gather_s, args.repeat)
    finally:
        connection.close()
        if args.keep and not os.environ.get("DATABASE_URL"):
            say(f"database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    say(f"\ntotal run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
