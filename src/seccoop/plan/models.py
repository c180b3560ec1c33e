"""The Plan of Action: versions adopted by the Dialogue, measures, milestones and benchmarks."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Mechanism, Organisation, Party
from seccoop.needs.models import Need

PLANNERS = frozenset({Role.SECRETARIAT})


class PlanVersion(MarkedModel):
    """One version of the Plan of Action: a draft, then adopted (and frozen), then superseded."""

    default_tlp = TLP.CLEAR
    editor_roles = PLANNERS

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("Adopted")
        SUPERSEDED = "superseded", _("Superseded")

    year = models.PositiveSmallIntegerField(_("year"))
    label = models.CharField(_("label"), max_length=120, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        Organisation,
        verbose_name=_("adopted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_versions",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="adopted") | models.Q(adopted_on__isnull=False),
                name="planversion_adopted_has_date",
                violation_error_message=_("An adopted version needs its adoption date."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class Measure(MarkedModel):
    """A programmatic measure of the Plan of Action: one identity across plan versions.

    What each version says about the measure (code, title, description, category, order) is a
    :class:`MeasureVersion` of that version, frozen when the version is adopted. What happens to
    the measure (status, dates, lead, milestones, benchmarks, needs, funding, indicators) belongs
    here, across versions. ``code``, ``title``, ``description``, ``category`` and ``order`` here
    are a copy of the content of ``plan``: the version in force when the measure is in it,
    otherwise the latest version that holds it (refreshed by the plan services).
    """

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT, Role.TWG_MEMBER})
    co_owner_field = "twg"

    class Kind(models.TextChoices):
        INSTITUTIONAL = "institutional", _("Institutional mechanism")
        PROGRAMME = "programme", _("Programme")
        LEGISLATION = "legislation", _("Legislation")
        CAPACITY = "capacity", _("Capacity building")
        EQUIPMENT = "equipment", _("Equipment")

    class Status(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline/identification")
        IMPLEMENTATION = "implementation", _("Implementation")
        FINALISATION = "finalisation", _("Finalisation")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        SUSPENDED = "suspended", _("Suspended")

    plan = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version shown"),
        on_delete=models.CASCADE,
        related_name="measures",
        help_text=_(
            "The version whose content this measure shows: the plan in force when the measure is "
            "in it, otherwise the latest version that holds it."
        ),
    )
    lineage = models.UUIDField(
        _("lineage"),
        default=uuid.uuid4,
        editable=False,
        help_text=_("The same measure keeps its lineage from one plan version to the next."),
    )
    ended_by = models.ForeignKey(
        PlanVersion,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="ended_measures",
        help_text=_("The adopted version that no longer holds this measure."),
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PROGRAMME)
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("mechanism (section III.A)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    lead = models.ForeignKey(
        Organisation,
        verbose_name=_("lead body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    twg = models.ForeignKey(
        Organisation,
        verbose_name=_("Technical Working Group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    implementing_agencies = models.ManyToManyField(
        Organisation, verbose_name=_("implementing agencies"), blank=True, related_name="+"
    )
    partners = models.ManyToManyField(
        Organisation, verbose_name=_("partners"), blank=True, related_name="+"
    )
    participating_states = models.ManyToManyField(
        Party, verbose_name=_("participating states"), blank=True, related_name="measures"
    )
    needs = models.ManyToManyField(
        Need, verbose_name=_("needs addressed"), blank=True, related_name="measures"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PIPELINE
    )
    order = models.PositiveIntegerField(_("order in the plan"), default=0)

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="measure_end_after_start",
                violation_error_message=_("A measure cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_ended(self) -> bool:
        return self.ended_by_id is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new measure is created in a version: ``plan`` holds it, with the content given here."""
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating and not MeasureVersion.objects.filter(measure=self).exists():
            entry = MeasureVersion(plan_id=self.plan_id, measure=self, owner_id=self.owner_id)
            entry.tlp = self.tlp
            for name in content_attnames():
                setattr(entry, name, getattr(self, name))
            entry._change_reason = getattr(self, "_change_reason", None)
            entry._history_user = getattr(self, "_history_user", None)
            entry.save()


class MeasureVersion(MarkedModel):
    """What one plan version says about a measure: its code, title, description, category and
    order. Frozen with the version when the version is adopted."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT, Role.TWG_MEMBER})
    co_owner_field = "measure__twg"

    plan = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="versions"
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveIntegerField(_("order in the plan"), default=0)

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("measure in a plan version")
        verbose_name_plural = _("measures in a plan version")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "measure"],
                name="measureversion_unique_measure",
                violation_error_message=_("This plan version already holds this measure."),
            ),
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="measureversion_unique_code",
                violation_error_message=_(
                    "This plan version already has a measure with this code."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title} ({self.plan})"


#: The content a plan version gives a measure (copied onto the measure for the version shown).
CONTENT_FIELDS = ("code", "title", "description", "category", "order")


def content_attnames() -> list[str]:
    """The columns of a measure's content in a version, with each language of the translated
    fields (``title_en``, ``title_es``, ...)."""
    return [
        f.attname
        for f in MeasureVersion._meta.concrete_fields
        if f.name in CONTENT_FIELDS or f.name.startswith(("title_", "description_"))
    ]


class Milestone(MarkedModel):
    """A dated step of a measure; progress counts completed milestones. Besides the secretariat,
    the measure's Technical Working Group and the focal points of its lead (a State leading the
    measure reports its milestones) record a milestone's completion."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT, Role.TWG_MEMBER, Role.FOCAL_POINT})
    co_owner_field = ("measure__twg", "measure__lead")

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=250)
    due = models.DateField(_("due"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["measure", "due", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class Benchmark(MarkedModel):
    """A benchmark proposed by a TWG for a measure. Revisions keep the earlier value and a reason."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT, Role.TWG_MEMBER})
    co_owner_field = "measure__twg"

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="benchmarks"
    )
    description = models.CharField(_("benchmark"), max_length=250)
    value = models.CharField(_("value"), max_length=120)
    proposed_by = models.ForeignKey(
        Organisation,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )

    class Meta:
        ordering = ["measure", "id"]
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")

    def __str__(self) -> str:
        return f"{self.description}: {self.value}"
