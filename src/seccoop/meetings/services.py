"""Meetings services: scheduling, the parts of a meeting, decisions (and plan adoption), action
items carried forward, the cadence rules, and calendar feeds."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from seccoop.accounts.models import hash_token
from seccoop.core.markings import TLP
from seccoop.core.models import mark_history
from seccoop.core.policy import get_policy
from seccoop.framework.cadence import BodyRule, MeetingRecord, check, next_host_side
from seccoop.framework.models import Body, Organisation
from seccoop.framework.services import commission
from seccoop.plan.models import PlanVersion
from seccoop.plan.services import AdoptingMeeting, adopt_plan_version

from .models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    Meeting,
    PreparationTask,
    PreparationTemplate,
    WorkingGroupMember,
)

FIRST_YEAR = 2010


def check_time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or a ValidationError naming the field."""
    if name not in available_timezones():
        raise ValidationError(
            {
                "time_zone": _(
                    "Unknown time zone '{value}'. Use an IANA name such as America/Port_of_Spain."
                ).format(value=name[:60])
            }
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {"time_zone": _("Unknown time zone '{value}'.").format(value=name[:60])}
        ) from None


def local_to_utc(day: date, hour: int, minute: int, zone: str) -> datetime:
    """A wall-clock time at the venue as an aware datetime: the instant to store (10:00 in Port of
    Spain is 14:00 UTC; the database keeps it in UTC)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=check_time_zone(zone))


def schedule(meeting: Meeting, *, actor: Any, reason: str = "") -> Meeting:
    """Create or change a meeting: checks its time zone and times, numbers it within its body and
    year, makes the Commission its owner, and keeps a TLP:RED meeting's recipients in step with its
    participants (and its parts' markings in step with it)."""
    check_time_zone(meeting.time_zone)
    if meeting.start is None or meeting.end is None or meeting.end <= meeting.start:
        raise ValidationError({"end": _("A meeting must end after it starts.")})
    year = meeting.start.astimezone(ZoneInfo(meeting.time_zone)).year
    with transaction.atomic():
        stored = Meeting.objects.filter(pk=meeting.pk).values("body_id", "year").first()
        moved = stored is not None and (stored["body_id"], stored["year"]) != (
            meeting.body_id,
            year,
        )
        if meeting.pk is None or moved:
            last = (
                Meeting.objects.select_for_update()
                .filter(body=meeting.body, year=year)
                .aggregate(n=Max("sequence"))["n"]
            )
            meeting.year, meeting.sequence = year, (last or 0) + 1
        if meeting.owner_id is None:
            owner = commission()
            meeting.owner_id = owner.pk if owner else meeting.body.organisation_id
        creating = meeting.pk is None
        if not creating:
            meeting.version += 1
        mark_history(
            meeting, reason=reason or (_("Scheduled") if creating else _("Edited")), user=actor
        )
        meeting.save()
        sync_marking(meeting, actor)
        if meeting.body.body_type == Body.BodyType.DIALOGUE:
            prepare_dialogue(meeting, actor=actor)
    return meeting


def sync_marking(meeting: Meeting, actor: Any = None) -> None:
    """A TLP:RED meeting is for its participants only (the Framework's rule; an organiser who is
    not a participant does not see it); its parts carry its owner and marking."""
    if meeting.tlp == TLP.RED:
        meeting.recipients.set(meeting.participants.all())
    recipients = list(meeting.recipients.values_list("pk", flat=True))
    releases = list(meeting.releasable_to.values_list("pk", flat=True))
    for model in (AgendaItem, Decision, ActionItem, PreparationTask):
        ids = list(model.objects.filter(meeting=meeting).values_list("pk", flat=True))
        if not ids:
            continue
        changed = list(
            model.objects.filter(pk__in=ids).exclude(owner_id=meeting.owner_id, tlp=meeting.tlp)
        )
        for part in changed:
            part.owner_id, part.tlp = meeting.owner_id, meeting.tlp
        if changed:
            bulk_update_with_history(
                changed,
                model,
                ["owner", "tlp"],
                default_user=actor,
                default_change_reason=_("The marking follows the meeting's"),
            )
        # Replace the parts' recipients and releases with the meeting's: two queries each.
        for field, targets in (("recipients", recipients), ("releasable_to", releases)):
            through = model._meta.get_field(field).remote_field.through
            source, target = (
                f"{model._meta.model_name}_id",
                ("user_id" if field == "recipients" else "organisation_id"),
            )
            through.objects.filter(**{f"{source}__in": ids}).delete()
            through.objects.bulk_create(
                [through(**{source: i, target: t}) for i in ids for t in targets]
            )


def save_part(part: Any, *, actor: Any, reason: str = "") -> Any:
    """Save an agenda item, decision or action item with its meeting's owner and marking."""
    meeting = part.meeting
    part.owner_id, part.tlp = meeting.owner_id, meeting.tlp
    creating = part.pk is None
    if not creating:
        part.version += 1
    mark_history(part, reason=reason or (_("Created") if creating else _("Edited")), user=actor)
    part.save()
    if creating:
        part.recipients.set(meeting.recipients.all())
        part.releasable_to.set(meeting.releasable_to.all())
    return part


def add_agenda_item(item: AgendaItem, *, actor: Any, reason: str = "") -> AgendaItem:
    """Save an agenda item; one without a place goes at the end of the meeting's agenda."""
    if item.order is None:
        last = AgendaItem.objects.filter(meeting_id=item.meeting_id).aggregate(n=Max("order"))["n"]
        item.order = (last or 0) + 1
    return save_part(item, actor=actor, reason=reason)


def check_adopting_meeting(meeting: Meeting, *, now: datetime | None = None) -> None:
    """Only the Dialogue adopts a plan version (the Framework: the annual Dialogue reviews progress
    and recalibrates), and only once it has been held: the meeting's body is the Dialogue, its
    status is held and its end is past. Otherwise a ValidationError naming the meeting's field."""
    code = meeting.code
    if meeting.body.body_type != Body.BodyType.DIALOGUE:
        raise ValidationError(
            {
                "meeting.body": _(
                    "Only a decision of the Dialogue adopts a plan version; {code} is a meeting "
                    "of the {body}."
                ).format(code=code, body=meeting.body.organisation.name)
            }
        )
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(
            {
                "meeting.status": _(
                    "Only a Dialogue that has been held adopts a plan version; {code} is {status}."
                ).format(code=code, status=meeting.get_status_display().lower())
            }
        )
    if meeting.end > (now or timezone.now()):
        raise ValidationError(
            {
                "meeting.end": _(
                    "{code} ends on {end} ({zone}); a plan version is adopted only once the "
                    "Dialogue has been held."
                ).format(
                    code=code, end=f"{meeting.local_end:%Y-%m-%d %H:%M}", zone=meeting.time_zone
                )
            }
        )


def record_decision(
    decision: Decision, *, actor: Any, number: int | None = None, reason: str = ""
) -> Decision:
    """Number a decision (the next free number, or the one given, which must be free) and save it.
    A decision adopting a plan version must belong to a Dialogue that has been held
    (``check_adopting_meeting``); it calls the plan's adoption service, which adopts the version
    as of the Dialogue's first day in the venue's time zone, and the version's page then shows this
    decision. A refused adoption saves nothing, not even the decision."""
    with transaction.atomic():
        taken = set(
            Decision.objects.select_for_update()
            .filter(meeting=decision.meeting)
            .exclude(pk=decision.pk)
            .values_list("number", flat=True)
        )
        if number is not None:
            if number in taken:
                raise ValidationError(
                    {
                        "number": _("{code}/D{number} already exists.").format(
                            code=decision.meeting.code, number=number
                        )
                    }
                )
            decision.number = number
        elif decision.pk is None:
            decision.number = max(taken, default=0) + 1
        stored = Decision.objects.filter(pk=decision.pk).values("kind", "plan_version_id").first()
        adopts_now = decision.kind == Decision.Kind.ADOPT_PLAN and (
            stored is None
            or (stored["kind"], stored["plan_version_id"])
            != (decision.kind, decision.plan_version_id)
        )
        if decision.kind == Decision.Kind.ADOPT_PLAN and decision.plan_version is None:
            raise ValidationError(
                {"plan_version": _("Name the plan version this decision adopts.")}
            )
        if adopts_now:
            assert decision.plan_version is not None  # checked just above
            check_adopting_meeting(decision.meeting)
            adopt_plan_version(
                decision.plan_version,
                actor=actor,
                adopted_on=decision.meeting.local_start.date(),
                body=decision.meeting.body.organisation,
                reason=_("Adopted by decision {code}").format(
                    code=f"{decision.meeting.code}/D{decision.number}"
                ),
            )
        save_part(decision, actor=actor, reason=reason)
    return decision


def held_dialogues(user: Any, *, now: datetime | None = None) -> list[AdoptingMeeting]:
    """The Dialogues that have been held (status held, end past) whose decisions ``user`` may
    record, newest first: the meetings a plan version's page offers for its adoption."""
    rows = (
        Meeting.objects.restrict(user, "change")
        .filter(
            body__body_type=Body.BodyType.DIALOGUE,
            status=Meeting.Status.HELD,
            end__lte=now or timezone.now(),
        )
        .select_related("body__organisation")
        .order_by("-start", "-pk")
    )
    return [
        AdoptingMeeting(
            id=m.pk,
            code=m.code,
            label=f"{m.code} {m.title} ({m.local_start:%Y-%m-%d})",
            day=m.local_start.date(),
        )
        for m in rows
    ]


def find_meeting(user: Any, meeting: int | str) -> Meeting:
    """A meeting ``user`` may see, by its id or its code (DIA-2026-1); a ValidationError naming
    ``meeting`` otherwise."""
    text = str(meeting).strip()[:60]
    rows = Meeting.objects.restrict(user, "view").select_related("body__organisation")
    found = None
    if re.fullmatch(r"[0-9]{1,18}", text):
        found = rows.filter(pk=int(text)).first()
    else:
        # PREFIX-YEAR-SEQUENCE; a working group's prefix has dashes of its own
        code = re.fullmatch(r"(.+)-([0-9]{4})-([0-9]{1,4})", text)
        if code:
            candidates = rows.filter(year=int(code[2]), sequence=int(code[3]))
            found = next((m for m in candidates if m.code.upper() == text.upper()), None)
    if found is None:
        raise ValidationError({"meeting": _("Unknown meeting '{value}'.").format(value=text)})
    return found


def adopt_through_decision(
    version: PlanVersion, *, actor: Any, meeting: int | str, text: str = ""
) -> str:
    """Record the decision of ``meeting`` (id or code) that adopts ``version``: the one path by
    which a plan version is adopted (the plan's page and API and the demo reach it through the
    hook the plan module offers). ``record_decision`` checks the meeting is a held Dialogue; a
    refusal writes nothing. Returns the decision's code."""
    found = find_meeting(actor, meeting)
    if not Meeting.objects.restrict(actor, "change").filter(pk=found.pk).exists():
        raise PermissionDenied
    decision = Decision(
        meeting=found,
        kind=Decision.Kind.ADOPT_PLAN,
        plan_version=version,
        text=text.strip() or _("The Dialogue adopts the {label}.").format(label=version.label),
    )
    record_decision(
        decision, actor=actor, reason=_("Adoption of {label}").format(label=version.label)
    )
    return str(decision.code)


def add_action_item(item: ActionItem, *, actor: Any, reason: str = "") -> ActionItem:
    if item.owner_party_id is None and item.owner_body_id is None and item.owner_user_id is None:
        raise ValidationError(
            {"owner": _("An action item needs an owner: a party, a body or a person.")}
        )
    return save_part(item, actor=actor, reason=reason)


def close_action_item(
    item: ActionItem, *, actor: Any, status: str = ActionItem.Status.DONE, on: date | None = None
) -> ActionItem:
    item.status = status
    item.closed_on = on or timezone.localdate()
    return save_part(item, actor=actor, reason=_("Closed"))


def overdue(items: Any, today: date | None = None) -> Any:
    return items.filter(status=ActionItem.Status.OPEN, due__lt=today or timezone.localdate())


def carried_forward(meeting: Meeting, user: Any) -> Any:
    """Open action items from earlier meetings of the same body: they show on this meeting until
    they are closed."""
    return (
        ActionItem.objects.restrict(user, "view")
        .filter(
            meeting__body=meeting.body,
            meeting__start__lt=meeting.start,
            status=ActionItem.Status.OPEN,
        )
        .select_related("meeting", "owner_party", "owner_body", "owner_user")
    )


# --- Dialogue preparations -----------------------------------------------------------------


def prepare_dialogue(meeting: Meeting, *, actor: Any) -> list[PreparationTask]:
    """Give a Dialogue its preparations checklist: a copy of each active default task it does not
    have yet, due the task's number of days before the Dialogue's first day (in the venue's time
    zone). When the Dialogue moves, the open tasks' due dates move with it."""
    day = meeting.local_start.date()
    tasks = list(PreparationTask.objects.filter(meeting=meeting))
    have = {t.template_id for t in tasks}
    for task in tasks:
        due = day - timedelta(days=task.days_before)
        if task.status == PreparationTask.Status.OPEN and task.due != due:
            task.due = due
            save_part(task, actor=actor, reason=_("The Dialogue moved"))
    for template in PreparationTemplate.objects.filter(active=True).exclude(pk__in=have):
        task = PreparationTask(
            meeting=meeting,
            template=template,
            title=template.title,
            days_before=template.days_before,
            due=day - timedelta(days=template.days_before),
            responsible_id=template.owner_id,
        )
        tasks.append(save_part(task, actor=actor))
    return sorted(tasks, key=lambda t: (t.due, t.pk))


def complete_task(
    task: PreparationTask, *, actor: Any, done: bool = True, on: date | None = None
) -> PreparationTask:
    task.status = PreparationTask.Status.DONE if done else PreparationTask.Status.OPEN
    task.done_on = (on or timezone.localdate()) if done else None
    return save_part(task, actor=actor, reason=_("Done") if done else _("Reopened"))


# --- Technical Working Groups ---------------------------------------------------------------


def invite_member(
    body: Body, organisation: Any, *, actor: Any, note: str = "", on: date | None = None
) -> WorkingGroupMember:
    """Add an organisation to a working group. States join directly; international partners and
    non-governmental stakeholders are invited, and become members when they accept. The group's
    rules decide whether partners and NGOs may be included at all."""
    if body.body_type != Body.BodyType.TWG:
        raise ValidationError({"body": _("Only a Technical Working Group has members.")})
    kind = organisation.kind
    if kind == Organisation.Kind.PARTNER and not _rule(body, "may_include_partners"):
        raise ValidationError(
            {"organisation": _("This working group may not include international partners.")}
        )
    if kind == Organisation.Kind.NGO and not _rule(body, "may_include_ngos"):
        raise ValidationError(
            {"organisation": _("This working group may not include non-governmental stakeholders.")}
        )
    if WorkingGroupMember.objects.filter(body=body, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("This organisation is already on this working group.")}
        )
    day = on or timezone.localdate()
    direct = kind == Organisation.Kind.PARTY
    member = WorkingGroupMember(
        body=body,
        organisation=organisation,
        status=WorkingGroupMember.Status.ACTIVE if direct else WorkingGroupMember.Status.INVITED,
        invited_on=None if direct else day,
        joined_on=day if direct else None,
        note=note,
    )
    return _save_member(member, actor, _("Added") if direct else _("Invited"))


def answer_invitation(
    member: WorkingGroupMember, *, actor: Any, accept: bool, on: date | None = None
) -> WorkingGroupMember:
    if member.status != WorkingGroupMember.Status.INVITED:
        raise ValidationError({"status": _("Only a pending invitation can be answered.")})
    if accept:
        member.status, member.joined_on = (
            WorkingGroupMember.Status.ACTIVE,
            on or timezone.localdate(),
        )
    else:
        member.status = WorkingGroupMember.Status.DECLINED
    return _save_member(member, actor, _("Accepted") if accept else _("Declined"))


def leave_group(
    member: WorkingGroupMember, *, actor: Any, reason: str = "", on: date | None = None
) -> WorkingGroupMember:
    if member.status != WorkingGroupMember.Status.ACTIVE:
        raise ValidationError({"status": _("Only a member can leave the group.")})
    member.status = WorkingGroupMember.Status.LEFT
    note = _("Left on {day}").format(day=f"{on or timezone.localdate():%Y-%m-%d}")
    member.note = f"{note}. {reason}".strip()[:250] if reason else note
    return _save_member(member, actor, reason or _("Left the group"))


def _rule(body: Body, flag: str) -> bool:
    """The group's own rule (set when the Commission establishes it)."""
    return bool(getattr(body, flag))


def _save_member(member: WorkingGroupMember, actor: Any, reason: str) -> WorkingGroupMember:
    if member.owner_id is None:
        owner = commission()
        member.owner_id = owner.pk if owner else member.body.organisation_id
    if member.pk is not None:
        member.version += 1
    mark_history(member, reason=reason, user=actor)
    member.save()
    return member


def working_groups(user: Any) -> Any:
    return (
        Body.objects.restrict(user, "view")
        .filter(body_type=Body.BodyType.TWG, parent__isnull=False)
        .select_related("organisation", "parent")
        .prefetch_related("categories")
        .order_by("organisation__code")
    )


# --- cadence --------------------------------------------------------------------------------


def _records(user: Any) -> list[MeetingRecord]:
    rows = Meeting.objects.restrict(user, "view").select_related(
        "body__organisation", "host__organisation"
    )
    return [
        MeetingRecord(m.body.organisation.code, m.local_start.date(), m.status, m.host_side)
        for m in rows
    ]


def body_rules(user: Any) -> list[BodyRule]:
    return [
        BodyRule(
            b.organisation.code,
            b.body_type,
            b.meetings_per_year,
            b.venue_rule == Body.VenueRule.ALTERNATE,
            b.sunset,
        )
        for b in Body.objects.restrict(user, "view").select_related("organisation")
    ]


def next_dialogue(user: Any) -> Any:
    return next_host_side(_records(user), "DIALOGUE")


def cadence_findings(user: Any, today: date | None = None) -> Any:
    return check(
        body_rules(user), _records(user), first_year=FIRST_YEAR, today=today or timezone.localdate()
    )


# --- calendar feeds -------------------------------------------------------------------------


def create_feed(user: Any) -> tuple[CalendarFeed, str]:
    """A new private feed; the token is returned once and only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    return CalendarFeed.objects.create(user=user, digest=hash_token(raw)), raw


def resolve_feed(raw: str) -> CalendarFeed | None:
    if not raw or len(raw) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=hash_token(raw)).first()
    if feed is None or feed.revoked_at is not None or not feed.user.may_sign_in:
        return None
    return feed


def revoke_feed(feed: CalendarFeed) -> None:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])


def visible_meetings(user: Any) -> Any:
    return Meeting.objects.restrict(user, "view").select_related(
        "body__organisation", "host__organisation"
    )


def upcoming_for(user: Any) -> Any:
    return visible_meetings(user).filter(
        Q(end__gte=timezone.now()) | Q(status=Meeting.Status.CANCELLED)
    )


def my_action_items(user: Any) -> Any:
    """Open action items the user answers for: their own, or their party's or body's."""
    orgs = get_policy().acting_for(user, "member_of")
    return (
        ActionItem.objects.restrict(user, "view")
        .filter(status=ActionItem.Status.OPEN)
        .filter(
            Q(owner_user=user)
            | Q(owner_party__organisation_id__in=orgs)
            | Q(owner_body__organisation_id__in=orgs)
        )
        .select_related("meeting__body__organisation")
        .order_by("due", "pk")
    )


def home_panel(request: Any) -> Any:
    """The home page's list of the user's open action items, overdue ones first."""
    from django.urls import reverse

    from seccoop.core.panels import Panel, PanelItem

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    items = list(my_action_items(user)[:10])
    if not items:
        return None
    today = timezone.localdate()
    entries = [
        PanelItem(
            _("{code}: {title} (due {due}{late})").format(
                code=item.meeting.code,
                title=item.title,
                due=f"{item.due:%Y-%m-%d}",
                late=_(", overdue") if item.due < today else "",
            ),
            reverse("meetings:meeting_detail", args=[item.meeting_id]),
        )
        for item in items
    ]
    return Panel("action-items", str(_("Your open action items")), entries)
