"""Demo Plan of Action: three plan years of about 150 measures (2024 and 2025 superseded, 2026 in
force) and a 2027 draft. Each year drops, renames and adds a few measures; the measures carried
over are the same measures, with their status, milestones and funding. Each version is adopted by a
decision of the Dialogue held that year (the meetings demo runs first), through the one adoption
path the meetings module registers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from seccoop.core.demo import DemoContext
from seccoop.framework.models import Category, Organisation, Party
from seccoop.needs.models import Need

from .models import Benchmark, Measure, Milestone, PlanVersion
from .services import (
    add_measure,
    adopt_by_decision,
    adopting_meetings,
    change_content,
    record_milestone,
    revise_benchmark,
    seed_first_version,
    set_measure_status,
    start_next_version,
)

TITLES: dict[str, list[str]] = {
    "I.a": [
        "Maritime interdiction capacity",
        "Port container control programme",
        "Drug-analysis laboratories",
        "Aerial surveillance support",
    ],
    "I.b": [
        "Firearms tracing and ballistic identification",
        "Stockpile management and destruction",
        "Border detection of firearms",
    ],
    "I.c": [
        "Financial intelligence unit strengthening",
        "Asset recovery and forfeiture",
        "AML supervision of banks",
    ],
    "I.d": ["Victim identification and shelter", "Trafficking-in-persons investigation units"],
    "II.a": ["Community policing", "Forensic science capacity", "Homicide investigation support"],
    "II.b": [
        "Advance passenger information at ports of entry",
        "Coast guard maintenance",
        "Migration data sharing",
    ],
    "II.c": ["National cyber incident response teams", "Critical infrastructure protection"],
    "II.d": ["Anti-gang intelligence", "Prison intelligence and contraband control"],
    "II.e": ["Disaster emergency communications", "Search and rescue readiness"],
    "III.a": [
        "Youth skills and employment",
        "School-based violence prevention",
        "Second-chance education",
    ],
    "III.b": [
        "Criminal case management and backlog reduction",
        "Legal aid and public defenders",
        "Juvenile justice reform",
    ],
    "III.c": [
        "Integrity commissions",
        "E-procurement and open contracting",
        "Asset declaration systems",
    ],
}
REGIONS = [
    "Eastern Caribbean",
    "Northern Caribbean",
    "Southern Caribbean",
    "Hispaniola",
    "Regional",
]
KINDS = ["programme", "capacity", "equipment", "legislation", "programme"]


def _add_measures(version: PlanVersion, rng: random.Random, count: int, actor: object) -> None:
    categories = list(Category.objects.order_by("priority__number", "letter"))
    commission = Organisation.objects.get(code="COMMISSION")
    leads = list(
        Organisation.objects.filter(code__in=["IMPACS", "RSS", "CARICOM-SEC", "CCC", "COMMISSION"])
    )
    partners = list(Organisation.objects.filter(kind=Organisation.Kind.PARTNER))
    twg = Organisation.objects.get(code="TWG")
    states = list(Party.objects.filter(organisation__side="caribbean"))
    needs_by_category: dict[int, list[int]] = {}
    for pk, category_id in Need.objects.filter(cycle__year=2026).values_list("pk", "category_id"):
        needs_by_category.setdefault(category_id, []).append(pk)
    counters: dict[str, int] = {}
    for code in version.entries.values_list("code", flat=True):
        prefix, _sep, number = code.rpartition("-")
        if number.isdigit():
            counters[prefix] = max(counters.get(prefix, 0), int(number))
    for i in range(count):
        category = categories[i % len(categories)]
        counters[category.code] = counters.get(category.code, 0) + 1
        title = f"{rng.choice(TITLES[category.code])} — {rng.choice(REGIONS)}"
        start = date(version.year, 1, 1) + timedelta(days=rng.randrange(0, 365))
        measure = Measure(
            code=f"{category.code}-{counters[category.code]:02d}",
            title=title,
            description=f"{title}: {category.objective}",
            category=category,
            kind=rng.choice(KINDS),
            lead=rng.choice(leads),
            twg=twg,
            start=start,
            end=start + timedelta(days=rng.choice([365, 730, 1095])),
            status=rng.choice(["pipeline", "implementation", "implementation", "finalisation"]),
            order=100 + i + 1000 * (version.year - 2024),
            owner=commission,
            tlp="CLEAR",
        )
        add_measure(version, measure, actor=actor, reason="Demo plan")
        measure.participating_states.set(rng.sample(states, rng.randint(2, 6)))
        measure.partners.set(rng.sample(partners, rng.randint(1, 3)))
        pool = needs_by_category.get(category.pk, [])
        if pool:
            measure.needs.set(rng.sample(pool, min(len(pool), rng.randint(1, 4))))
        for k in range(rng.randint(2, 4)):
            due = start + timedelta(days=120 * (k + 1))
            Milestone.objects.create(
                measure=measure,
                title=f"Milestone {k + 1}: {['inception', 'procurement', 'delivery', 'evaluation'][k]}",
                due=due,
                completed_on=due if due < date(version.year, 6, 1) and rng.random() < 0.7 else None,
                owner=commission,
                tlp="CLEAR",
            )
        Benchmark.objects.create(
            measure=measure,
            description="Officers trained",
            value=str(rng.choice([25, 50, 80, 120])),
            proposed_by=twg,
            status="approved",
            owner=commission,
            tlp="CLEAR",
        )


def _review(
    version: PlanVersion, rng: random.Random, actor: object, *, drop: int, rename: int, add: int
) -> None:
    """The annual review in a draft: a few measures dropped (merged into others), a few renamed,
    a few recalibrated (benchmarks revised with a reason), a few added."""
    entries = list(version.entries.exclude(measure__kind="institutional").order_by("code"))
    rng.shuffle(entries)
    for entry in entries[:drop]:
        entry._change_reason = "Merged into other measures at the Commission's review"
        entry.delete()
    for entry in entries[drop : drop + rename]:
        change_content(
            entry,
            actor=actor,
            reason="Scope widened at the annual review",
            title=f"{entry.title} (extended)",
            title_en=f"{entry.title_en or entry.title} (extended)",
        )
    for entry in entries[drop + rename : drop + rename + 6]:
        benchmark = entry.measure.benchmarks.first()
        if benchmark is not None:
            revise_benchmark(
                benchmark,
                actor=actor,
                value=str(int(benchmark.value) + 20),
                reason=f"Target raised after the {version.year - 1} results",
            )
    _add_measures(version, rng, add, actor)


def _implement(version: PlanVersion, rng: random.Random, actor: object) -> None:
    """A year of implementation on the plan in force: statuses move on, milestones complete."""
    measures = list(Measure.objects.filter(versions__plan=version).exclude(kind="institutional"))
    for measure in rng.sample(measures, min(len(measures), 12)):
        if measure.status == Measure.Status.PIPELINE:
            set_measure_status(
                measure,
                actor=actor,
                status=Measure.Status.IMPLEMENTATION,
                reason="Funding committed; implementation started",
            )
    due = Milestone.objects.filter(
        measure__versions__plan=version,
        completed_on__isnull=True,
        due__lt=date(version.year + 1, 1, 1),
    )
    for milestone in due[:30]:
        if rng.random() < 0.6:
            record_milestone(
                milestone,
                actor=actor,
                completed_on=milestone.due,
                evidence="Progress report to the Commission",
                reason="Reported by the lead body",
            )


def _adopt_at_dialogue(version: PlanVersion, actor: object) -> PlanVersion:
    """Adopt ``version`` the Framework's way: by a decision of the Dialogue held in its year (the
    meetings demo, run before this one, holds a Dialogue each year, alternating sides), recorded
    through the meetings service."""
    dialogue = next((m for m in adopting_meetings(actor) if m.day.year == version.year), None)
    if dialogue is None:
        raise RuntimeError(
            f"No held Dialogue in {version.year} to adopt {version.label}: load the meetings demo "
            "first."
        )
    adopt_by_decision(
        version,
        actor=actor,
        meeting=dialogue.id,
        text=f"The Dialogue adopts the {version.label} (demo).",
    )
    return PlanVersion.objects.get(pk=version.pk)


def load_demo_plan(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed)
    first = seed_first_version()
    if PlanVersion.objects.filter(label="Plan of Action 2024").exists():
        ctx.log("  plan already loaded")
        return
    from seccoop.accounts.models import User

    actor = User.objects.get(username="secretariat")
    with transaction.atomic():
        v2024 = start_next_version(first, actor=actor, year=2024, label="Plan of Action 2024")
        _add_measures(v2024, rng, 140 if ctx.size == "demo" else 4990, actor)
        v2024 = _adopt_at_dialogue(v2024, actor)
        _implement(v2024, rng, actor)
        v2025 = start_next_version(v2024, actor=actor, year=2025, label="Plan of Action 2025")
        _review(v2025, rng, actor, drop=3, rename=4, add=6)
        v2025 = _adopt_at_dialogue(v2025, actor)
        _implement(v2025, rng, actor)
        v2026 = start_next_version(v2025, actor=actor, year=2026, label="Plan of Action 2026")
        _review(v2026, rng, actor, drop=2, rename=3, add=4)
        v2026 = _adopt_at_dialogue(v2026, actor)
        _implement(v2026, rng, actor)
        v2027 = start_next_version(v2026, actor=actor, year=2027, label="Plan of Action 2027")
        _review(v2027, random.Random(ctx.seed + 1), actor, drop=2, rename=2, add=4)
    ctx.log(
        f"  plan: {first.label}, {v2024.label} and {v2025.label} (superseded), "
        f"{v2026.label} ({v2026.entries.count()} measures, in force), {v2027.label} (draft), "
        "each adopted by a decision of that year's Dialogue"
    )
