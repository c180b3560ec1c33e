"""/api/v1/meetings: meetings, the next Dialogue's host side, cadence findings, action items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from seccoop.core.api import ErrorOut, Pagination, get_with_etag

from .models import ActionItem
from .services import cadence_findings, next_dialogue, overdue, visible_meetings

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
