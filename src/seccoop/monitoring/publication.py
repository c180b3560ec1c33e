"""Publication: the one gate every reported figure passes before a reader outside its steward sees it.

Every path a reader reaches (public figures, indicator pages, trend charts, progress, the
dashboard, the API, the IATI results, exports) reads values through this module. A value is shown
as reported to its *stewards*: members of the organisation that owns it, readers it is shared with
by name (TLP:AMBER released to their organisation, TLP:RED naming them), members holding the
reviewer role (the Commission's secretariat), and platform administrators. Everyone else
(anonymous visitors; partner officers and other States reading TLP:CLEAR or TLP:GREEN figures)
reads the *publication*:

* only approved values (a figure is published once the Commission has approved it);
* for counts (a sum-aggregated number indicator), the table of each indicator and period, States ×
  disaggregation cells, is suppressed as :mod:`.suppression` says: cells above zero and below the
  threshold are hidden, and further cells and totals are hidden until no hidden cell can be
  recovered from what the reader sees, counting the reader's own figures as known;
* a State's undisaggregated figure of a disaggregated indicator is its row total: it is published
  only where that row total is, and a figure in a cell the indicator no longer defines is not
  published.

Rates, means and medians are not counts and are published as approved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from seccoop.core.markings import TLP
from seccoop.framework.models import Party

from .models import Indicator, Value
from .suppression import suppress_table

#: The cells of one table: (state id, disaggregation key).
Cell = tuple[int, str]


@dataclass
class PublicTable:
    """One indicator and period as a reader may see it."""

    indicator: Indicator
    period: str
    threshold: int
    rows: list[Party]
    columns: list[str]
    cells: dict[Cell, Decimal | None]
    hidden: set[Cell]
    row_totals: dict[int, Decimal | None]
    column_totals: dict[str, Decimal | None]
    total: Decimal | None


def suppression_threshold(indicator: Indicator) -> int:
    if indicator.suppression_threshold is not None:
        return int(indicator.suppression_threshold)
    return int(getattr(settings, "SUPPRESSION_THRESHOLD", 5))


def is_count(indicator: Indicator) -> bool:
    """Counts are suppressed; rates, means and medians are not."""
    return bool(
        indicator.measure_type == Indicator.MeasureType.UNIT
        and indicator.aggregation == Indicator.Aggregation.SUM
    )


def public_reader() -> AnonymousUser:
    """The world as a reader (the IATI file is published to everyone, whoever asks for it)."""
    return AnonymousUser()


def steward_q(user: Any) -> Q | None:
    """The values ``user`` reads as reported: None when that is every value they may see
    (platform administrators); an empty match for the anonymous."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.is_superuser and user.is_active:
        return None
    from seccoop.core.policy import get_policy

    policy = get_policy()
    if policy.may(user, "monitoring.read_reported"):
        return None  # the Commission's secretariat validates every figure it may see
    # An AMBER or RED figure reaches a reader only by an explicit release from its owner: it is
    # shared with them as reported. CLEAR and GREEN figures of others are published.
    own = policy.acting_for(user, "member_of")
    return Q(owner_id__in=sorted(own)) | Q(tlp__in=[TLP.AMBER, TLP.AMBER_STRICT, TLP.RED])


def visible_values(user: Any) -> Any:
    """The values ``user`` may read, before suppression: everything they steward, and the
    approved values of others that they may see."""
    values = Value.objects.restrict(user, "view")
    own = steward_q(user)
    if own is None:
        return values
    return values.filter(own | Q(status=Value.Status.APPROVED))


def steward_values(user: Any) -> Any:
    """The values ``user`` reads as reported (their working data, with its history)."""
    values = Value.objects.restrict(user, "view")
    own = steward_q(user)
    return values if own is None else values.filter(own)


def _row_keys(indicator: Indicator) -> list[str]:
    return [k for k in indicator.disaggregation_keys() if k] or [""]


def _suppressed(
    indicator: Indicator,
    cells: dict[Cell, Decimal | None],
    row_ids: list[int],
    known: set[Cell],
) -> tuple[set[Cell], set[tuple[str, Any]]]:
    if not is_count(indicator):
        return set(), set()
    return suppress_table(
        {c: float(v) for c, v in cells.items() if v is not None},
        row_ids,
        _row_keys(indicator),
        suppression_threshold(indicator),
        known={c for c in known if c in cells},
    )


def _row_total_published(indicator: Indicator, state_id: int, withheld: set[Any]) -> bool:
    """Whether a State's row total (its undisaggregated figure) may be shown."""
    return len(_row_keys(indicator)) > 1 and ("r", state_id) not in withheld


def table(user: Any, indicator: Indicator, period: str) -> PublicTable:
    """Approved values ``user`` may see, States × disaggregation cells, with the totals that
    reveal no hidden cell."""
    keys = _row_keys(indicator)
    own = steward_q(user)
    values = (
        Value.objects.restrict(user, "view")
        .filter(
            indicator=indicator,
            period=period,
            status=Value.Status.APPROVED,
            disaggregation__in=keys,
        )
        .select_related("state")
    )
    if own is not None:
        known_pks = set(values.filter(own).values_list("pk", flat=True))
    cells: dict[Cell, Decimal | None] = {}
    known: set[Cell] = set()
    states: dict[int, Party] = {}
    for v in values:
        cells[(v.state_id, v.disaggregation)] = v.value
        states[v.state_id] = v.state
        if own is None or v.pk in known_pks:
            known.add((v.state_id, v.disaggregation))
    rows = sorted(states.values(), key=lambda s: s.iso3)
    # The rows that hold a figure, in the order every reader of the publication uses.
    row_ids = sorted({s for (s, _k), v in cells.items() if v is not None})
    counts = is_count(indicator)
    hidden, withheld = _suppressed(indicator, cells, row_ids, known)

    def total(items: list[Decimal | None]) -> Decimal | None:
        present = [x for x in items if x is not None]
        return sum(present, Decimal(0)) if present and counts else None

    row_totals = {
        s: total([cells.get((s, k)) for k in keys]) if ("r", s) not in withheld else None
        for s in (r.pk for r in rows)
        if len(keys) > 1
    }
    column_totals = {
        k: None
        if ("c", k) in withheld or len(row_ids) < 2
        else total([cells.get((s, k)) for s in row_ids])
        for k in keys
    }
    grand = (
        total(list(cells.values()))
        if not withheld and (len(row_ids) > 1 or len(keys) > 1)
        else None
    )
    return PublicTable(
        indicator,
        period,
        suppression_threshold(indicator) if counts else 0,
        rows,
        keys,
        cells,
        hidden,
        row_totals,
        column_totals,
        grand,
    )


def hidden_value_ids(user: Any, indicator_ids: Iterable[int] | None = None) -> set[int]:
    """The ids of the values ``user`` may see but not read: suppressed cells, undisaggregated
    figures whose row total is withheld, and figures in cells the indicator no longer defines.
    One query for the figures of every count indicator (limited to ``indicator_ids`` when given),
    one for the indicators."""
    own = steward_q(user)
    approved = (
        Value.objects.restrict(user, "view")
        .filter(
            status=Value.Status.APPROVED,
            indicator__measure_type=Indicator.MeasureType.UNIT,
            indicator__aggregation=Indicator.Aggregation.SUM,
        )
        .exclude(value=None)
    )
    if indicator_ids is not None:
        approved = approved.filter(indicator_id__in=list(indicator_ids))
    if own is None:
        return set()
    known_pks = set(approved.filter(own).values_list("pk", flat=True))
    groups: dict[tuple[int, str], list[tuple[int, int, str, Decimal]]] = defaultdict(list)
    for pk, ind, period, state, key, number in approved.order_by().values_list(
        "pk", "indicator_id", "period", "state_id", "disaggregation", "value"
    ):
        groups[(ind, period)].append((pk, state, key, number))
    indicators = Indicator.objects.in_bulk(
        {ind for ind, _p in groups}
    )  # access: the thresholds of figures already read through the gate; nothing of the indicator is shown
    out: set[int] = set()
    for (ind_id, _period), figures in groups.items():
        indicator = indicators[ind_id]
        keys = _row_keys(indicator)
        cells: dict[Cell, Decimal | None] = {}
        ids: dict[Cell, int] = {}
        totals: dict[int, tuple[int, Decimal]] = {}
        strays: list[int] = []
        for pk, state, key, number in figures:
            if key in keys:
                cells[(state, key)] = number
                ids[(state, key)] = pk
            elif key == "":
                totals[state] = (pk, number)
            else:
                strays.append(pk)
        row_ids = sorted({s for s, _k in cells})
        known = {c for c, pk in ids.items() if pk in known_pks}
        hidden, withheld = _suppressed(indicator, cells, row_ids, known)
        out.update(ids[c] for c in hidden)
        threshold = suppression_threshold(indicator)
        for state, (pk, number) in totals.items():
            alone = all((state, k) not in cells for k in keys)
            if not _row_total_published(indicator, state, withheld) or (
                alone and 0 < number < threshold
            ):
                out.add(pk)
            elif any((state, k) not in cells for k in keys) and any(
                (state, k) in hidden for k in keys
            ):
                # A reported total over an incomplete row would reveal the one missing sum.
                out.add(pk)
        out.update(strays)
    return out - known_pks


def published_values(user: Any, indicator_ids: Iterable[int] | None = None) -> Any:
    """The values ``user`` may read: :func:`visible_values` less the ones the publication hides."""
    values = visible_values(user)
    if indicator_ids is not None:
        indicator_ids = list(indicator_ids)
        values = values.filter(indicator_id__in=indicator_ids)
    hidden = hidden_value_ids(user, indicator_ids)
    return values.exclude(pk__in=sorted(hidden)) if hidden else values


def hidden_count(user: Any, indicator_ids: Iterable[int] | None = None) -> int:
    """How many figures ``user`` may see exist but are not published to them."""
    return len(hidden_value_ids(user, indicator_ids))


def regional_total(indicator: Indicator, period: str) -> Decimal | None:
    """The regional figure of a count indicator as published to the world (None when it would
    reveal a hidden cell): the column total, or the grand total of a disaggregated one."""
    published = table(public_reader(), indicator, period)
    if len(published.columns) > 1:
        return published.total
    if len(published.rows) > 1:
        return published.column_totals.get("")
    if len(published.rows) == 1:
        cell = (published.rows[0].pk, "")
        return None if cell in published.hidden else published.cells.get(cell)
    return None
