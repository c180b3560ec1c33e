"""Needs services: the one path by which a need is written, whatever it comes from (the form, the
workbook import, the API), the Commission's review, and the matrix aggregate.

The rules every path shares:

* An author (a State's focal point) saves a need as **draft** or **submitted**, never validated or
  returned: only the Commission's secretariat validates or returns a need (``validate_need``,
  ``return_need``), and a return needs a reason, kept in the need's history.
* A submitted need is released to the Commission (the Commission is added to its release list), so
  it must carry a marking the Commission can read: TLP:AMBER+STRICT (owner only) and TLP:RED are
  refused for a submitted need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from seccoop.core.markings import TLP
from seccoop.core.models import mark_history
from seccoop.core.money import to_usd
from seccoop.core.policy import get_policy
from seccoop.framework.models import Category, Organisation, Party
from seccoop.framework.services import commission

from .models import AssessmentCycle, Need

#: What an author may save a need as; validated and returned are the Commission's review.
AUTHOR_STATUSES = (Need.Status.DRAFT, Need.Status.SUBMITTED)


def price_need(need: Need) -> Need:
    """Set ``amount_usd`` from the amount, currency and the cycle's valuation date."""
    need.amount_usd = to_usd(need.amount, need.currency, need.cycle.valuation_date)
    return need


def entry_errors(need: Need, *, stored_status: str | None = None) -> dict[str, str]:
    """What an author may not save, by field (empty when the need may be saved): a status other
    than draft or submitted, a TLP:RED marking, or a submitted need the Commission could not
    read."""
    errors: dict[str, str] = {}
    if need.status not in AUTHOR_STATUSES:
        label = Need.Status(need.status).label if need.status in Need.Status.values else need.status
        if stored_status is not None and need.status == stored_status:
            errors["status"] = _(
                "This need is {status}; to change it, save it as draft or submitted (the "
                "Commission then reviews it again)."
            ).format(status=str(label).lower())
        else:
            errors["status"] = _(
                "Only the Commission's secretariat validates or returns a need; save it as draft "
                "or submitted (found '{value}')."
            ).format(value=str(label))
    if need.tlp == TLP.RED:
        errors["tlp"] = _("TLP:RED needs named recipients; use AMBER+STRICT instead.")
    elif need.status == Need.Status.SUBMITTED and need.tlp == TLP.AMBER_STRICT:
        errors["tlp"] = _(
            "A submitted need is released to the Commission, which cannot read TLP:AMBER+STRICT; "
            "mark it TLP:AMBER (or keep it as a draft)."
        )
    return errors


def check_entry(need: Need, *, stored_status: str | None = None) -> None:
    errors = entry_errors(need, stored_status=stored_status)
    if errors:
        raise ValidationError(errors)


def _stored_status(need: Need) -> str | None:
    if need.pk is None:
        return None
    return Need.objects.filter(pk=need.pk).values_list("status", flat=True).first()


def save_need(
    need: Need,
    *,
    actor: Any,
    reason: str = "",
    releases: Iterable[Organisation] | None = None,
) -> Need:
    """Create or change one need (the form and the API): the author's rules (``check_entry``), its
    USD value, its State as owner, ``releases`` as its release list when given, and a submitted need
    released to the Commission."""
    check_entry(need, stored_status=_stored_status(need))
    creating = need.pk is None
    with transaction.atomic():
        price_need(need)
        if creating:
            need.owner_id = need.state.organisation_id
        mark_history(need, reason=reason or (_("Created") if creating else _("Edited")), user=actor)
        need.save()
        if releases is not None:
            need.releasable_to.set(list(releases))
        release_submitted([need])
    return need


def release_submitted(needs: list[Need]) -> None:
    """Release the submitted ones of ``needs`` to the Commission (one query for all)."""
    body = commission()
    ids = [n.pk for n in needs if n.status == Need.Status.SUBMITTED]
    if body is None or not ids:
        return
    through = Need.releasable_to.through
    through.objects.bulk_create(
        [through(need_id=i, organisation_id=body.pk) for i in ids],
        batch_size=5000,
        ignore_conflicts=True,
    )


def save_needs(
    create: list[Need], update: list[Need], *, actor: Any, reason: str, fields: list[str]
) -> list[Need]:
    """Many needs in one transaction (the workbook import): the same rules as ``save_need``,
    written in bulk with history rows. ``fields`` are the columns an update writes."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    stored = dict(Need.objects.filter(pk__in=[n.pk for n in update]).values_list("pk", "status"))
    for need in [*create, *update]:
        check_entry(need, stored_status=stored.get(need.pk))
    with transaction.atomic():
        created = bulk_create_with_history(
            create, Need, batch_size=2000, default_user=actor, default_change_reason=reason
        )
        if update:
            bulk_update_with_history(
                update,
                Need,
                fields,
                batch_size=2000,
                default_user=actor,
                default_change_reason=reason,
            )
        release_submitted([*created, *update])
    return list(created)


# --- the Commission's review ----------------------------------------------------------------


def reviewable_needs(user: Any) -> Any:
    """The needs ``user`` may validate or return: the user is a secretariat officer of the
    Commission (or a platform administrator) and the need is released to the Commission."""
    body = commission()
    if body is None or not getattr(user, "is_authenticated", False):
        return Need.objects.none()
    if not get_policy().may(user, "needs.review"):
        return Need.objects.none()
    return Need.objects.restrict(user, "review").filter(releasable_to=body)


def may_review(need: Need, user: Any) -> bool:
    return bool(reviewable_needs(user).filter(pk=need.pk).exists())


def _review(need: Need, *, actor: Any, status: str, reason: str, reason_required: bool) -> Need:
    with transaction.atomic():
        locked = reviewable_needs(actor).select_for_update().filter(pk=need.pk).first()
        if locked is None:
            raise PermissionDenied(
                _("Only the Commission's secretariat validates or returns a need.")
            )
        if locked.status != Need.Status.SUBMITTED:
            raise ValidationError(
                {
                    "status": _(
                        "Only a submitted need can be validated or returned; {need} is {status}."
                    ).format(need=str(locked), status=locked.get_status_display().lower())
                }
            )
        if reason_required and not reason:
            raise ValidationError({"reason": _("Give the reason for returning this need.")})
        locked.status = status
        locked.version += 1
        if status == Need.Status.RETURNED:
            reason = _("Returned: {reason}").format(reason=reason)
        mark_history(locked, reason=reason or _("Validated"), user=actor)
        locked.save()
    return locked


def validate_need(need: Need, *, actor: Any, reason: str = "") -> Need:
    """The Commission's secretariat validates a submitted need."""
    return _review(
        need, actor=actor, status=Need.Status.VALIDATED, reason=reason, reason_required=False
    )


def return_need(need: Need, *, actor: Any, reason: str) -> Need:
    """The Commission's secretariat returns a submitted need to its State, with a reason (kept in
    the need's history as "Returned: <reason>")."""
    return _review(
        need,
        actor=actor,
        status=Need.Status.RETURNED,
        reason=(reason or "").strip()[:500],
        reason_required=True,
    )


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
