"""/api/v1/plan: plan versions, measures and diffs."""

# Annotations stay evaluated (no ``from __future__ import annotations``): ninja's ``paginate``
# resolves the bounded parameter types of a paginated endpoint at run time.

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict, Field, field_validator

from seccoop.core.api import (
    ApiAuth,
    ErrorOut,
    Pagination,
    filter_queryset,
    get_visible,
    get_with_etag,
    require_if_match,
)
from seccoop.core.bounds import MAX_ID, validate_label
from seccoop.core.types import Id, Label, SafeText, Version, Year

from .filters import MeasureFilterSet, PlanVersionFilterSet
from .models import Measure, MeasureVersion, PlanVersion
from .services import (
    adopt_by_decision,
    attach_progress,
    diff_versions,
    progress_of,
    start_next_version,
    with_progress,
)

router = Router(tags=["plan"], auth=ApiAuth(anonymous=True))


class VersionOut(Schema):
    id: int
    version: int
    year: int
    label: str
    status: str
    adopted_on: date | None
    adopted_by: str | None
    based_on: int | None
    measure_count: int

    @staticmethod
    def resolve_adopted_by(obj: PlanVersion) -> str | None:
        return obj.adopted_by.code if obj.adopted_by_id else None  # type: ignore[union-attr]  # checked by the id

    @staticmethod
    def resolve_based_on(obj: PlanVersion) -> int | None:
        return obj.based_on_id

    @staticmethod
    def resolve_measure_count(obj: Any) -> int:
        return int(getattr(obj, "measure_count", 0))


class MeasureVersionOut(Schema):
    """What one plan version says about the measure."""

    plan: int
    label: str
    status: str
    code: str
    title: str
    category: str | None


class MeasureOut(Schema):
    id: int
    version: int
    plan: int
    lineage: str
    code: str
    title: str
    description: str
    category: str | None
    kind: str
    status: str
    lead: str | None
    start: date | None
    end: date | None
    parent: str | None
    progress: int | None
    tlp: str
    ended: bool = Field(description="An adopted version no longer holds the measure.")
    ended_by: int | None = Field(description="The adopted version that ended the measure.")
    versions: list[MeasureVersionOut] = Field(
        description="What each plan version holding the measure says about it, newest first."
    )

    @staticmethod
    def resolve_plan(obj: Measure) -> int:
        return obj.plan_id

    @staticmethod
    def resolve_ended(obj: Measure) -> bool:
        return obj.ended_by_id is not None

    @staticmethod
    def resolve_ended_by(obj: Measure) -> int | None:
        return obj.ended_by_id

    @staticmethod
    def resolve_versions(obj: Measure) -> list[dict[str, Any]]:
        return [
            {
                "plan": e.plan_id,
                "label": e.plan.label,
                "status": e.plan.status,
                "code": e.code,
                "title": e.title,
                "category": e.category.code if e.category_id else None,  # type: ignore[union-attr]  # checked by the id
            }
            for e in obj.versions.all()
        ]

    @staticmethod
    def resolve_lineage(obj: Measure) -> str:
        return str(obj.lineage)

    @staticmethod
    def resolve_category(obj: Measure) -> str | None:
        return obj.category.code if obj.category_id else None  # type: ignore[union-attr]  # checked by the id

    @staticmethod
    def resolve_lead(obj: Measure) -> str | None:
        return obj.lead.code if obj.lead_id else None  # type: ignore[union-attr]  # checked by the id

    @staticmethod
    def resolve_parent(obj: Measure) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]  # checked by the id

    @staticmethod
    def resolve_progress(obj: Measure, context: Any) -> int | None:
        return progress_of(obj, context["request"].user if context else None)


class AdoptIn(Schema):
    model_config = ConfigDict(extra="forbid")
    meeting: int | str | None = Field(
        None,
        description="Required: the held Dialogue whose decision adopts the version, by its id "
        "or its code (DIA-2026-1). The version is adopted as of the Dialogue's first day.",
    )
    text: SafeText = Field(
        "",
        max_length=5000,
        description="The text of the decision (empty: 'The Dialogue adopts the …').",
    )
    version: Version | None = None
    adopted_on: Any = Field(
        None, description="Removed: the adoption date is the Dialogue's. Sending it is a 400."
    )
    body: Any = Field(
        None, description="Removed: the adopting body is the Dialogue. Sending it is a 400."
    )

    @field_validator("meeting", mode="before")
    @classmethod
    def _meeting(cls, value: Any) -> Any:
        """An id (1 to 2⁶³−1) or a code of at most 60 characters, refused under its own name."""
        if value is None:
            return None
        ok = (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID) or (
            isinstance(value, str) and 0 < len(value) <= 60
        )
        if ok and isinstance(value, str):
            try:
                validate_label(value)
            except ValidationError:
                ok = False
        if not ok:
            raise ValueError(_("Give the meeting's id or its code (DIA-2026-1)."))
        return value


def _check_adopt_payload(payload: AdoptIn) -> None:
    """The payload of before adoption by decision (a date and a body) is refused field by field."""
    errors: dict[str, list[str]] = {}
    for name in ("adopted_on", "body"):
        if getattr(payload, name) is not None:
            errors[name] = [
                _(
                    "A plan version is adopted only by a decision of a Dialogue that has been "
                    "held, as of the Dialogue's first day: name that meeting in 'meeting' "
                    "instead of '{field}'."
                ).format(field=name)
            ]
    if payload.meeting is None:
        errors["meeting"] = [_("Name the held Dialogue whose decision adopts this version.")]
    if errors:
        raise ValidationError(errors)


class NextIn(Schema):
    model_config = ConfigDict(extra="forbid")
    year: Year = Field(ge=2010)
    label: Label = Field(min_length=1, max_length=120)


def _versions(request: HttpRequest) -> Any:
    """Versions, each with the number of its measures the caller may see."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    visible = (
        MeasureVersion.objects.restrict(request.user, "view")
        .filter(
            plan=OuterRef("pk"),
            measure__in=Measure.objects.restrict(request.user, "view").values("pk"),
        )
        .order_by()
        .values("plan")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        PlanVersion.objects.restrict(request.user, "view")
        .select_related("adopted_by")
        .annotate(measure_count=Coalesce(Subquery(visible), 0))
    )


def _measures(request: HttpRequest) -> Any:
    entries = (
        MeasureVersion.objects.restrict(request.user, "view")
        .select_related("plan", "category")
        .order_by("-plan__year", "-plan_id")
    )
    return with_progress(
        Measure.objects.restrict(request.user, "view")
        .select_related("category", "lead", "parent")
        .prefetch_related(Prefetch("versions", queryset=entries))
    )


@router.get("/versions", response=list[VersionOut])
@paginate(Pagination)
def list_versions(
    request: HttpRequest, q: str | None = None, status: str | None = None, year: Year | None = None
) -> Any:
    return filter_queryset(request, PlanVersionFilterSet, _versions(request))


@router.get("/versions/{pk}", response={200: VersionOut, 404: ErrorOut})
def get_version(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _versions(request), pk, response)


@router.post(
    "/versions/{pk}/adopt",
    auth=ApiAuth(),
    response={
        200: VersionOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        412: ErrorOut,
        428: ErrorOut,
    },
)
def adopt(request: HttpRequest, pk: int, payload: AdoptIn) -> Any:
    """Adopt a draft by recording the decision of a held Dialogue (``meeting``): the same path as
    the decision form of the meeting's page. The version is adopted as of the Dialogue's first
    day; a meeting that is not a held Dialogue is a 400 naming ``meeting.body``,
    ``meeting.status`` or ``meeting.end``, and writes nothing."""
    _check_adopt_payload(payload)
    version = get_visible(request, _versions(request), pk, "change")
    require_if_match(request, version, payload.version)
    if version.status != PlanVersion.Status.DRAFT:
        raise HttpError(
            409,
            _("{label} is already {status}; only a draft can be adopted.").format(
                label=version.label, status=version.get_status_display().lower()
            ),
        )
    assert payload.meeting is not None  # checked above
    adopt_by_decision(version, actor=request.user, meeting=payload.meeting, text=payload.text)
    return _versions(request).get(pk=pk)


@router.post(
    "/versions/{pk}/next",
    auth=ApiAuth(),
    response={201: VersionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def next_version(request: HttpRequest, pk: int, payload: NextIn) -> Any:
    from ninja import Status

    version = get_visible(request, _versions(request), pk, "change")
    draft = start_next_version(version, actor=request.user, year=payload.year, label=payload.label)
    return Status(201, _versions(request).get(pk=draft.pk))


class MeasurePagination(Pagination):
    """Pages of measures, each with its blended progress computed for the whole page at once."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = attach_progress(list(page[self.items_attribute]), request.user)
        return page


@router.get("/measures", response=list[MeasureOut])
@paginate(MeasurePagination)
def list_measures(
    request: HttpRequest,
    q: str | None = None,
    version: Id | None = None,
    category: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    ended: bool | None = None,
) -> Any:
    return filter_queryset(request, MeasureFilterSet, _measures(request))


@router.get("/measures/{pk}", response={200: MeasureOut, 404: ErrorOut})
def get_measure(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _measures(request), pk, response)


@router.get("/diff", response={200: dict[str, Any], 404: ErrorOut})
def diff(request: HttpRequest, a: int, b: int) -> Any:
    """Measures added, removed and changed (field by field) from version ``a`` to version ``b``."""
    va = get_visible(request, PlanVersion.objects.restrict(request.user, "view"), a)
    vb = get_visible(request, PlanVersion.objects.restrict(request.user, "view"), b)
    return diff_versions(va, vb, user=request.user)
