"""/api/v1/prioritization: cycles, ranking runs, and running a ranking."""

# Annotations stay evaluated (no ``from __future__ import annotations``): ninja's ``paginate``
# resolves the bounded parameter types of a paginated endpoint at run time.

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import ErrorOut, Pagination, filter_queryset, get_visible
from seccoop.core.types import Id, Year

from .filters import CycleFilterSet, RunFilterSet
from .methods import MAX_SAMPLES
from .models import PrioritizationCycle, Run
from .services import run_ranking

router = Router(tags=["prioritization"])


class CycleOut(Schema):
    id: int
    year: int
    plan: int
    aggregation: str
    is_open: bool

    @staticmethod
    def resolve_plan(obj: PrioritizationCycle) -> int:
        return obj.plan_id


class RunOut(Schema):
    id: int
    cycle: int = Field(description="The cycle's year")
    cycle_id: int
    method: str
    samples: int | None
    seed: int
    seconds: float
    results: dict[str, Any]

    @staticmethod
    def resolve_cycle(obj: Run) -> int:
        return obj.cycle.year


class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")
    method: Run.Method
    samples: int | None = Field(None, ge=1, le=MAX_SAMPLES)
    seed: int = Field(0, ge=0, le=2**32 - 1)


@router.get("/cycles", response=list[CycleOut])
@paginate(Pagination)
def list_cycles(
    request: HttpRequest,
    q: str | None = None,
    year: Year | None = None,
    plan_id: Id | None = None,
    aggregation: PrioritizationCycle.Aggregation | None = None,
    is_open: bool | None = None,
    ordering: str | None = None,
) -> Any:
    """The cycles, with the list page's filters (``q`` searches the plan version's label)."""
    return filter_queryset(
        request, CycleFilterSet, PrioritizationCycle.objects.restrict(request.user, "view")
    )


@router.get("/runs", response=list[RunOut])
@paginate(Pagination)
def list_runs(
    request: HttpRequest,
    q: str | None = None,
    cycle: Year | None = None,
    cycle_id: Id | None = None,
    method: Run.Method | None = None,
    ordering: str | None = None,
) -> Any:
    """The ranking runs, with the run list page's filters (``cycle`` is the cycle's year)."""
    runs = Run.objects.restrict(request.user, "view").select_related("cycle")
    return filter_queryset(request, RunFilterSet, runs)


@router.get("/runs/{pk}", response={200: RunOut, 404: ErrorOut})
def get_run(request: HttpRequest, pk: int) -> Any:
    return get_visible(
        request, Run.objects.restrict(request.user, "view").select_related("cycle"), pk
    )


@router.post(
    "/cycles/{pk}/runs", response={201: RunOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def create_run(request: HttpRequest, pk: int, payload: RunIn) -> Any:
    cycle = get_visible(
        request, PrioritizationCycle.objects.restrict(request.user, "view"), pk, "change"
    )
    run = run_ranking(
        cycle, actor=request.user, method=payload.method, samples=payload.samples, seed=payload.seed
    )
    return Status(201, run)
