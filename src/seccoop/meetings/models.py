"""Meetings of the Framework's bodies: the Dialogue, the Commission and the Technical Working Groups.

A meeting, its agenda, its decisions and its action items are marked records. The agenda items,
decisions and action items take their meeting's owner and marking (see ``services.save_child``), so
a TLP:RED meeting and everything in it is visible only to its participants.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role, User
from seccoop.core.markings import TLP
from seccoop.core.querysets import RestrictedManager
from seccoop.framework.models import Body, Organisation, Party, ReferenceModel
from seccoop.plan.models import Benchmark, Measure, PlanVersion
from seccoop.prioritization.models import Run

ORGANISERS = frozenset({Role.SECRETARIAT})

#: The prefix of a meeting's code, by body type (COM-2026-1, DIA-2026-1, TWG-2026-3).
PREFIXES = {"dialogue": "DIA", "commission": "COM", "twg": "TWG", "committee": "CTE"}


class Meeting(MarkedModel):
    """One meeting of one body: when and where (in the venue's time zone), who, and its status."""

    default_tlp = TLP.GREEN
    editor_roles = ORGANISERS

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="meetings"
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveSmallIntegerField(_("number in the year"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(_("venue time zone"), max_length=60)
    venue_city = models.CharField(_("venue city"), max_length=120, blank=True)
    host = models.ForeignKey(
        Party,
        verbose_name=_("host party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    delegations = models.ManyToManyField(
        Party, verbose_name=_("delegations"), blank=True, related_name="+"
    )
    participants = models.ManyToManyField(
        User, verbose_name=_("participants"), blank=True, related_name="+"
    )
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "sequence"],
                name="meeting_number_per_body_year",
                violation_error_message=_("This body already has a meeting with this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        """COM-2026-1; a working group's meetings carry the group's own code (TWG-MARITIME-2026-1)
        since each group numbers its own."""
        if self.body.body_type == "twg" and self.body.parent_id is not None:
            prefix = self.body.organisation.code
        else:
            prefix = PREFIXES.get(self.body.body_type, self.body.organisation.code[:3].upper())
        return f"{prefix}-{self.year}-{self.sequence}"

    @property
    def local_start(self) -> Any:
        return self.start.astimezone(ZoneInfo(self.time_zone))

    @property
    def local_end(self) -> Any:
        return self.end.astimezone(ZoneInfo(self.time_zone))

    @property
    def local_start_text(self) -> str:
        """The start as the venue's wall-clock time (what a list shows, whatever the reader's
        time zone)."""
        return f"{self.local_start:%Y-%m-%d %H:%M}"

    @property
    def host_side(self) -> str:
        host = self.host
        return host.organisation.side if host is not None else ""


class MeetingPart(MarkedModel):
    """Something inside a meeting: it takes the meeting's owner and marking."""

    default_tlp = TLP.GREEN
    editor_roles = ORGANISERS

    class Meta:
        abstract = True


class AgendaItem(MeetingPart):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    measures = models.ManyToManyField(
        Measure, verbose_name=_("measures"), blank=True, related_name="+"
    )
    plan_version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document_url = models.URLField(_("document"), blank=True)

    class Meta:
        ordering = ["meeting", "order"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Decision(MeetingPart):
    """A numbered decision (COM-2026-1/D3), linked to what it decides on."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General")
        ADOPT_PLAN = "adopt_plan", _("Adoption of a plan version")
        MEASURES = "measures", _("Measures")
        BENCHMARK = "benchmark", _("Benchmark")
        PRIORITIES = "priorities", _("Prioritisation")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GENERAL)
    text = models.TextField(_("text"))
    plan_version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    measures = models.ManyToManyField(
        Measure, verbose_name=_("measures"), blank=True, related_name="decisions"
    )
    benchmark = models.ForeignKey(
        Benchmark,
        verbose_name=_("benchmark"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    run = models.ForeignKey(
        Run,
        verbose_name=_("prioritisation run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="decision_number_per_meeting",
                violation_error_message=_("This meeting already has a decision with this number."),
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.meeting.code}/D{self.number}"


class ActionItem(MeetingPart):
    """Work a meeting gives to a party, a body or a person, carried forward until closed."""

    #: The person it is given to closes it, without other rights to change it (the policy's
    #: ``close`` action).
    closer_field = "owner_user"

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(_("title"), max_length=300)
    owner_party = models.ForeignKey(
        Party,
        verbose_name=_("owner (party)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_body = models.ForeignKey(
        Body,
        verbose_name=_("owner (body)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_user = models.ForeignKey(
        User,
        verbose_name=_("owner (person)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_party__isnull=False)
                | models.Q(owner_body__isnull=False)
                | models.Q(owner_user__isnull=False),
                name="action_item_has_an_owner",
                violation_error_message=_(
                    "An action item needs an owner: a party, a body or a person."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        owner = self.owner_user or self.owner_party or self.owner_body
        return str(owner) if owner else ""


class WorkingGroupMember(MeetingPart):
    """An organisation taking part in a Technical Working Group: a State, an international partner
    or a non-governmental stakeholder. Partners and NGOs are invited first; the invitation is
    accepted or declined."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    body = models.ForeignKey(
        Body, verbose_name=_("working group"), on_delete=models.CASCADE, related_name="members"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    invited_on = models.DateField(_("invited on"), null=True, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        ordering = ["body", "organisation__kind", "organisation__code"]
        verbose_name = _("working group member")
        verbose_name_plural = _("working group members")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "organisation"],
                name="working_group_member_once",
                violation_error_message=_("This organisation is already on this working group."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        kind = self.organisation.kind
        if kind == Organisation.Kind.PARTY:
            return str(_("State"))
        if kind == Organisation.Kind.NGO:
            return str(_("Non-governmental stakeholder"))
        if kind == Organisation.Kind.PARTNER:
            return str(_("International partner"))
        return self.organisation.get_kind_display()


class PreparationTemplate(ReferenceModel):
    """A default task of the Dialogue preparations checklist, due a number of days before the
    Dialogue. Administrators configure the defaults; each Dialogue gets its own copy."""

    title = models.CharField(_("title"), max_length=200)
    days_before = models.PositiveSmallIntegerField(_("days before the Dialogue"))
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-days_before", "pk"]
        verbose_name = _("Dialogue preparation task (default)")
        verbose_name_plural = _("Dialogue preparation tasks (defaults)")

    def __str__(self) -> str:
        return f"{self.title} (D-{self.days_before})"


class PreparationTask(MeetingPart):
    """One task of a Dialogue's preparations checklist, due relative to the Dialogue's date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="preparations"
    )
    template = models.ForeignKey(
        PreparationTemplate,
        verbose_name=_("default task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    days_before = models.PositiveSmallIntegerField(_("days before the Dialogue"))
    due = models.DateField(_("due"))
    responsible = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("preparation task")
        verbose_name_plural = _("preparation tasks")

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A private calendar subscription: a secret URL per user. Only the token's SHA-256 is kept;
    revoking it ends the feed (its URL then answers 404)."""

    access = "owned_by_user"

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
