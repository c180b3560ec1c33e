"""Demo Plan of Action: an adopted 2025 version of about 150 measures and a 2026 draft with changes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from seccoop.core.demo import DemoContext
from seccoop.framework.models import Category, Organisation, Party
from seccoop.needs.models import Need

from .models import Benchmark, Measure, Milestone, PlanVersion
from .services import adopt_plan_version, revise_benchmark, seed_first_version, start_next_version

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


def _add_measures(version: PlanVersion, rng: random.Random, count: int) -> None:
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
    for code in version.measures.values_list("code", flat=True):
        prefix, _sep, number = code.rpartition("-")
        if number.isdigit():
            counters[prefix] = max(counters.get(prefix, 0), int(number))
    for i in range(count):
        category = categories[i % len(categories)]
        counters[category.code] = counters.get(category.code, 0) + 1
        title = f"{rng.choice(TITLES[category.code])} — {rng.choice(REGIONS)}"
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 365))
        measure = Measure(
            plan=version,
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
            order=100 + i,
            owner=commission,
            tlp="CLEAR",
        )
        measure._change_reason = "Demo plan"
        measure.save()
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
                completed_on=due if due < date(2026, 6, 1) and rng.random() < 0.7 else None,
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


def load_demo_plan(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed)
    first = seed_first_version()
    if PlanVersion.objects.filter(label="Plan of Action 2025").exists():
        ctx.log("  plan already loaded")
        return
    from seccoop.accounts.models import User

    actor = User.objects.get(username="secretariat")
    dialogue = Organisation.objects.get(code="DIALOGUE")
    with transaction.atomic():
        v2025 = start_next_version(first, actor=actor, year=2025, label="Plan of Action 2025")
        _add_measures(v2025, rng, 144 if ctx.size == "demo" else 4994)
        v2025 = adopt_plan_version(v2025, actor=actor, adopted_on=date(2025, 6, 12), body=dialogue)
        v2026 = start_next_version(v2025, actor=actor, year=2026, label="Plan of Action 2026")
        measures = list(v2026.measures.exclude(kind="institutional").order_by("code"))
        for m in measures[:3]:
            m._change_reason = "Merged into other measures at the Commission's review"
            m.delete()
        for m in measures[3:9]:
            m.status = "finalisation" if m.status == "implementation" else "implementation"
            m.end = (m.end or date(2026, 12, 31)) + timedelta(days=180)
            m.version += 1
            m._change_reason = "Recalibrated at the annual review"
            m.save()
            benchmark = m.benchmarks.first()
            if benchmark is not None:
                revise_benchmark(
                    benchmark,
                    actor=actor,
                    value=str(int(benchmark.value) + 20),
                    reason="Target raised after the 2025 results",
                )
        _add_measures(v2026, random.Random(ctx.seed + 1), 4)
    ctx.log(
        f"  plan: {first.label}, {v2025.label} ({v2025.measures.count()} measures, adopted), "
        f"{v2026.label} (draft)"
    )
