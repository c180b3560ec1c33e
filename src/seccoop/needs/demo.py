"""Demo needs: every Caribbean State, across the categories, costed in its own currency."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from seccoop.core.demo import DemoContext
from seccoop.core.money import RateTable
from seccoop.framework.models import Category, Organisation, Party

from .importer import apply_import, plan_import
from .models import AssessmentCycle, Need

#: category code -> (sub-area, description) pairs a state might report
NEEDS: dict[str, list[tuple[str, str]]] = {
    "I.a": [
        (
            "Maritime interdiction",
            "Two 12 m interceptor boats with night-vision for coastal drug interdiction",
        ),
        ("Port security", "Container scanning capacity at the main cargo port"),
        ("Drug analysis", "Forensic drug-analysis laboratory accreditation and reagents"),
    ],
    "I.b": [
        ("Firearms tracing", "Ballistic identification system connected to the regional network"),
        ("Border controls", "Detection equipment for firearms in inbound shipping"),
    ],
    "I.c": [
        (
            "Financial intelligence",
            "Case-management and analysis software for the Financial Intelligence Unit",
        ),
        ("Asset recovery", "Training of prosecutors in civil asset recovery"),
    ],
    "I.d": [
        ("Victim support", "Shelter and case workers for victims of trafficking"),
        ("Investigation", "Specialised investigators for trafficking in persons"),
    ],
    "II.a": [
        ("Community policing", "Community policing programme in high-crime neighbourhoods"),
        ("Forensics", "DNA laboratory equipment and training for crime-scene investigators"),
    ],
    "II.b": [
        (
            "Advance passenger information",
            "Connection of all ports of entry to the advance passenger information system",
        ),
        ("Coast guard", "Maintenance and spare parts for coast guard vessels"),
    ],
    "II.c": [
        ("Cyber security", "National computer incident response team, staff and tools"),
        ("Critical infrastructure", "Risk assessment of critical infrastructure"),
    ],
    "II.d": [
        ("Gang intelligence", "Gang-intelligence database and analysts"),
        ("Prisons", "Prison intelligence and contraband-detection equipment"),
    ],
    "II.e": [
        ("Emergency communications", "Resilient emergency communications for disaster response"),
        ("Search and rescue", "Search-and-rescue training and equipment"),
    ],
    "III.a": [
        ("Youth", "Skills and employment programme for at-risk youth"),
        ("Schools", "Violence-prevention curriculum in secondary schools"),
    ],
    "III.b": [
        ("Courts", "Case-management system to reduce the criminal court backlog"),
        ("Legal aid", "Public defender capacity"),
    ],
    "III.c": [
        (
            "Integrity commission",
            "Investigators and forensic accountants for the integrity commission",
        ),
        ("Procurement", "E-procurement platform for public contracts"),
    ],
}
GAP_BY_WORD = [
    ("equipment", "equipment"),
    ("software", "technology"),
    ("system", "technology"),
    ("training", "training"),
    ("laboratory", "infrastructure"),
    ("shelter", "infrastructure"),
    ("staff", "personnel"),
    ("investigators", "personnel"),
    ("programme", "personnel"),
    ("curriculum", "training"),
]


def gap_type_for(text: str) -> str:
    lowered = text.lower()
    return next((gap for word, gap in GAP_BY_WORD if word in lowered), "equipment")


def ensure_cycles() -> dict[int, AssessmentCycle]:
    commission = Organisation.objects.get(code="COMMISSION")
    cycles = {}
    for year, status in [
        (2025, AssessmentCycle.Status.CLOSED),
        (2026, AssessmentCycle.Status.OPEN),
    ]:
        cycle = AssessmentCycle.objects.filter(year=year).first()
        if cycle is None:
            cycle = AssessmentCycle(
                year=year,
                status=status,
                valuation_date=date(year, 1, 1),
                owner=commission,
                tlp="CLEAR",
            )
            cycle._change_reason = "Demo cycle"
            cycle.save()
        cycles[year] = cycle
    return cycles


def generate_rows(seed: int, per_state: int) -> list[list[object]]:
    """Workbook rows (header first) of plausible needs, reproducible from ``seed``."""
    from .importer import COLUMNS

    rng = random.Random(seed)
    rows: list[list[object]] = [[title for _f, title in COLUMNS]]
    states = Party.objects.filter(organisation__side="caribbean").order_by("iso3")
    categories = list(Category.objects.values_list("code", flat=True))
    rates = RateTable()
    for state in states:
        currency = state.currencies.split(",")[0]
        scale = max(0.3, min(6.0, (state.population or 100_000) ** 0.25 / 10))
        for i in range(per_state):
            code = categories[(i + rng.randrange(len(categories))) % len(categories)]
            sub_area, text = rng.choice(NEEDS[code])
            usd = Decimal(int(rng.uniform(40_000, 2_500_000) * scale / 1000) * 1000)
            amount = (usd * rates.rate(currency, date(2026, 1, 1))).quantize(Decimal("1000"))
            rows.append(
                [
                    state.iso3,
                    code,
                    f"{state.iso3}-{code}-{i + 1:04d}",
                    sub_area,
                    text,
                    rng.randint(1, 5),
                    gap_type_for(text),
                    amount,
                    currency,
                    (i % 10) + 1,
                    "National needs assessment (demo data)",
                ]
            )
    return rows


def load_demo_needs(ctx: DemoContext) -> None:
    cycles = ensure_cycles()
    cycle = cycles[2026]
    if Need.objects.filter(cycle=cycle).exists():
        ctx.log(f"  needs already loaded ({Need.objects.filter(cycle=cycle).count()})")
        return
    per_state = 25 if ctx.size == "demo" else 1250
    rows = generate_rows(ctx.seed, per_state)
    from seccoop.accounts.models import User

    actor = User.objects.filter(username="secretariat").first()
    plan = plan_import(rows, cycle=cycle, user=actor, allowed_owner_ids=None)
    summary = apply_import(plan, actor=actor, source="demo data")
    ctx.log(f"  {summary['created']} needs in the {cycle.year} cycle (demo data)")
