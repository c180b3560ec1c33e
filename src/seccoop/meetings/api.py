"""/api/v1/meetings: meetings (listed with the list page's filters, created and changed through
``services.schedule``), their agenda, decisions and action items, the next Dialogue's host side and
the cadence findings. Every write goes through the meetings services."""

# Annotations stay evaluated (no ``from __future__ import annotations``): ninja's ``paginate``
# resolves the bounded parameter types of a paginated endpoint at run time.

from datetime import date, datetime, time
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
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
from seccoop.core.policy import get_policy
from seccoop.core.types import BoundedDate, Id, Label, SafeText, Version, Year
from seccoop.framework.models import Body, Party
from seccoop.plan.models import PlanVersion

from .filters import ActionItemFilterSet, MeetingFilterSet
from .models import ActionItem, AgendaItem, Decision, Meeting
from .services import (
    add_action_item,
    add_agenda_item,
    cadence_findings,
    check_time_zone,
    close_action_item,
    next_dialogue,
    record_decision,
    schedule,
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
def list_meetings(
    request: HttpRequest,
    q: str | None = None,
    body: str | None = None,
    year: Year | None = None,
    status: str | None = None,
    side: str | None = None,
    host: str | None = None,
    format: str | None = None,
    tlp: str | None = None,
    ordering: str | None = None,
) -> Any:
    """Meetings with the list page's filters: ``body`` (its organisation's code, COMMISSION),
    ``year``, ``status``, ``side`` (the host's side), ``host`` (ISO alpha-3), ``format``, ``tlp``,
    ``q`` (title, venue, body) and ``ordering`` (start, title, id; ``-`` for descending)."""
    return filter_queryset(request, MeetingFilterSet, visible_meetings(request.user))


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


def _action_items(request: HttpRequest) -> Any:
    return ActionItem.objects.restrict(request.user, "view").select_related(
        "meeting__body__organisation",
        "owner_party__organisation",
        "owner_body__organisation",
        "owner_user",
    )


@router.get("/action-items", response=list[ActionItemOut])
@paginate(Pagination)
def list_action_items(
    request: HttpRequest,
    q: str | None = None,
    meeting: Id | None = None,
    body: str | None = None,
    status: str | None = None,
    owner_party: str | None = None,
    ordering: str | None = None,
) -> Any:
    """Action items; ``status`` is open, done, cancelled or overdue (open and past due);
    ``meeting`` (id), ``body`` (code), ``owner_party`` (ISO alpha-3), ``q`` (title) and
    ``ordering`` (due, title, id; ``-`` for descending)."""
    return filter_queryset(request, ActionItemFilterSet, _action_items(request))


@router.get("/action-items/{pk}", response={200: ActionItemOut, 404: ErrorOut})
def get_action_item(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    """One action item, with its version as ``ETag`` (send it as ``If-Match`` to close it)."""
    return get_with_etag(request, _action_items(request), pk, response)


# --- writes --------------------------------------------------------------------------------------

WRITE_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    428: ErrorOut,
}


#: A meeting's format and status (literals: the enum names ``Format`` and ``Status`` are another
#: app's components in the OpenAPI document).
MeetingFormat = Literal["in_person", "virtual", "hybrid"]
MeetingStatus = Literal["planned", "held", "cancelled"]


class MeetingIn(Schema):
    """A meeting. Its days and times are the venue's wall-clock time in ``time_zone``."""

    model_config = ConfigDict(extra="forbid")

    body: Label = Field(description="The body's organisation code (COMMISSION)", max_length=32)
    title: Label = Field(min_length=1, max_length=200)
    start_date: BoundedDate = Field(description="First day, at the venue")
    start_time: time = Field(time(9, 0), description="Start, venue time")
    end_date: BoundedDate = Field(description="Last day, at the venue")
    end_time: time = Field(time(17, 0), description="End, venue time")
    time_zone: Label = Field(
        description="The venue's IANA time zone (America/Port_of_Spain)", max_length=60
    )
    venue_city: Label = Field("", max_length=120)
    host: Label | None = Field(None, description="Host party, ISO alpha-3", max_length=3)
    format: MeetingFormat = "in_person"
    status: MeetingStatus = "planned"
    tlp: TLP = TLP.GREEN


class MeetingPatch(Schema):
    """A change to a meeting. A day or time given is read in the (new) ``time_zone``; the others
    keep their instant."""

    model_config = ConfigDict(extra="forbid")

    version: Version | None = None
    body: Label | None = Field(None, max_length=32)
    title: Label | None = Field(None, min_length=1, max_length=200)
    start_date: BoundedDate | None = None
    start_time: time | None = None
    end_date: BoundedDate | None = None
    end_time: time | None = None
    time_zone: Label | None = Field(None, max_length=60)
    venue_city: Label | None = Field(None, max_length=120)
    host: Label | None = Field(None, max_length=3)
    format: MeetingFormat | None = None
    status: MeetingStatus | None = None
    minutes: SafeText | None = Field(None, max_length=20000)
    tlp: TLP | None = None


def _body(request: HttpRequest, code: str) -> Body:
    found = (
        Body.objects.restrict(request.user, "view")
        .select_related("organisation")
        .filter(organisation__code__iexact=code.strip())
        .first()
    )
    if found is None:
        raise ValidationError({"body": [_("Unknown body '{value}'.").format(value=code)]})
    return found  # type: ignore[no-any-return]  # a restricted queryset's row


def _host(request: HttpRequest, iso3: str | None, field: str = "host") -> Party | None:
    if not iso3:
        return None
    found = (
        Party.objects.restrict(request.user, "view")
        .select_related("organisation")
        .filter(iso3=iso3.strip().upper())
        .first()
    )
    if found is None:
        raise ValidationError({field: [_("Unknown party '{value}'.").format(value=iso3)]})
    return found  # type: ignore[no-any-return]  # a restricted queryset's row


def _refuse_red(tlp: str | None) -> None:
    if tlp == TLP.RED:
        raise ValidationError(
            {
                "tlp": [
                    _(
                        "A TLP:RED meeting is for its named participants; mark it on the "
                        "meeting's page."
                    )
                ]
            }
        )


def _instant(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=check_time_zone(zone))


@router.post("/meetings", response={201: MeetingOut, 400: ErrorOut, 403: ErrorOut})
def create_meeting(request: HttpRequest, payload: MeetingIn, response: HttpResponse) -> Any:
    """Schedule a meeting (the organisers only: the secretariat). It is numbered within its body
    and year (COM-2026-2) and owned by the Commission; a Dialogue gets its preparation tasks."""
    if not get_policy().can_add(Meeting, request.user):
        raise HttpError(403, _("Only the secretariat schedules meetings."))
    _refuse_red(payload.tlp)
    meeting = Meeting(
        body=_body(request, payload.body),
        title=payload.title,
        start=_instant(payload.start_date, payload.start_time, payload.time_zone),
        end=_instant(payload.end_date, payload.end_time, payload.time_zone),
        time_zone=payload.time_zone,
        venue_city=payload.venue_city,
        host=_host(request, payload.host),
        format=payload.format,
        status=payload.status,
        tlp=payload.tlp,
    )
    schedule(meeting, actor=request.user, reason=_("Scheduled through the API"))
    response["ETag"] = etag_for(meeting)
    return Status(201, visible_meetings(request.user).get(pk=meeting.pk))


@router.patch("/meetings/{pk}", response={200: MeetingOut, **WRITE_RESPONSES})
def update_meeting(
    request: HttpRequest, pk: int, payload: MeetingPatch, response: HttpResponse
) -> Any:
    """Change a meeting (send ``If-Match`` or ``version``). Moving it to another body or year
    renumbers it."""
    get_visible(request, visible_meetings(request.user), pk, "change")
    changes = payload.model_dump(exclude_unset=True)
    body_version = changes.pop("version", None)
    _refuse_red(changes.get("tlp"))
    with transaction.atomic():
        meeting = (
            Meeting.objects.restrict(request.user, "change")
            .select_for_update()
            .select_related("body__organisation")
            .get(pk=pk)
        )
        require_if_match(request, meeting, body_version)
        zone = changes.pop("time_zone", None) or meeting.time_zone
        check_time_zone(zone)
        start, end = meeting.local_start, meeting.local_end
        given = {
            k: changes.pop(k, None) for k in ("start_date", "start_time", "end_date", "end_time")
        }
        meeting.start = _instant(
            start.date() if given["start_date"] is None else given["start_date"],
            start.time() if given["start_time"] is None else given["start_time"],
            zone,
        )
        meeting.end = _instant(
            end.date() if given["end_date"] is None else given["end_date"],
            end.time() if given["end_time"] is None else given["end_time"],
            zone,
        )
        meeting.time_zone = zone
        if "body" in changes:
            code = changes.pop("body")
            if not code:
                raise ValidationError({"body": [_("A meeting belongs to a body.")]})
            meeting.body = _body(request, code)
        if "host" in changes:
            meeting.host = _host(request, changes.pop("host"))
        for key, value in changes.items():
            if value is None and key in ("title", "format", "status", "tlp"):
                raise ValidationError({key: [_("This field cannot be empty.")]})
            setattr(meeting, key, "" if value is None else value)
        meeting.full_clean(exclude=["releasable_to", "recipients"], validate_constraints=False)
        schedule(
            meeting,
            actor=request.user,
            reason=request.headers.get("X-Change-Reason", "")[:250] or _("Edited through the API"),
        )
    return get_with_etag(request, visible_meetings(request.user), pk, response)


class AgendaItemOut(Schema):
    id: int
    version: int
    meeting: str
    order: int
    title: str
    plan_version: int | None
    document_url: str

    @staticmethod
    def resolve_meeting(obj: Any) -> str:
        return str(obj.meeting.code)

    @staticmethod
    def resolve_plan_version(obj: Any) -> int | None:
        return int(obj.plan_version_id) if obj.plan_version_id else None


class AgendaItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Label = Field(min_length=1, max_length=200)
    order: int | None = Field(None, ge=1, le=999, description="Empty: at the end of the agenda")
    plan_version: Id | None = Field(None, description="The plan version the item discusses")
    document_url: Label = Field("", max_length=200, description="An https link to the paper")


@router.get("/meetings/{pk}/agenda", response={200: list[AgendaItemOut], 404: ErrorOut})
def list_agenda(request: HttpRequest, pk: int) -> Any:
    """The agenda of one meeting, in order."""
    meeting = get_visible(request, visible_meetings(request.user), pk)
    return (
        AgendaItem.objects.restrict(request.user, "view")
        .filter(meeting=meeting)
        .select_related("meeting__body__organisation")
        .order_by("order", "pk")
    )


@router.post(
    "/meetings/{pk}/agenda",
    response={201: AgendaItemOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_agenda_item(request: HttpRequest, pk: int, payload: AgendaItemIn) -> Any:
    """Add an item to a meeting's agenda (without ``order``: at the end)."""
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
    if payload.document_url and not payload.document_url.startswith("https://"):
        raise ValidationError({"document_url": [_("Use an https:// link.")]})
    item = AgendaItem(
        meeting=meeting,
        title=payload.title,
        order=payload.order,
        plan_version=version,
        document_url=payload.document_url,
    )
    item.full_clean(exclude=["order", "owner", "releasable_to", "recipients"])
    add_agenda_item(item, actor=request.user, reason=_("Added through the API"))
    return Status(201, item)


class ActionItemIn(Schema):
    """An action item and its owner: a party (``owner_party``) or a body (``owner_body``)."""

    model_config = ConfigDict(extra="forbid")

    title: Label = Field(min_length=1, max_length=300)
    due: BoundedDate
    owner_party: Label | None = Field(None, description="ISO alpha-3", max_length=3)
    owner_body: Label | None = Field(
        None, description="The body's organisation code", max_length=32
    )


class CloseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = None
    status: Literal["done", "cancelled"] = "done"


@router.post(
    "/meetings/{pk}/action-items",
    response={201: ActionItemOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_action_item(
    request: HttpRequest, pk: int, payload: ActionItemIn, response: HttpResponse
) -> Any:
    """Give a meeting's action item to a party or a body; it is carried forward until closed."""
    meeting = get_visible(request, visible_meetings(request.user), pk, "change")
    item = ActionItem(
        meeting=meeting,
        title=payload.title,
        due=payload.due,
        owner_party=_host(request, payload.owner_party, "owner_party"),
    )
    if payload.owner_body:
        try:
            item.owner_body = _body(request, payload.owner_body)
        except ValidationError:
            raise ValidationError(
                {"owner_body": [_("Unknown body '{value}'.").format(value=payload.owner_body)]}
            ) from None
    add_action_item(item, actor=request.user, reason=_("Added through the API"))
    response["ETag"] = etag_for(item)
    return Status(201, _action_items(request).get(pk=item.pk))


@router.post("/action-items/{pk}/close", response={200: ActionItemOut, **WRITE_RESPONSES})
def close_item(request: HttpRequest, pk: int, payload: CloseIn, response: HttpResponse) -> Any:
    """Close an action item as done or cancelled (send ``If-Match`` or ``version``): the
    secretariat, or the person it is given to."""
    get_visible(request, _action_items(request), pk, "close")
    with transaction.atomic():
        item = (
            ActionItem.objects.restrict(request.user, "close")
            .select_for_update()
            .select_related("meeting")
            .get(pk=pk)
        )
        require_if_match(request, item, payload.version)
        close_action_item(item, actor=request.user, status=payload.status)
    return get_with_etag(request, _action_items(request), pk, response)
