"""/api/v1/monitoring: indicators, values (read, batch push, workflow), targets, progress, figures."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import ApiAuth, ErrorOut, Pagination, filter_queryset, get_with_etag
from seccoop.core.importing import api_errors
from seccoop.core.policy import allowed_owner_ids, get_policy
from seccoop.core.types import Id, Label, Measurement, SafeText
from seccoop.core.workbooks import ImportRejected

from . import workflow
from .filters import IndicatorFilterSet, TargetFilterSet, ValueFilterSet
from .models import Indicator, Target, Value
from .periods import PeriodError
from .services import (
    RulesFailed,
    find_indicator,
    progress_rows,
    public_table,
    readable_values,
    transition,
    value_row,
    write_rows,
)

router = Router(tags=["monitoring"])


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    definition: str
    unit: str
    measure_type: str
    direction: str
    aggregation: str
    period_type: str
    fy_start_month: int
    disaggregations: dict[str, list[str]]
    means_of_verification: str
    level: str
    category: str
    source: str
    source_url: str
    is_demo: bool
    tlp: str

    @staticmethod
    def resolve_category(obj: Indicator) -> str:
        return obj.category.code


class ValueOut(Schema):
    id: int
    version: int
    indicator: str
    state: str
    period: str
    disaggregation: str
    value: float | None
    text_value: str
    low: float | None
    high: float | None
    quality: str
    status: str
    comment: str
    evidence: str
    return_reason: str
    warnings: list[dict[str, str]]
    tlp: str

    @staticmethod
    def resolve_indicator(obj: Value) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_state(obj: Value) -> str:
        return obj.state.iso3

    @staticmethod
    def resolve_value(obj: Value) -> float | None:
        return float(obj.value) if obj.value is not None else None

    @staticmethod
    def resolve_low(obj: Value) -> float | None:
        return float(obj.low) if obj.low is not None else None

    @staticmethod
    def resolve_high(obj: Value) -> float | None:
        return float(obj.high) if obj.high is not None else None


class ValueIn(Schema):
    model_config = ConfigDict(extra="forbid")

    indicator: Label = Field(max_length=30, description="Indicator code")
    state: Label = Field(max_length=3, description="ISO alpha-3 code")
    period: Label = Field(max_length=12, description="2019, 2019-H1, 2019-Q3, 2019-07 or FY2019")
    disaggregation: Label = Field("", max_length=120, description="'' for the total")
    value: Measurement | SafeText | None = Field(
        None, description="A number, or text for qualitative indicators"
    )
    low: Measurement | None = None
    high: Measurement | None = None
    quality: Label = Field("", max_length=1)
    comment: SafeText = Field("", max_length=5000)
    evidence: SafeText = Field("", max_length=5000)
    reason: SafeText = Field("", max_length=250, description="Required to change an approved value")


class BatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    items: list[ValueIn] = Field(min_length=1, max_length=10_000)
    submit: bool = Field(False, description="Submit the values for approval after writing them")


class BatchItemOut(Schema):
    id: int
    indicator: str
    state: str
    period: str
    disaggregation: str
    status: str


class BatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    submitted: int
    warnings: list[dict[str, str]]
    items: list[BatchItemOut]


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id] = Field(min_length=1, max_length=5000)
    action: Literal["submit", "approve", "return", "revise"]
    reason: SafeText = Field("", max_length=250)


class TransitionOut(Schema):
    count: int
    status: str
    warnings: list[dict[str, str]]


class TargetOut(Schema):
    id: int
    version: int
    indicator: str
    state: str
    period: str
    value: float
    note: str

    @staticmethod
    def resolve_indicator(obj: Target) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_state(obj: Target) -> str:
        return obj.state.iso3

    @staticmethod
    def resolve_value(obj: Target) -> float:
        return float(obj.value)


class ProgressRowOut(Schema):
    state: str
    actual: float | None
    target: float | None
    baseline: float | None
    pct: float | None
    status: str


class ProgressOut(Schema):
    indicator: str
    period: str
    direction: str
    rule: str
    rows: list[ProgressRowOut]


class PublicCellOut(Schema):
    state: str
    disaggregation: str
    value: float | None
    suppressed: bool


class PublicOut(Schema):
    indicator: str
    period: str
    threshold: int
    cells: list[PublicCellOut]
    row_totals: dict[str, float | None]
    column_totals: dict[str, float | None]
    total: float | None


VALUE_FIELDS = [
    "id",
    "version",
    "indicator",
    "state",
    "period",
    "period_start",
    "disaggregation",
    "value",
    "text_value",
    "low",
    "high",
    "quality",
    "status",
    "comment",
    "evidence",
    "return_reason",
    "warnings",
    "tlp",
    "owner",
]


def _values(request: HttpRequest) -> Any:
    return (
        readable_values(request.user)
        .select_related("indicator", "state")
        .only(*VALUE_FIELDS, "indicator__code", "state__iso3")
        # The natural key's unique index serves this order (periods of one indicator sort in time).
        .order_by("indicator_id", "state_id", "period", "disaggregation")
    )


def _indicator_or_404(request: HttpRequest, code: str) -> Indicator:
    found = find_indicator(request.user, code)
    if found is None:
        raise Http404
    return found


def _f(x: Any) -> float | None:
    return float(x) if x is not None else None


@router.get("/indicators", response=list[IndicatorOut], auth=ApiAuth(anonymous=True))
@paginate(Pagination)
def list_indicators(
    request: HttpRequest,
    q: str | None = None,
    category: str | None = None,
    level: str | None = None,
    period_type: str | None = None,
) -> Any:
    return filter_queryset(
        request,
        IndicatorFilterSet,
        Indicator.objects.restrict(request.user, "view").select_related("category"),
    )


@router.get(
    "/indicators/{pk}", response={200: IndicatorOut, 404: ErrorOut}, auth=ApiAuth(anonymous=True)
)
def get_indicator(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(
        request,
        Indicator.objects.restrict(request.user, "view").select_related("category"),
        pk,
        response,
    )


@router.get("/values", response=list[ValueOut], auth=ApiAuth(anonymous=True))
@paginate(Pagination)
def list_values(
    request: HttpRequest,
    indicator: str | None = None,
    state: str | None = None,
    period: str | None = None,
    status: str | None = None,
    disaggregation: str | None = None,
    q: str | None = None,
) -> Any:
    return filter_queryset(request, ValueFilterSet, _values(request))


@router.post("/values", response={200: BatchOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut})
def push_values(request: HttpRequest, payload: BatchIn) -> Any:
    """A batch from a national system: all or nothing, idempotent by the natural key
    (indicator, state, period, disaggregation). A bad item is a 400 naming ``items[i].field``."""
    user = request.user
    if not get_policy().can_add(Value, user):
        raise HttpError(403, _("You cannot report values."))
    allowed = allowed_owner_ids(Value, user)
    with transaction.atomic():
        try:
            plan = write_rows(
                [value_row(**item.model_dump()) for item in payload.items],
                actor=user,
                allowed_owner_ids=allowed,
                source="API",
            )
        except ImportRejected as exc:
            raise api_errors(exc.errors) from None
        summary = plan.summary
        touched = [plan.by_row[n] for n in sorted(plan.by_row)]
        warnings: list[dict[str, str]] = []
        submitted = 0
        if payload.submit:
            to_submit = [v for v in touched if v.status in (workflow.DRAFT, workflow.RETURNED)]
            try:
                found = transition(to_submit, "submit", actor=user)
            except RulesFailed as exc:
                transaction.set_rollback(True)
                raise ValidationError({"items": [f.message for f in exc.findings]}) from None
            warnings = [f.as_dict() for f in found]
            submitted = len(to_submit)
    fresh = {v.pk: v for v in _values(request).filter(pk__in=[v.pk for v in touched])}
    return {
        **{k: summary[k] for k in ("created", "updated", "unchanged")},
        "submitted": submitted,
        "warnings": warnings,
        "items": [
            {
                "id": v.pk,
                "indicator": v.indicator.code,
                "state": v.state.iso3,
                "period": v.period,
                "disaggregation": v.disaggregation,
                "status": fresh[v.pk].status if v.pk in fresh else v.status,
            }
            for v in touched
        ],
    }


@router.post(
    "/values/transition",
    response={200: TransitionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def transition_values(request: HttpRequest, payload: TransitionIn) -> Any:
    """Submit, approve (in bulk), return (with a reason) or revise values: all or nothing."""
    ids = sorted(set(payload.ids))
    found = list(readable_values(request.user).filter(pk__in=ids))
    if len(found) != len(ids):
        raise Http404
    try:
        warnings = transition(found, payload.action, actor=request.user, reason=payload.reason)
    except workflow.TransitionError:
        raise HttpError(
            409,
            _("Some of these values do not allow '{action}' in their current status.").format(
                action=payload.action
            ),
        ) from None
    except RulesFailed as exc:
        raise ValidationError({"value": [f.message for f in exc.findings]}) from None
    target = {
        "submit": "submitted",
        "approve": "approved",
        "return": "returned",
        "revise": "submitted",
    }[payload.action]
    return {"count": len(found), "status": target, "warnings": [w.as_dict() for w in warnings]}


@router.get("/values/{pk}", response={200: ValueOut, 404: ErrorOut}, auth=ApiAuth(anonymous=True))
def get_value(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _values(request), pk, response)


@router.get("/targets", response=list[TargetOut])
@paginate(Pagination)
def list_targets(
    request: HttpRequest,
    indicator: str | None = None,
    state: str | None = None,
    period: str | None = None,
) -> Any:
    return filter_queryset(
        request,
        TargetFilterSet,
        Target.objects.restrict(request.user, "view").select_related("indicator", "state"),
    )


@router.get(
    "/progress",
    response={200: ProgressOut, 400: ErrorOut, 404: ErrorOut},
    auth=ApiAuth(anonymous=True),
)
def progress(request: HttpRequest, indicator: str, period: str) -> Any:
    """Progress towards the target for every state in one period (the rule is in ``rule``)."""
    found = _indicator_or_404(request, indicator)
    try:
        parsed = found.parse_period(period)
    except PeriodError as exc:
        raise ValidationError({"period": [str(exc)]}) from None
    rows = progress_rows(request.user, [found], str(parsed))
    return {
        "indicator": found.code,
        "period": str(parsed),
        "direction": found.direction,
        "rule": _(
            "pct = (actual - baseline) / (target - baseline) x 100 (without a baseline: actual / "
            "target, or target / actual when lower is better); on track >= 90, at risk >= 60, "
            "off track below 60."
        ),
        "rows": [
            {
                "state": r.state.iso3,
                "actual": _f(r.actual),
                "target": _f(r.target),
                "baseline": _f(r.baseline),
                "pct": round(r.pct, 1) if r.pct is not None else None,
                "status": r.status,
            }
            for r in rows
        ],
    }


@router.get(
    "/public", response={200: PublicOut, 400: ErrorOut, 404: ErrorOut}, auth=ApiAuth(anonymous=True)
)
def public_figures(request: HttpRequest, indicator: str, period: str) -> Any:
    """Approved figures with small-cell suppression: a suppressed cell has ``value: null``."""
    found = _indicator_or_404(request, indicator)
    try:
        parsed = found.parse_period(period)
    except PeriodError as exc:
        raise ValidationError({"period": [str(exc)]}) from None
    table = public_table(request.user, found, str(parsed))
    return {
        "indicator": found.code,
        "period": table.period,
        "threshold": table.threshold,
        "cells": [
            {
                "state": s.iso3,
                "disaggregation": key,
                "value": None if (s.pk, key) in table.hidden else _f(table.cells.get((s.pk, key))),
                "suppressed": (s.pk, key) in table.hidden,
            }
            for s in table.rows
            for key in table.columns
            if (s.pk, key) in table.cells
        ],
        "row_totals": {
            s.iso3: _f(table.row_totals.get(s.pk)) for s in table.rows if table.row_totals
        },
        "column_totals": {k: _f(v) for k, v in table.column_totals.items()},
        "total": _f(table.total),
    }
