"""Demo monitoring data: about 60 indicators with plausible series, all marked as demo data.

Real figures (the homicide rates) are loaded by :mod:`seccoop.monitoring.reference`; nothing here
touches them except demo targets, which say so in their note. Series are seeded and reproducible.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.plan.models import Measure, PlanVersion

from .models import Baseline, Indicator, Target, ValidationRule, Value
from .periods import Kind, Period

DEMO_NOTE = "Demo target (invented for demonstration)"
YEARS = range(2019, 2026)
QUARTERS = [Period(Kind.QUARTER, 2025, q) for q in range(1, 5)] + [
    Period(Kind.QUARTER, 2026, q) for q in (1, 2)
]

#: category -> [(code suffix, name, unit, measure type, direction, base level, kind)]
#: kind: "y" annual, "q" quarterly, "c" annual count by sex (public, suppressed when small)
THEMES: dict[str, list[tuple[str, str, str, str, str, float, str]]] = {
    "I.a": [
        ("SEIZ", "Cocaine seized", "kg", "unit", "increase", 800, "y"),
        ("CANN", "Cannabis plants eradicated", "plants", "unit", "increase", 40000, "y"),
        ("DRUG-CONV", "Drug-trafficking convictions", "cases", "unit", "increase", 60, "q"),
        (
            "LAB",
            "Forensic drug tests completed within 30 days",
            "%",
            "percentage",
            "increase",
            55,
            "y",
        ),
        ("INTERD", "Maritime interdiction patrols", "patrols", "unit", "increase", 120, "q"),
    ],
    "I.b": [
        ("FA-SEIZ", "Illegal firearms seized", "firearms", "unit", "increase", 250, "q"),
        (
            "FA-TRACE",
            "Seized firearms submitted for tracing",
            "%",
            "percentage",
            "increase",
            40,
            "y",
        ),
        ("AMMO", "Rounds of ammunition seized", "rounds", "unit", "increase", 9000, "y"),
        ("FA-HOM", "Homicides committed with a firearm", "%", "percentage", "decrease", 70, "y"),
        ("FA-DEST", "Surplus firearms destroyed", "firearms", "unit", "increase", 300, "y"),
    ],
    "I.c": [
        ("STR", "Suspicious transaction reports analysed", "reports", "unit", "increase", 900, "y"),
        ("ML-PROS", "Money-laundering prosecutions", "cases", "unit", "increase", 12, "y"),
        ("FORF", "Assets forfeited", "USD thousand", "unit", "increase", 1500, "y"),
        ("FIU-TIME", "FIU disseminations within 60 days", "%", "percentage", "increase", 50, "y"),
        ("ML-CONV", "Money-laundering convictions", "cases", "unit", "increase", 5, "y"),
    ],
    "I.d": [
        (
            "TIP-VICT",
            "Victims of trafficking identified, by sex",
            "persons",
            "unit",
            "increase",
            14,
            "c",
        ),
        ("TIP-PROS", "Trafficking prosecutions", "cases", "unit", "increase", 6, "y"),
        ("TIP-SHEL", "Victims given shelter", "%", "percentage", "increase", 60, "y"),
        (
            "TIP-TRAIN",
            "Officers trained to identify victims",
            "officers",
            "unit",
            "increase",
            80,
            "y",
        ),
        ("TIP-HOT", "Hotline calls followed up", "%", "percentage", "increase", 70, "q"),
    ],
    "II.a": [
        ("HOM-CLEAR", "Homicide clearance rate", "%", "percentage", "increase", 35, "y"),
        ("ROB", "Robberies reported per 100,000", "per 100,000", "unit", "decrease", 120, "y"),
        (
            "VIOL-YOUTH",
            "Young people referred to violence-interruption programmes, by sex",
            "persons",
            "unit",
            "increase",
            30,
            "c",
        ),
        (
            "CSI-DAYS",
            "Crime-scene reports completed within 14 days",
            "%",
            "percentage",
            "increase",
            50,
            "q",
        ),
        ("SHOOT", "Shooting incidents", "incidents", "unit", "decrease", 400, "q"),
    ],
    "II.b": [
        (
            "API-COV",
            "Ports of entry connected to advance passenger information",
            "%",
            "percentage",
            "increase",
            60,
            "y",
        ),
        ("WATCH-HITS", "Watch-list hits acted on", "hits", "unit", "increase", 45, "q"),
        ("CG-DAYS", "Coast guard vessel days at sea", "days", "unit", "increase", 900, "q"),
        (
            "DOC-FRAUD",
            "Fraudulent travel documents detected",
            "documents",
            "unit",
            "increase",
            70,
            "y",
        ),
        ("BORDER-TRAIN", "Border officers trained", "officers", "unit", "increase", 150, "y"),
    ],
    "II.c": [
        (
            "CIRT",
            "Cyber incidents handled by the national CIRT",
            "incidents",
            "unit",
            "increase",
            200,
            "y",
        ),
        (
            "CI-ASSESS",
            "Critical infrastructure sites risk-assessed",
            "%",
            "percentage",
            "increase",
            30,
            "y",
        ),
        ("CT-EXER", "Counter-terrorism exercises held", "exercises", "unit", "increase", 2, "y"),
        ("CFT-STR", "Terrorist-financing reports analysed", "reports", "unit", "increase", 10, "y"),
        (
            "CT-TRAIN",
            "Officers trained in counter-terrorism",
            "officers",
            "unit",
            "increase",
            40,
            "y",
        ),
    ],
    "II.d": [
        ("GANG-ARR", "Gang leaders arrested", "persons", "unit", "increase", 25, "y"),
        ("GANG-MEM", "Known active gangs", "gangs", "unit", "decrease", 80, "y"),
        (
            "PRIS-CONTR",
            "Contraband phones seized in prisons",
            "phones",
            "unit",
            "increase",
            600,
            "q",
        ),
        (
            "GANG-EXIT",
            "Former gang members in exit programmes, by sex",
            "persons",
            "unit",
            "increase",
            20,
            "c",
        ),
        ("GANG-CONV", "Gang-related convictions", "cases", "unit", "increase", 30, "y"),
    ],
    "II.e": [
        (
            "EOC",
            "Emergency operations centres meeting the regional standard",
            "%",
            "percentage",
            "increase",
            50,
            "y",
        ),
        (
            "SAR",
            "Search-and-rescue responses within two hours",
            "%",
            "percentage",
            "increase",
            65,
            "y",
        ),
        ("DRILL", "Disaster drills held", "drills", "unit", "increase", 6, "y"),
        ("SHELTER", "Shelters inspected", "%", "percentage", "increase", 55, "y"),
        ("EWS", "Communities covered by early warning", "%", "percentage", "increase", 45, "y"),
    ],
    "III.a": [
        (
            "YOUTH-PROG",
            "Young people in crime-prevention programmes",
            "persons",
            "unit",
            "increase",
            1500,
            "y",
        ),
        (
            "SCHOOL",
            "Schools with violence-prevention programmes",
            "%",
            "percentage",
            "increase",
            35,
            "y",
        ),
        ("CCTV", "Public spaces under CCTV", "sites", "unit", "increase", 120, "y"),
        (
            "VICT-SURV",
            "People who feel safe walking alone at night",
            "%",
            "percentage",
            "increase",
            48,
            "y",
        ),
        (
            "COMM-POL",
            "Communities with a community-policing officer",
            "%",
            "percentage",
            "increase",
            40,
            "y",
        ),
    ],
    "III.b": [
        (
            "BACKLOG",
            "Criminal cases pending over two years",
            "cases",
            "unit",
            "decrease",
            3000,
            "y",
        ),
        ("PRETRIAL", "Prisoners held before trial", "%", "percentage", "decrease", 45, "y"),
        ("CASE-DAYS", "Median days from charge to verdict", "days", "unit", "decrease", 600, "y"),
        ("LEGAL-AID", "Defendants with legal aid", "%", "percentage", "increase", 50, "y"),
        (
            "JUV-DIV",
            "Juveniles diverted from custody, by sex",
            "persons",
            "unit",
            "increase",
            25,
            "c",
        ),
    ],
    "III.c": [
        ("CORR-CASE", "Corruption cases investigated", "cases", "unit", "increase", 40, "y"),
        ("CORR-CONV", "Corruption convictions", "cases", "unit", "increase", 6, "y"),
        (
            "ASSET-DECL",
            "Officials filing asset declarations",
            "%",
            "percentage",
            "increase",
            60,
            "y",
        ),
        (
            "PROC-OPEN",
            "Public contracts awarded by open tender",
            "%",
            "percentage",
            "increase",
            55,
            "y",
        ),
        ("WHISTLE", "Whistle-blower reports followed up", "reports", "unit", "increase", 30, "y"),
    ],
}


def _series(
    rng: random.Random, base: float, direction: str, n: int, percentage: bool
) -> list[float]:
    trend = rng.uniform(0.01, 0.06) * (1 if direction == "increase" else -1)
    level = base * rng.uniform(0.6, 1.4)
    out = []
    for _i in range(n):
        level = level * (1 + trend + rng.uniform(-0.05, 0.05))
        out.append(min(level, 99.0) if percentage else level)
    return out


def load_demo_monitoring(ctx: DemoContext) -> None:
    """About 60 indicators (5 per category), with values, baselines, targets and rules."""
    if Indicator.objects.filter(is_demo=True).exists():
        ctx.log("monitoring demo: already loaded")
        return
    rng = random.Random(ctx.seed + 404)
    commission = Organisation.objects.get(code="COMMISSION")
    actor = User.objects.filter(username="secretariat").first()
    categories = {c.code: c for c in Category.objects.all()}
    states = list(
        Party.objects.filter(organisation__side="caribbean")
        .select_related("organisation")
        .order_by("iso3")
    )
    adopted = PlanVersion.objects.filter(status="adopted").order_by("-year").first()
    measures_by_cat: dict[int, list[Measure]] = {}
    if adopted is not None:
        for m in Measure.objects.filter(versions__plan=adopted).exclude(category=None):
            if m.category_id is not None:
                measures_by_cat.setdefault(m.category_id, []).append(m)
    now = timezone.now()
    values: list[Value] = []
    targets: list[Target] = []
    baselines: list[Baseline] = []
    with transaction.atomic():
        for cat_code, themes in THEMES.items():
            category = categories[cat_code]
            for suffix, name, unit, mtype, direction, base, kind in themes:
                counts = kind == "c"
                indicator = Indicator.objects.create(
                    owner=commission,
                    tlp=TLP.CLEAR,
                    code=f"{cat_code.replace('.', '').upper()}-{suffix}",
                    name=name,
                    definition=f"{name} in the reporting period, as recorded by the competent national authority.",
                    unit=unit,
                    measure_type=mtype,
                    direction=direction,
                    aggregation="mean" if mtype == "percentage" else "sum",
                    period_type=Kind.QUARTER.value if kind == "q" else Kind.YEAR.value,
                    disaggregations={"sex": ["female", "male"]} if counts else {},
                    means_of_verification="National administrative records",
                    level="output" if mtype == "unit" else "outcome",
                    category=category,
                    decimals=1 if mtype == "percentage" else 0,
                    source="Demo data",
                    is_demo=True,
                )
                linked = measures_by_cat.get(category.pk, [])[:2]
                if linked:
                    indicator.measures.add(*linked)
                if mtype == "percentage":
                    ValidationRule.objects.create(
                        owner=commission,
                        indicator=indicator,
                        code="PCT",
                        kind="percentage",
                        severity="block",
                    )
                else:
                    ValidationRule.objects.create(
                        owner=commission,
                        indicator=indicator,
                        code="RANGE",
                        kind="range",
                        severity="block",
                        minimum=Decimal(0),
                        maximum=Decimal(round(base * 20)),
                        description="Plausible range for one state",
                    )
                    ValidationRule.objects.create(
                        owner=commission,
                        indicator=indicator,
                        code="JUMP",
                        kind="compare_previous",
                        severity="warn",
                        tolerance=Decimal(60),
                        description="Large change from the previous period",
                    )
                periods = QUARTERS if kind == "q" else [Period(Kind.YEAR, y) for y in YEARS]
                public = counts
                for state in states:
                    series = _series(
                        rng,
                        base / (3 if counts else 1),
                        direction,
                        len(periods),
                        mtype == "percentage",
                    )
                    for position, (period, number) in enumerate(zip(periods, series, strict=True)):
                        last = position == len(periods) - 1
                        status = (
                            Value.Status.SUBMITTED
                            if last and rng.random() < 0.3
                            else Value.Status.APPROVED
                        )
                        cells = [("", number)]
                        if counts:
                            female = max(0, round(number * rng.uniform(0.2, 0.6)))
                            male = max(0, round(number) - female)
                            cells = [
                                ("", float(female + male)),
                                ("sex=female", float(female)),
                                ("sex=male", float(male)),
                            ]
                        for key, x in cells:
                            v = Value(
                                indicator=indicator,
                                state=state,
                                disaggregation=key,
                                value=Decimal(str(round(x, 1 if mtype == "percentage" else 0))),
                                quality=rng.choice("ABBC"),
                                status=status,
                                owner_id=state.organisation_id,
                                tlp=TLP.CLEAR if public else TLP.AMBER,
                                comment="Demo data",
                                submitted_at=now,
                                approved_at=now if status == Value.Status.APPROVED else None,
                                approved_by=actor if status == Value.Status.APPROVED else None,
                            )
                            v.set_period(period)
                            values.append(v)
                    first = Decimal(str(round(series[0], 1)))
                    b = Baseline(
                        indicator=indicator,
                        state=state,
                        value=first,
                        owner_id=state.organisation_id,
                        steward=commission,
                        note="Demo baseline",
                    )
                    b.set_period(periods[0])
                    baselines.append(b)
                    goal = series[0] * (1.25 if direction == "increase" else 0.8)
                    if mtype == "percentage":
                        goal = min(goal, 95.0)
                    for period in periods[1:]:
                        t = Target(
                            indicator=indicator,
                            state=state,
                            value=Decimal(str(round(goal, 1))),
                            owner_id=state.organisation_id,
                            steward=commission,
                            note=DEMO_NOTE,
                        )
                        t.set_period(period)
                        targets.append(t)
        _homicide_targets(states, commission, targets)
        from simple_history.utils import bulk_create_with_history

        reason = "Demo data"
        created = bulk_create_with_history(
            values, Value, batch_size=2000, default_user=actor, default_change_reason=reason
        )
        through = Value.releasable_to.through
        through.objects.bulk_create(
            [
                through(value_id=v.pk, organisation_id=commission.pk)
                for v in created
                if v.tlp == TLP.AMBER
            ],
            batch_size=5000,
        )
        bulk_create_with_history(
            baselines, Baseline, batch_size=2000, default_user=actor, default_change_reason=reason
        )
        bulk_create_with_history(
            targets, Target, batch_size=2000, default_user=actor, default_change_reason=reason
        )
    ctx.log(
        f"monitoring demo: {sum(len(t) for t in THEMES.values())} indicators, {len(values)} values, {len(targets)} targets"
    )


def _homicide_targets(states: list[Party], commission: Organisation, out: list[Target]) -> None:
    """Demo targets on the real homicide indicator: a quarter below each state's baseline by 2023."""
    indicator = Indicator.objects.filter(code="HOM-RATE").first()
    if indicator is None:
        return
    for b in Baseline.objects.filter(indicator=indicator):
        t = Target(
            indicator=indicator,
            state_id=b.state_id,
            value=(b.value * Decimal("0.75")).quantize(Decimal("0.1")),
            owner_id=b.owner_id,
            steward=commission,
            tlp=TLP.CLEAR,
            note=DEMO_NOTE,
        )
        t.set_period(Period(Kind.YEAR, 2023))
        out.append(t)
