"""Demo funding: five years (2022-2026) of invented flows from the US accounts (INCLE, ESF, DA,
NADR, FMF), the EU, Canada, the UK, the IDB and UNODC against the adopted plan's measures.

The accounts are real instruments; every amount, date and reference is invented and every
description says "(demo)". The sizes are of the order of the real ones (the US appropriated about
US$60-80 million a year for the initiative in recent years). Each partner pledges, commits part or
all of its pledges, and disburses part of its commitments, so the coverage page shows every stage.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext
from seccoop.framework.models import Organisation
from seccoop.plan.models import Measure, PlanVersion

from .models import Budget, FundingAccount, Transaction, TransactionType
from .services import percentages, save_budget, save_transaction

#: (code, name, managing partner's organisation code, categories it funds, yearly USD millions)
ACCOUNTS = [
    (
        "US-INCLE",
        "International Narcotics Control and Law Enforcement (INCLE)",
        "US-INL",
        ["I.a", "I.b", "II.a", "II.d", "III.b"],
        30,
    ),
    ("US-ESF", "Economic Support Fund (ESF)", "US-USAID", ["III.a", "II.a"], 12),
    ("US-DA", "Development Assistance (DA)", "US-USAID", ["III.a", "III.c"], 8),
    (
        "US-NADR",
        "Nonproliferation, Anti-terrorism, Demining and Related Programs (NADR)",
        "US-INL",
        ["II.c", "I.b"],
        4,
    ),
    ("US-FMF", "Foreign Military Financing (FMF)", "US-INL", ["I.a", "II.b", "II.e"], 10),
    (
        "EU-NDICI",
        "Neighbourhood, Development and International Cooperation Instrument - Global Europe",
        "EU",
        ["I.c", "III.c", "II.b"],
        9,
    ),
    ("CA-ACCBP", "Anti-Crime Capacity Building Program (Canada)", "CA-GAC", ["I.d", "I.c"], 4),
    ("GB-CSSF", "Conflict, Stability and Security Fund (United Kingdom)", "GB-FCDO", ["III.b"], 5),
    ("IDB-TC", "IDB technical cooperation (citizen security)", "IDB", ["II.a", "III.a"], 6),
    ("UNODC-XB", "UNODC extrabudgetary programmes", "UNODC", ["I.a", "I.d", "III.c"], 2),
]
CURRENCY = {"EU": "EUR", "GB-FCDO": "GBP", "CA-GAC": "CAD"}
YEARS = range(2022, 2027)


def load_demo_funding(ctx: DemoContext) -> None:
    if Transaction.objects.exists():
        ctx.log("funding demo: already loaded")
        return
    rng = random.Random(ctx.seed + 5)
    actor = User.objects.filter(username="secretariat").first()
    plan = (
        PlanVersion.objects.filter(status=PlanVersion.Status.ADOPTED)
        .order_by("-adopted_on", "-pk")
        .first()
    )
    if plan is None:
        ctx.log("funding demo: no adopted plan version")
        return
    orgs = {o.code: o for o in Organisation.objects.filter(kind="partner")}
    # Every measure an adopted version held: funding runs across plan years, and a measure a
    # later version ended was funded only until then.
    measures = list(
        Measure.objects.filter(
            versions__plan__status__in=[PlanVersion.Status.ADOPTED, PlanVersion.Status.SUPERSEDED]
        )
        .distinct()
        .select_related("category", "ended_by")
        .prefetch_related("participating_states")
    )
    by_category: dict[str, list[Measure]] = {}
    for m in measures:
        if m.category is not None:
            by_category.setdefault(m.category.code, []).append(m)
    count = 0
    with transaction.atomic():
        for code, name, partner_code, categories, millions in ACCOUNTS:
            partner = orgs.get(partner_code)
            if partner is None:
                continue
            account = FundingAccount.objects.create(
                code=code, name=name, owner=partner, tlp="CLEAR"
            )
            currency = CURRENCY.get(partner_code, "USD")
            pool = [m for c in categories for m in by_category.get(c, [])]
            if not pool:
                continue
            for year in YEARS:
                budget_total = Decimal(millions * 1_000_000)
                running = [m for m in pool if m.ended_by is None or m.ended_by.year > year]
                chosen = rng.sample(running, min(len(running), rng.randint(3, 6)))
                for n, measure in enumerate(chosen):
                    amount = (budget_total / len(chosen) * Decimal(rng.uniform(0.6, 1.4))).quantize(
                        Decimal(1000)
                    )
                    count += _flows(
                        rng, actor, partner, account, measure, currency, year, n, amount
                    )
                    save_budget(
                        Budget(
                            measure=measure,
                            account=account,
                            owner=partner,
                            tlp="CLEAR",
                            amount=amount,
                            currency=currency,
                            value_date=date(year, 1, 1),
                            period_start=date(year, 1, 1),
                            period_end=date(year, 12, 31),
                            status=Budget.Status.COMMITTED if year < 2026 else "1",
                        ),
                        actor=actor,
                        reason="Demo data",
                    )
    ctx.log(f"funding demo: {len(ACCOUNTS)} accounts, {count} transactions")


def _flows(
    rng: random.Random,
    actor: Any,
    partner: Organisation,
    account: FundingAccount,
    measure: Measure,
    currency: str,
    year: int,
    n: int,
    amount: Decimal,
) -> int:
    """A pledge, then (usually) a commitment of some or all of it, then disbursements."""
    states = list(measure.participating_states.all())
    shares = _shares(states)
    pledged_on = date(year, 2, 1) + timedelta(days=rng.randint(0, 60))
    ref = f"{account.code}-{year}-{measure.code}-{n}"
    made = 0

    def record(kind: str, value: Decimal, day: date, suffix: str, text: str) -> None:
        nonlocal made
        save_transaction(
            Transaction(
                type=kind,
                reference=f"{ref}-{suffix}",
                measure=measure,
                account=account,
                owner=partner,
                provider=partner,
                tlp="CLEAR",
                amount=value,
                currency=currency,
                value_date=day,
                description=f"{text} (demo)",
            ),
            actor=actor,
            shares=shares,
            reason="Demo data",
        )
        made += 1

    record(TransactionType.OUTGOING_PLEDGE, amount, pledged_on, "P", "Pledge")
    if rng.random() < 0.25:
        return made  # still only a pledge
    committed = (amount * Decimal(rng.choice([0.5, 0.75, 1, 1]))).quantize(Decimal(1000))
    committed_on = pledged_on + timedelta(days=rng.randint(30, 120))
    if committed_on.year > year:
        committed_on = date(year, 12, 15)
    record(TransactionType.OUTGOING_COMMITMENT, committed, committed_on, "C", "Commitment")
    disbursed = Decimal(0)
    for k in range(rng.randint(0, 3)):
        part = (committed * Decimal(rng.uniform(0.15, 0.35))).quantize(Decimal(1000))
        day = committed_on + timedelta(days=60 * (k + 1))
        if day > timezone.localdate() or disbursed + part > committed:
            break
        disbursed += part
        record(TransactionType.DISBURSEMENT, part, day, f"D{k + 1}", "Disbursement")
    return made


def _shares(states: list[Any]) -> list[tuple[Any, Decimal]]:
    """The States in equal parts."""
    return percentages((s, Decimal(1)) for s in states)
