"""/api/v1/needs: assessment cycles, needs and the matrix."""

# Annotations stay evaluated (no ``from __future__ import annotations``): ninja's ``paginate``
# resolves the bounded parameter types of a paginated endpoint at run time.

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import (
    ErrorOut,
    Pagination,
    filter_queryset,
    get_visible,
    get_with_etag,
    require_if_match,
)
from seccoop.core.concurrency import etag_for
from seccoop.core.markings import TLP
from seccoop.core.money import RateMissing, check_currency
from seccoop.core.policy import get_policy
from seccoop.core.types import Label, SafeText, Version, Year
from seccoop.framework.models import Category, Party

from .filters import NeedFilterSet
from .models import AssessmentCycle, Need
from .services import build_matrix, price_need, return_need, save_need, validate_need

router = Router(tags=["needs"])


class CycleOut(Schema):
    id: int
    year: int
    status: str
    valuation_date: str

    @staticmethod
    def resolve_valuation_date(obj: AssessmentCycle) -> str:
        return obj.valuation_date.isoformat()


class NeedOut(Schema):
    id: int
    version: int
    cycle: int
    state: str
    category: str
    reference: str
    sub_area: str
    description: str
    severity: int
    gap_type: str
    amount: Decimal
    currency: str
    amount_usd: Decimal
    priority_rank: int | None
    evidence: str
    status: str
    owner: str
    tlp: str

    @staticmethod
    def resolve_cycle(obj: Need) -> int:
        return obj.cycle.year

    @staticmethod
    def resolve_state(obj: Need) -> str:
        return obj.state.iso3

    @staticmethod
    def resolve_category(obj: Need) -> str:
        return obj.category.code

    @staticmethod
    def resolve_owner(obj: Need) -> str:
        return obj.owner.code


class NeedIn(Schema):
    model_config = ConfigDict(extra="forbid")

    cycle: Year = Field(description="The cycle's year")
    state: Label = Field(description="ISO alpha-3 code", min_length=3, max_length=3)
    category: Label = Field(description="Category code, I.a to III.c", max_length=6)
    reference: Label = Field(min_length=1, max_length=40)
    sub_area: Label = Field("", max_length=120)
    description: SafeText = Field(min_length=1, max_length=5000)
    severity: int = Field(ge=1, le=5)
    gap_type: Need.GapType
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    currency: Label = Field(min_length=3, max_length=3)
    priority_rank: int | None = Field(None, ge=1, le=999)
    evidence: SafeText = Field("", max_length=5000)
    status: Need.Status = Need.Status.DRAFT
    tlp: TLP = TLP.AMBER


class NeedPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = None
    sub_area: Label | None = Field(None, max_length=120)
    description: SafeText | None = Field(None, min_length=1, max_length=5000)
    severity: int | None = Field(None, ge=1, le=5)
    gap_type: Need.GapType | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    currency: Label | None = Field(None, min_length=3, max_length=3)
    priority_rank: int | None = Field(None, ge=1, le=999)
    evidence: SafeText | None = Field(None, max_length=5000)
    status: Need.Status | None = None
    tlp: TLP | None = None


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    reason: str = Field("", max_length=500, description="Required to return a need")


class MatrixCellOut(Schema):
    state: str
    category: str
    count: int
    usd_total: Decimal


class MatrixOut(Schema):
    cycle: int
    count: int
    usd_total: Decimal
    cells: list[MatrixCellOut]


def _needs(request: HttpRequest) -> Any:
    return Need.objects.restrict(request.user, "view").select_related(
        "cycle", "state", "category", "owner"
    )


@router.get("/cycles", response=list[CycleOut])
@paginate(Pagination)
def list_cycles(request: HttpRequest) -> Any:
    return AssessmentCycle.objects.restrict(request.user, "view")


@router.get("/needs", response=list[NeedOut])
@paginate(Pagination)
def list_needs(
    request: HttpRequest,
    q: str | None = None,
    cycle: Year | None = None,
    state: str | None = None,
    category: str | None = None,
    status: str | None = None,
    gap_type: str | None = None,
) -> Any:
    return filter_queryset(request, NeedFilterSet, _needs(request))


@router.get("/needs/{pk}", response={200: NeedOut, 404: ErrorOut})
def get_need(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _needs(request), pk, response)


@router.post("/needs", response={201: NeedOut, 400: ErrorOut, 403: ErrorOut})
def create_need(request: HttpRequest, payload: NeedIn, response: HttpResponse) -> Any:
    user = request.user
    state = Party.objects.restrict(user, "view").filter(iso3=payload.state.upper()).first()
    category = Category.objects.restrict(user, "view").filter(code__iexact=payload.category).first()
    cycle = AssessmentCycle.objects.restrict(user, "view").filter(year=payload.cycle).first()
    errors: dict[str, list[str]] = {}
    if state is None:
        errors["state"] = [_("Unknown state '{value}'.").format(value=payload.state)]
    if category is None:
        errors["category"] = [_("Unknown category '{value}'.").format(value=payload.category)]
    if cycle is None:
        errors["cycle"] = [_("Unknown cycle {value}.").format(value=payload.cycle)]
    elif cycle.status != AssessmentCycle.Status.OPEN:
        errors["cycle"] = [_("The {year} cycle is closed.").format(year=cycle.year)]
    try:
        currency = check_currency(payload.currency)
    except ValidationError as exc:
        errors["currency"] = exc.messages
    if errors:
        raise ValidationError(errors)
    assert state is not None and category is not None and cycle is not None
    if not get_policy().allowed_owners(Need, user).filter(pk=state.organisation_id).exists():
        raise HttpError(403, _("You cannot enter needs for {state}.").format(state=state.iso3))
    need = Need(
        cycle=cycle,
        state=state,
        category=category,
        reference=payload.reference,
        sub_area=payload.sub_area,
        description=payload.description,
        severity=payload.severity,
        gap_type=payload.gap_type,
        amount=payload.amount,
        currency=currency,
        priority_rank=payload.priority_rank,
        evidence=payload.evidence,
        status=payload.status,
        tlp=payload.tlp,
        owner_id=state.organisation_id,
    )
    if payload.tlp == TLP.RED:
        raise ValidationError(
            {"tlp": [_("TLP:RED needs named recipients; use AMBER+STRICT instead.")]}
        )
    try:
        price_need(need)
    except RateMissing as exc:
        raise ValidationError({"currency": exc.messages}) from None
    need.full_clean(exclude=["releasable_to", "recipients", "amount_usd"])
    save_need(need, actor=user, reason=_("Created through the API"))
    response["ETag"] = etag_for(need)
    return Status(201, _needs(request).get(pk=need.pk))


@router.patch(
    "/needs/{pk}",
    response={
        200: NeedOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        412: ErrorOut,
        428: ErrorOut,
    },
)
def update_need(request: HttpRequest, pk: int, payload: NeedPatch, response: HttpResponse) -> Any:
    get_visible(request, _needs(request), pk, "change")
    changes = payload.model_dump(exclude_unset=True)
    body_version = changes.pop("version", None)
    with transaction.atomic():
        need = (
            Need.objects.restrict(request.user, "change")
            .select_for_update()
            .select_related("cycle", "state")
            .get(pk=pk)
        )
        require_if_match(request, need, body_version)
        if "currency" in changes:
            changes["currency"] = check_currency(changes["currency"])
        if changes.get("tlp") == TLP.RED:
            raise ValidationError(
                {"tlp": [_("TLP:RED needs named recipients; use AMBER+STRICT instead.")]}
            )
        for key, value in changes.items():
            setattr(need, key, "" if value is None and key in ("sub_area", "evidence") else value)
        try:
            price_need(need)
        except RateMissing as exc:
            raise ValidationError({"currency": exc.messages}) from None
        need.version += 1
        need.full_clean(exclude=["releasable_to", "recipients", "amount_usd"])
        save_need(
            need,
            actor=request.user,
            reason=request.headers.get("X-Change-Reason", "")[:250] or _("Edited through the API"),
        )
    return get_with_etag(request, _needs(request), pk, response)


REVIEW_RESPONSES = {
    200: NeedOut,
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    428: ErrorOut,
}


@router.post("/needs/{pk}/validate", response=REVIEW_RESPONSES)
def validate(request: HttpRequest, pk: int, payload: ReviewIn, response: HttpResponse) -> Any:
    """The Commission's secretariat validates a submitted need (send ``If-Match`` or
    ``version``). Anyone else, the need's own focal point included, is refused (403)."""
    need = get_visible(request, _needs(request), pk)
    require_if_match(request, need, payload.version)
    validate_need(need, actor=request.user, reason=payload.reason.strip())
    return get_with_etag(request, _needs(request), pk, response)


@router.post("/needs/{pk}/return", response=REVIEW_RESPONSES)
def return_to_state(
    request: HttpRequest, pk: int, payload: ReviewIn, response: HttpResponse
) -> Any:
    """The Commission's secretariat returns a submitted need to its State; ``reason`` is required
    and kept in the need's history."""
    need = get_visible(request, _needs(request), pk)
    require_if_match(request, need, payload.version)
    return_need(need, actor=request.user, reason=payload.reason)
    return get_with_etag(request, _needs(request), pk, response)


@router.get("/matrix", response={200: MatrixOut, 404: ErrorOut})
def matrix(
    request: HttpRequest,
    cycle: Year,
    status: Need.Status | None = None,
    gap_type: Need.GapType | None = None,
) -> Any:
    found = AssessmentCycle.objects.restrict(request.user, "view").filter(year=cycle).first()
    if found is None:
        raise Http404
    m = build_matrix(request.user, found, status=status, gap_type=gap_type)
    return {
        "cycle": found.year,
        "count": m.count,
        "usd_total": m.total,
        "cells": [
            {
                "state": c.state.iso3,
                "category": c.category.code,
                "count": c.count,
                "usd_total": c.usd_total,
            }
            for c in sorted(m.cells.values(), key=lambda c: (c.state.iso3, c.category.code))
        ],
    }
