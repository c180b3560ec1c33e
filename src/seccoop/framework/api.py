"""/api/v1/framework: the Framework's reference data (public, TLP:CLEAR)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import ApiAuth, ErrorOut, Pagination, filter_queryset, get_visible
from seccoop.core.importing import import_items
from seccoop.core.models import ExchangeRate
from seccoop.core.money import RatesImporter
from seccoop.core.policy import get_policy
from seccoop.core.types import Label

from .filters import BodyFilterSet, CategoryFilterSet, OrganisationFilterSet, PartyFilterSet
from .models import (
    Body,
    Category,
    Criterion,
    EngagementLevel,
    Instrument,
    Mechanism,
    Organisation,
    Party,
    ReportingAuthority,
    StrategicPriority,
)

router = Router(tags=["framework"], auth=ApiAuth(anonymous=True))


class PriorityOut(Schema):
    id: int
    code: str
    number: int
    title: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    objective: str
    priority_code: str
    priority_title: str

    @staticmethod
    def resolve_priority_code(obj: Category) -> str:
        return obj.priority.code

    @staticmethod
    def resolve_priority_title(obj: Category) -> str:
        return str(obj.priority.title)


class CriterionOut(Schema):
    id: int
    code: str
    short_name: str
    title: str


class OrganisationOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    short_name: str
    side: str
    parent_code: str | None
    iati_identifier: str

    @staticmethod
    def resolve_parent_code(obj: Organisation) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]  # checked by the id


class PartyOut(Schema):
    id: int
    organisation_id: int
    name: str
    iso2: str
    iso3: str
    iso_numeric: str
    side: str
    languages: list[str]
    currencies: list[str]
    caricom_status: str
    time_zone: str

    @staticmethod
    def resolve_name(obj: Party) -> str:
        return str(obj.organisation.name)

    @staticmethod
    def resolve_side(obj: Party) -> str:
        return obj.organisation.side

    @staticmethod
    def resolve_languages(obj: Party) -> list[str]:
        return [x for x in obj.languages.split(",") if x]

    @staticmethod
    def resolve_currencies(obj: Party) -> list[str]:
        return [x for x in obj.currencies.split(",") if x]


class ResponsibilityOut(Schema):
    number: int
    title: str


class BodyOut(Schema):
    id: int
    organisation_id: int
    code: str
    name: str
    body_type: str
    cadence: str
    meetings_per_year: int | None
    venue_rule: str
    mandate: str
    may_include_partners: bool
    may_include_ngos: bool
    responsibilities: list[ResponsibilityOut]

    @staticmethod
    def resolve_code(obj: Body) -> str:
        return obj.organisation.code

    @staticmethod
    def resolve_name(obj: Body) -> str:
        return str(obj.organisation.name)

    @staticmethod
    def resolve_responsibilities(obj: Body) -> list[Any]:
        return list(obj.responsibilities.all())


class LevelAuthorityOut(Schema):
    side: str
    number: int
    organisation_code: str
    name: str
    required: bool

    @staticmethod
    def resolve_organisation_code(obj: Any) -> str:
        return str(obj.organisation.code)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.organisation.name)


class LevelOut(Schema):
    id: int
    code: str
    order: int
    name: str
    description: str
    authorities: list[LevelAuthorityOut]

    @staticmethod
    def resolve_authorities(obj: EngagementLevel) -> list[Any]:
        return list(obj.authorities.all())


class ReportingAuthorityOut(Schema):
    id: int
    number: int
    organisation_code: str
    name: str
    reports_to: str | None
    role: str

    @staticmethod
    def resolve_organisation_code(obj: ReportingAuthority) -> str:
        return obj.organisation.code

    @staticmethod
    def resolve_name(obj: ReportingAuthority) -> str:
        return str(obj.organisation.name)

    @staticmethod
    def resolve_reports_to(obj: ReportingAuthority) -> str | None:
        return obj.reports_to.code if obj.reports_to_id else None  # type: ignore[union-attr]  # checked by the id


class MechanismOut(Schema):
    id: int
    number: int
    title: str
    text: str
    category_codes: list[str]

    @staticmethod
    def resolve_category_codes(obj: Mechanism) -> list[str]:
        return [c for c in obj.category_codes.split(",") if c]


class InstrumentOut(Schema):
    id: int
    code: str
    letter: str
    title: str
    description: str


class SearchIn(Schema):
    q: str | None = None


@router.get("/priorities", response=list[PriorityOut])
@paginate(Pagination)
def list_priorities(request: HttpRequest) -> Any:
    return StrategicPriority.objects.restrict(request.user, "view")


@router.get("/categories", response=list[CategoryOut])
@paginate(Pagination)
def list_categories(request: HttpRequest, q: str | None = None, priority: str | None = None) -> Any:
    qs = Category.objects.restrict(request.user, "view").select_related("priority")
    return filter_queryset(request, CategoryFilterSet, qs)


@router.get("/categories/{pk}", response={200: CategoryOut, 404: ErrorOut})
def get_category(request: HttpRequest, pk: int) -> Any:
    return get_visible(
        request, Category.objects.restrict(request.user, "view").select_related("priority"), pk
    )


@router.get("/criteria", response=list[CriterionOut])
@paginate(Pagination)
def list_criteria(request: HttpRequest) -> Any:
    return Criterion.objects.restrict(request.user, "view")


@router.get("/levels", response=list[LevelOut])
@paginate(Pagination)
def list_levels(request: HttpRequest) -> Any:
    return EngagementLevel.objects.restrict(request.user, "view").prefetch_related(
        "authorities__organisation"
    )


@router.get("/bodies", response=list[BodyOut])
@paginate(Pagination)
def list_bodies(request: HttpRequest, q: str | None = None, body_type: str | None = None) -> Any:
    qs = (
        Body.objects.restrict(request.user, "view")
        .select_related("organisation")
        .prefetch_related("responsibilities")
    )
    return filter_queryset(request, BodyFilterSet, qs)


@router.get("/parties", response=list[PartyOut])
@paginate(Pagination)
def list_parties(
    request: HttpRequest,
    q: str | None = None,
    side: str | None = None,
    language: str | None = None,
    currency: str | None = None,
) -> Any:
    qs = Party.objects.restrict(request.user, "view").select_related("organisation")
    return filter_queryset(request, PartyFilterSet, qs)


@router.get("/parties/{pk}", response={200: PartyOut, 404: ErrorOut})
def get_party(request: HttpRequest, pk: int) -> Any:
    return get_visible(
        request, Party.objects.restrict(request.user, "view").select_related("organisation"), pk
    )


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Pagination)
def list_organisations(
    request: HttpRequest,
    q: str | None = None,
    kind: str | None = None,
    side: str | None = None,
    parent: str | None = None,
) -> Any:
    qs = Organisation.objects.restrict(request.user, "view").select_related("parent")
    return filter_queryset(request, OrganisationFilterSet, qs)


@router.get("/reporting-authorities", response=list[ReportingAuthorityOut])
@paginate(Pagination)
def list_reporting_authorities(request: HttpRequest) -> Any:
    return ReportingAuthority.objects.restrict(request.user, "view").select_related(
        "organisation", "reports_to"
    )


@router.get("/mechanisms", response=list[MechanismOut])
@paginate(Pagination)
def list_mechanisms(request: HttpRequest) -> Any:
    return Mechanism.objects.restrict(request.user, "view")


@router.get("/instruments", response=list[InstrumentOut])
@paginate(Pagination)
def list_instruments(request: HttpRequest) -> Any:
    return Instrument.objects.restrict(request.user, "view")


class RateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date: Label = Field(max_length=10, description="YYYY-MM-DD")
    currency: Label = Field(max_length=3, description="ISO 4217 code")
    units_per_usd: Label = Field(max_length=30, description="Units of the currency per US dollar")
    source: Label = Field("", max_length=200)


class RatesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    items: list[RateIn] = Field(min_length=1, max_length=10_000)


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


@router.post("/rates", response={200: ImportOut, 400: ErrorOut, 403: ErrorOut})
def import_rates(request: HttpRequest, payload: RatesIn) -> Any:
    """Exchange rates, all or nothing, with the checks of the rates import page (re-sending the
    same rates changes nothing). A bad item is a 400 naming ``items[i].field``."""
    if not get_policy().can_add(ExchangeRate, request.user):
        raise HttpError(403, _("You cannot import exchange rates."))
    items = [item.model_dump() for item in payload.items]
    return import_items(RatesImporter(request.user), items, actor=request.user)
