"""The meeting benchmark's large set: a plan in two versions, meetings since 2010, monitoring
values and the funding ledger, marked as the services mark them.

``build`` writes it into an empty database (see ``bench_meetings``'s docstring for its shape) and
prints what it built; it returns the secretariat officer and the Commission meeting whose pack is
gathered.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from builders import (
    BATCH,
    Inserter,
    copy_marking_rows,
    pick,
    reference_point,
    refresh_planner_statistics,
    refuse_if,
    release_rows,
    value_cells,
)
from common import say
from floors import table

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

    from seccoop.accounts.models import Membership, Role, User
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

    refuse_if(Indicator.objects.filter(code__startswith=INDICATOR_PREFIX).exists())
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

    refresh_planner_statistics()
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
            first = 0.0
            series = value_cells(rng, YEARS, keys, increase=up, drift=(-0.03, 0.06))
            for year, status, key, x, level in series:
                if year == YEARS[0]:
                    first = level
                period = periods[year]
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
                baselines.append(
                    reference_point(
                        Baseline, indicator.pk, state, commission, first, periods[YEARS[0]]
                    )
                )
            gain = rng.uniform(0.1, 0.6)
            for year in TARGET_YEARS:
                if rng.random() < 0.9:
                    reach = gain * (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
                    goal = first * (1 + reach) if up else first * (1 - reach / 2)
                    t = reference_point(
                        Target, indicator.pk, state, commission, goal, Period(Kind.YEAR, year)
                    )
                    if rng.random() < 0.1:
                        t.tlp = "AMBER+STRICT"  # the State's own: hidden from the secretariat
                    targets.append(t)
    n_values = values.finish()
    release_rows(
        Value,
        commission.pk,
        f"tlp = 'AMBER' AND caveat = '' AND indicator_id IN (SELECT id FROM {table(Indicator)} WHERE code LIKE %s)",  # noqa: S608 - a table name from the model, every value a parameter
        [f"{INDICATOR_PREFIX}%"],
    )
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
    release_rows(Need, orgs["COMMISSION"].pk, "caveat = ''", [])
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
