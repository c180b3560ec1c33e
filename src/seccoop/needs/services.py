"""Needs services: saving one need with its USD value, and the matrix aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum

from seccoop.core.money import to_usd
from seccoop.framework.models import Category, Organisation, Party

from .models import AssessmentCycle, Need


def price_need(need: Need) -> Need:
    """Set ``amount_usd`` from the amount, currency and the cycle's valuation date."""
    need.amount_usd = to_usd(need.amount, need.currency, need.cycle.valuation_date)
    return need


def save_need(need: Need, *, actor: Any, reason: str = "") -> Need:
    """Create or change one need; a new need is released to the Commission (TLP:AMBER)."""
    creating = need.pk is None
    with transaction.atomic():
        price_need(need)
        if creating:
            need.owner_id = need.state.organisation_id
        need._change_reason = reason or ("Created" if creating else "Edited")
        need._history_user = actor
        need.save()
        if creating:
            commission = Organisation.objects.filter(code="COMMISSION").first()
            if commission is not None:
                need.releasable_to.add(commission)
    return need


@dataclass
class MatrixCell:
    state: Party
    category: Category
    count: int
    usd_total: Decimal
    intensity: float


@dataclass
class Matrix:
    cycle: AssessmentCycle
    states: list[Party]
    categories: list[Category]
    cells: dict[tuple[int, int], MatrixCell]
    row_totals: dict[int, Decimal]
    column_totals: dict[int, Decimal]
    total: Decimal
    count: int


def build_matrix(
    user: Any, cycle: AssessmentCycle, *, status: str | None = None, gap_type: str | None = None
) -> Matrix:
    """States x categories: the USD total and count of the needs ``user`` may see (SQL aggregate)."""
    needs = Need.objects.restrict(user, "view").filter(cycle=cycle)
    if status:
        needs = needs.filter(status=status)
    if gap_type:
        needs = needs.filter(gap_type=gap_type)
    rows = (
        needs.values("state_id", "category_id")
        .annotate(n=Count("id"), usd=Sum("amount_usd"))
        .order_by()
    )
    states = list(
        Party.objects.restrict(user, "view")
        .filter(organisation__side="caribbean")
        .select_related("organisation")
        .order_by("iso3")
    )
    categories = list(
        Category.objects.restrict(user, "view").order_by("priority__number", "letter")
    )
    by_state = {s.pk: s for s in states}
    by_category = {c.pk: c for c in categories}
    aggregates = [(r["state_id"], r["category_id"], r["n"], r["usd"] or Decimal(0)) for r in rows]
    peak = max((usd for *_k, usd in aggregates), default=Decimal(0))
    cells: dict[tuple[int, int], MatrixCell] = {}
    row_totals: dict[int, Decimal] = {}
    column_totals: dict[int, Decimal] = {}
    total, count = Decimal(0), 0
    for state_id, category_id, n, usd in aggregates:
        state, category = by_state.get(state_id), by_category.get(category_id)
        if state is None or category is None:
            continue
        cells[(state_id, category_id)] = MatrixCell(
            state, category, n, usd, float(usd / peak) if peak else 0.0
        )
        row_totals[state_id] = row_totals.get(state_id, Decimal(0)) + usd
        column_totals[category_id] = column_totals.get(category_id, Decimal(0)) + usd
        total += usd
        count += n
    return Matrix(cycle, states, categories, cells, row_totals, column_totals, total, count)
