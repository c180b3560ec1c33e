"""Meeting pages: the list, a meeting with its agenda, decisions and action items, and calendars."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from seccoop.accounts.models import ApiToken
from seccoop.core.audit import record_export
from seccoop.core.markings import derived_marking, label
from seccoop.core.policy import get_policy
from seccoop.core.views import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    add_service_errors,
    get_restricted_object,
)
from seccoop.framework.models import Body
from seccoop.plan.models import Measure

from .filters import MeetingFilterSet
from .forms import ActionItemForm, AgendaItemForm, DecisionForm, MeetingForm, MemberForm
from .ical import calendar
from .models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    Meeting,
    PreparationTask,
    WorkingGroupMember,
)
from .pack import FORMATS, gather
from .scheduling import meeting_warnings, next_dialogue_text
from .services import (
    add_action_item,
    add_agenda_item,
    answer_invitation,
    carried_forward,
    close_action_item,
    complete_task,
    create_feed,
    invite_member,
    leave_group,
    record_decision,
    resolve_feed,
    revoke_feed,
    schedule,
    sync_marking,
    upcoming_for,
    working_groups,
)

ICS = "text/calendar; charset=utf-8"


class MeetingListView(ObjectListView):
    model = Meeting
    filterset_class = MeetingFilterSet
    title = gettext_lazy("Meetings")
    detail_url_name = "meetings:meeting_detail"
    add_url_name = "meetings:meeting_add"
    select_related = ("body__organisation", "host__organisation")
    columns = [
        Column("code", gettext_lazy("Code"), link=True),
        Column("title", gettext_lazy("Title")),
        Column("local_start_text", gettext_lazy("Start (venue time)")),
        Column("time_zone", gettext_lazy("Time zone")),
        Column("venue_city", gettext_lazy("Venue")),
        Column("host", gettext_lazy("Host")),
        Column("get_status_display", gettext_lazy("Status")),
    ]

    def extra_context(self) -> dict[str, Any]:
        return {"notices": [next_dialogue_text(self.request.user)]}


class MeetingDetailView(ObjectDetailView):
    model = Meeting
    template_name = "meetings/meeting_detail.html"
    edit_url_name = "meetings:meeting_edit"
    history_url_name = "meetings:meeting_history"

    def get_base_queryset(self) -> Any:
        return Meeting.objects.restrict(self.request.user, "view").select_related(
            "body__organisation", "host__organisation"
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "agenda": obj.agenda.restrict(user, "view").prefetch_related(
                Prefetch("measures", queryset=Measure.objects.restrict(user, "view"))
            ),
            "decisions": obj.decisions.restrict(user, "view")
            .select_related("plan_version", "benchmark", "run__cycle")
            .prefetch_related(
                Prefetch("measures", queryset=Measure.objects.restrict(user, "view"))
            ),
            "action_items": obj.action_items.restrict(user, "view").select_related(
                "owner_party__organisation", "owner_body__organisation", "owner_user"
            ),
            "carried": carried_forward(obj, user),
            "delegations": obj.delegations.restrict(user, "view").select_related("organisation"),
            "preparations": obj.preparations.restrict(user, "view").select_related("responsible"),
            "closable": set(obj.action_items.restrict(user, "change").values_list("pk", flat=True))
            | set(
                obj.action_items.restrict(user, "view")
                .filter(owner_user_id=user.pk)
                .values_list("pk", flat=True)
            ),
            "today": timezone.localdate(),
            "cadence_warnings": meeting_warnings(obj, user),
        }


class MeetingHistoryView(ObjectHistoryView):
    model = Meeting
    detail_url_name = "meetings:meeting_detail"


class MeetingEditView(ObjectEditView):
    """Schedule or change a meeting through ``services.schedule`` (numbering, time zone, the
    marking of its parts)."""

    model = Meeting
    form_class = MeetingForm
    success_url_name = "meetings:meeting_detail"

    def form_context(self, form: Any, instance: Any) -> dict[str, Any]:
        """The next Dialogue's host side, and what the cadence rules find wrong with the meeting
        as it stands (as typed, when the form came back)."""
        draft = form.instance
        data = getattr(form, "cleaned_data", None) or {}
        for field in ("body", "host", "status", "time_zone"):
            if data.get(field) is not None:
                setattr(draft, field, data[field])
        user = self.request.user
        return {
            "notices": [next_dialogue_text(user)],
            "warnings": meeting_warnings(draft, user) if draft.start else [],
        }

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        meeting = form.save(commit=False)
        if version is not None:
            meeting.version = version
        schedule(meeting, actor=self.request.user, reason=reason)
        form.save_m2m()
        sync_marking(meeting, self.request.user)  # the participants may have changed
        return meeting


class PartEditView(ObjectEditView):
    """Add (``/meetings/<meeting>/…/new/``) or edit an agenda item, decision or action item; the
    meeting must be one the user may change."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.meeting_pk = kwargs.pop("meeting", None)
        return super().dispatch(request, *args, **kwargs)

    def get_instance(self, request: HttpRequest, pk: Any) -> Any:
        if pk is None:
            meeting = get_restricted_object(request, Meeting, self.meeting_pk, "change")
            return self.model(meeting=meeting)
        return get_restricted_object(request, self.model, pk, "change")

    def success_url(self, obj: Any) -> str:
        return reverse("meetings:meeting_detail", args=[obj.meeting_id])


class AgendaItemEditView(PartEditView):
    model = AgendaItem
    form_class = AgendaItemForm

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        item = add_agenda_item(form.save(commit=False), actor=self.request.user, reason=reason)
        form.save_m2m()
        return item


class DecisionEditView(PartEditView):
    model = Decision
    form_class = DecisionForm

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        decision = form.save(commit=False)
        record_decision(
            decision,
            actor=self.request.user,
            number=form.cleaned_data.get("number"),
            reason=reason,
        )
        form.save_m2m()
        return decision


class ActionItemEditView(PartEditView):
    model = ActionItem
    form_class = ActionItemForm

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        item = add_action_item(form.save(commit=False), actor=self.request.user, reason=reason)
        form.save_m2m()
        return item


@login_required
@require_POST
def action_item_close(request: HttpRequest, pk: str) -> HttpResponse:
    """Mark an action item done (or cancelled): the secretariat, or the person it is assigned to."""
    item = get_restricted_object(request, ActionItem, pk, "close")
    status = request.POST.get("status", ActionItem.Status.DONE)
    if status not in (ActionItem.Status.DONE, ActionItem.Status.CANCELLED):
        messages.error(request, gettext_lazy("Unknown status; use done or cancelled."))
    else:
        close_action_item(item, actor=request.user, status=status)
        messages.success(request, gettext_lazy("The action item is closed."))
    return HttpResponseRedirect(reverse("meetings:meeting_detail", args=[item.meeting_id]))


@login_required
@require_POST
def task_toggle(request: HttpRequest, pk: str) -> HttpResponse:
    task = get_restricted_object(request, PreparationTask, pk, "change")
    complete_task(task, actor=request.user, done=task.status == PreparationTask.Status.OPEN)
    return HttpResponseRedirect(reverse("meetings:meeting_detail", args=[task.meeting_id]))


@login_required
def meeting_pack(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    """The meeting pack as PDF or DOCX, gathered as the requesting user may see it."""
    if fmt not in FORMATS:
        raise Http404
    meeting = get_restricted_object(
        request,
        Meeting,
        pk,
        queryset=Meeting.objects.select_related(
            "body__organisation"
        ),  # access: get_restricted_object restricts it
    )
    render_, media = FORMATS[fmt]
    pack = gather(meeting, request.user)
    response = HttpResponse(render_(pack), content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{meeting.code}-pack.{fmt}"'
    record_export(
        "meetings.pack", fmt=fmt, marking=str(pack.marking).removeprefix("TLP:"), obj=meeting
    )
    return response


# --- Technical Working Groups ---------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = list(working_groups(request.user))
    counts = dict(
        WorkingGroupMember.objects.restrict(request.user, "view")
        .filter(body__in=groups, status=WorkingGroupMember.Status.ACTIVE)
        .order_by()
        .values_list("body_id")
        .annotate(n=Count("pk"))
    )
    for group in groups:
        group.member_count = counts.get(group.pk, 0)
    return render(
        request,
        "meetings/group_list.html",
        {"groups": groups, "today": timezone.localdate()},
    )


def _group(request: HttpRequest, pk: str) -> Body:
    return get_restricted_object(request, Body, pk, queryset=working_groups(request.user))


@login_required
def group_detail(request: HttpRequest, pk: str, form: Any = None, status: int = 200) -> Any:
    group = _group(request, pk)
    user = request.user
    members = (
        WorkingGroupMember.objects.restrict(user, "view")
        .filter(body=group)
        .select_related("organisation")
    )
    can_manage = get_policy().can_add(WorkingGroupMember, user)
    mine = get_policy().acting_for(user, "meetings.answer_for")
    return render(
        request,
        "meetings/group_detail.html",
        {
            "group": group,
            "members": members,
            "can_manage": can_manage,
            "my_orgs": mine,
            "form": form or (MemberForm() if can_manage else None),
            "meetings": Meeting.objects.restrict(user, "view")
            .filter(body=group)
            .select_related("body__organisation")[:20],
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def group_invite(request: HttpRequest, pk: str) -> HttpResponse:
    group = _group(request, pk)
    if not get_policy().can_add(WorkingGroupMember, request.user):
        raise PermissionDenied
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            invite_member(
                group,
                form.cleaned_data["organisation"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if not form.is_valid() or form.errors:
        return group_detail(request, pk, form=form, status=400)
    messages.success(request, gettext_lazy("Saved."))
    return HttpResponseRedirect(reverse("meetings:group_detail", args=[group.pk]))


@login_required
@require_POST
def member_answer(request: HttpRequest, pk: str) -> HttpResponse:
    """Record the answer to an invitation: the secretariat, or a member of the invited
    organisation answering for it."""
    member = get_restricted_object(request, WorkingGroupMember, pk)
    if member.organisation_id not in get_policy().acting_for(request.user, "meetings.answer_for"):
        member = get_restricted_object(request, WorkingGroupMember, pk, "change")
    try:
        answer_invitation(member, actor=request.user, accept=request.POST.get("accept") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("meetings:group_detail", args=[member.body_id]))


@login_required
@require_POST
def member_leave(request: HttpRequest, pk: str) -> HttpResponse:
    """The secretariat records that a member left the group (its history keeps when and why)."""
    member = get_restricted_object(request, WorkingGroupMember, pk, "change")
    try:
        leave_group(member, actor=request.user, reason=request.POST.get("reason", "")[:250])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("meetings:group_detail", args=[member.body_id]))


def _caller(request: HttpRequest) -> Any:
    """The signed-in user, or the owner of a valid API token (``Authorization: Bearer``)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ApiToken.resolve(header[7:].strip())
        return token.user if token is not None else None
    return request.user if request.user.is_authenticated else None


def _ics(
    request: HttpRequest, meetings: Any, filename: str, *, what: str, actor: Any = None
) -> HttpResponse:
    meetings = list(meetings)
    marking = derived_marking(meetings)
    response = HttpResponse(
        calendar(
            meetings,
            lambda m: request.build_absolute_uri(reverse("meetings:meeting_detail", args=[m.pk])),
        ),
        content_type=ICS,
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-TLP"] = label(marking)
    record_export(what, fmt="ics", marking=marking, rows=len(meetings), actor=actor)
    return response


def meeting_ics(request: HttpRequest, pk: str) -> HttpResponse:
    """One meeting as an .ics file, for a signed-in session or an API token."""
    user = _caller(request)
    if user is None:
        raise Http404
    request.user = user
    meeting = get_restricted_object(
        request, Meeting, pk, queryset=Meeting.objects.restrict(user, "view")
    )
    return _ics(request, [meeting], f"{meeting.code}.ics", what="meetings.meeting_ics", actor=user)


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A user's private subscription: the meetings they may see, by a revocable secret URL."""
    feed = resolve_feed(token)
    if feed is None:
        raise Http404
    return _ics(
        request,
        upcoming_for(feed.user)[:500],
        "seccoop.ics",
        what="meetings.calendar_feed",
        actor=feed.user,
    )


@login_required
def feeds(request: HttpRequest) -> HttpResponse:
    mine = CalendarFeed.objects.restrict(request.user, "view").filter(user=request.user)
    return render(request, "meetings/feeds.html", {"feeds": mine, "new_url": None})


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    _feed, raw = create_feed(request.user)
    url = request.build_absolute_uri(reverse("meetings:feed", args=[raw]))
    mine = CalendarFeed.objects.restrict(request.user, "view").filter(user=request.user)
    return render(request, "meetings/feeds.html", {"feeds": mine, "new_url": url})


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    feed = get_restricted_object(request, CalendarFeed, pk, "change")
    revoke_feed(feed)
    messages.success(
        request, gettext_lazy("The calendar feed is revoked; its address no longer works.")
    )
    return HttpResponseRedirect(reverse("meetings:feeds"))
