"""/api/v1/meetings: meetings and their decisions, the next Dialogue's host side, cadence findings,
action items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import ErrorOut, Pagination, get_visible, get_with_etag
from seccoop.plan.models import PlanVersion

from .models import ActionItem, Decision
from .services import (
    cadence_findings,
    next_dialogue,
    overdue,
    record_decision,
    visible_meetings,
)

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: int
    version: int
    code: str
    body: str
    title: str
    start: datetime
    end: datetime
    time_zone: str
    venue_city: str
    host: str | None
    format: str
    status: str
    tlp: str

    @staticmethod
    def resolve_body(obj: Any) -> str:
        return str(obj.body.organisation.code)

    @staticmethod
    def resolve_host(obj: Any) -> str | None:
        return obj.host.iso3 if obj.host_id else None


class DecisionOut(Schema):
    id: int
    version: int
    code: str
    meeting: str
    number: int
    kind: str
    text: str
    plan_version: int | None
    tlp: str

    @staticmethod
    def resolve_meeting(obj: Any) -> str:
        return str(obj.meeting.code)

    @staticmethod
    def resolve_plan_version(obj: Any) -> int | None:
        return int(obj.plan_version_id) if obj.plan_version_id else None


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Decision.Kind = Decision.Kind.GENERAL
    text: str = Field(min_length=1, max_length=5000)
    number: int | None = Field(None, ge=1, le=999, description="Empty: the next free number")
    plan_version: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="For an adoption: the id of the plan version the decision adopts",
    )


class NextDialogueOut(Schema):
    side: str
    reason: str


class FindingOut(Schema):
    rule: str
    body: str
    year: int | None
    message: str


class ActionItemOut(Schema):
    id: int
    meeting: str
    title: str
    owner: str
    due: str
    status: str
    overdue: bool

    @staticmethod
    def resolve_meeting(obj: Any) -> str:
        return str(obj.meeting.code)

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return str(obj.owner_label)

    @staticmethod
    def resolve_due(obj: Any) -> str:
        return str(obj.due.isoformat())

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.status == "open" and obj.due < timezone.localdate())


@router.get("/meetings", response=list[MeetingOut])
@paginate(Pagination)
def list_meetings(request: HttpRequest, body: str | None = None, status: str | None = None) -> Any:
    meetings = visible_meetings(request.user)
    if body:
        meetings = meetings.filter(body__organisation__code=body.strip().upper()[:32])
    if status:
        meetings = meetings.filter(status=status[:10])
    return meetings


@router.get("/meetings/{pk}", response={200: MeetingOut, 404: ErrorOut})
def get_meeting(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, visible_meetings(request.user), pk, response)


def _decisions(request: HttpRequest) -> Any:
    return Decision.objects.restrict(request.user, "view").select_related(
        "meeting__body__organisation"
    )


@router.get("/meetings/{pk}/decisions", response={200: list[DecisionOut], 404: ErrorOut})
def list_decisions(request: HttpRequest, pk: int) -> Any:
    """The decisions of one meeting, in number order."""
    meeting = get_visible(request, visible_meetings(request.user), pk)
    return _decisions(request).filter(meeting=meeting).order_by("number")


@router.post(
    "/meetings/{pk}/decisions",
    response={201: DecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_decision(request: HttpRequest, pk: int, payload: DecisionIn) -> Any:
    """Record a decision of a meeting. An adoption (``kind`` adopt_plan) names the plan version and
    is accepted only from a Dialogue that has been held (status held, end past); it adopts the
    version as of the Dialogue's first day in the venue's time zone. A refused decision writes
    nothing."""
    meeting = get_visible(request, visible_meetings(request.user), pk, "change")
    version = None
    if payload.plan_version is not None:
        version = (
            PlanVersion.objects.restrict(request.user, "view")
            .filter(pk=payload.plan_version)
            .first()
        )
        if version is None:
            raise ValidationError(
                {
                    "plan_version": [
                        _("Unknown plan version {value}.").format(value=payload.plan_version)
                    ]
                }
            )
    decision = Decision(meeting=meeting, kind=payload.kind, text=payload.text, plan_version=version)
    record_decision(
        decision,
        actor=request.user,
        number=payload.number,
        reason=_("Recorded through the API"),
    )
    return Status(201, _decisions(request).get(pk=decision.pk))


@router.get("/next-dialogue", response=NextDialogueOut)
def get_next_dialogue(request: HttpRequest) -> Any:
    """The side (``caribbean`` or ``us``) that should host the next Dialogue, and why."""
    found = next_dialogue(request.user)
    return {"side": found.side, "reason": str(found.reason)}


@router.get("/cadence", response=list[FindingOut])
def get_cadence(request: HttpRequest) -> Any:
    """Every broken cadence rule: a year without a Dialogue, fewer than two Commission meetings,
    two Dialogues on the same side in a row, a working group past its sunset date."""
    return [
        {"rule": f.rule, "body": f.body, "year": f.year, "message": str(f.message)}
        for f in cadence_findings(request.user)
    ]


@router.get("/action-items", response=list[ActionItemOut])
@paginate(Pagination)
def list_action_items(
    request: HttpRequest,
    status: str | None = None,
) -> Any:
    """Action items; ``status`` is open, done, cancelled or overdue (open and past due)."""
    items = ActionItem.objects.restrict(request.user, "view").select_related(
        "meeting__body__organisation",
        "owner_party__organisation",
        "owner_body__organisation",
        "owner_user",
    )
    if status not in (None, "", "open", "done", "cancelled", "overdue"):
        raise ValidationError(
            {
                "status": [
                    _("Unknown status '{value}'; use open, done, cancelled or overdue.").format(
                        value=str(status)[:20]
                    )
                ]
            }
        )
    if status == "overdue":
        return overdue(items)
    if status:
        return items.filter(status=status)
    return items
