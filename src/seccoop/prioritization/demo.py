"""Demo prioritisation: the 2027 draft plan scored by several assessors per measure."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from seccoop.accounts.models import User
from seccoop.core.demo import DemoContext
from seccoop.framework.models import Organisation
from seccoop.plan.models import Measure, PlanVersion

from .models import Assignment, PrioritizationCycle
from .services import criteria, run_ranking, save_score, set_weights

ASSESSORS = ["twg_member", "jam_focal", "brb_focal", "dom_focal", "secretariat"]


def load_demo_scores(ctx: DemoContext) -> None:
    plan = PlanVersion.objects.filter(label="Plan of Action 2027").first()
    if plan is None or PrioritizationCycle.objects.filter(year=2027).exists():
        ctx.log("  prioritisation already loaded" if plan else "  no 2027 draft to score")
        return
    rng = random.Random(ctx.seed)
    commission = Organisation.objects.get(code="COMMISSION")
    secretariat = User.objects.get(username="secretariat")
    assessors = list(User.objects.filter(username__in=ASSESSORS))
    crits = criteria()
    with transaction.atomic():
        cycle = PrioritizationCycle.objects.create(
            year=2027, plan=plan, owner=commission, tlp="GREEN"
        )
        set_weights(
            cycle,
            actor=secretariat,
            values={
                "a": (Decimal("0.5"), Decimal("0.3"), Decimal("0.7")),
                "b": (Decimal("0.3"), Decimal("0.1"), Decimal("0.5")),
                "c": (Decimal("0.2"), Decimal("0.1"), Decimal("0.4")),
            },
        )
        for measure in Measure.objects.filter(versions__plan=plan).exclude(kind="institutional"):
            latent = [rng.uniform(1.5, 4.8) for _c in crits]
            for assessor in rng.sample(assessors, 3):
                assignment = Assignment.objects.create(
                    cycle=cycle,
                    measure=measure,
                    assessor=assessor,
                    owner=commission,
                    tlp="AMBER+STRICT",
                )
                for criterion, centre in zip(crits, latent, strict=True):
                    value = min(5.0, max(1.0, centre + rng.gauss(0, 0.5)))
                    low = Decimal(str(round(value * 2) / 2))
                    high = low if rng.random() < 0.6 else min(Decimal(5), low + Decimal("1"))
                    save_score(assignment, actor=assessor, criterion=criterion, low=low, high=high)
        run_ranking(cycle, actor=secretariat, method="wsum")
        run_ranking(cycle, actor=secretariat, method="smaa", samples=2000, seed=ctx.seed)
    ctx.log(f"  prioritisation: {cycle.assignments.count()} assignments, 2 ranking runs")
