"""Prioritisation: assessors score measures on the Framework's three criteria; runs rank them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role
from seccoop.core.markings import TLP
from seccoop.framework.models import Criterion
from seccoop.plan.models import Measure, PlanVersion

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class PrioritizationCycle(MarkedModel):
    """One year's prioritisation of a plan version's measures, run by the Commission."""

    default_tlp = TLP.GREEN
    editor_roles = frozenset({Role.SECRETARIAT})

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("Mean of the assessors")
        MEDIAN = "median", _("Median of the assessors")
        GEOMETRIC = "geometric", _("Geometric mean of the assessors")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    plan = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan version"),
        on_delete=models.PROTECT,
        related_name="prioritization_cycles",
    )
    aggregation = models.CharField(
        _("aggregation rule"), max_length=10, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    is_open = models.BooleanField(_("open for scoring"), default=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("prioritisation cycle")
        verbose_name_plural = _("prioritisation cycles")

    def __str__(self) -> str:
        return str(self.year)


class Weight(MarkedModel):
    """The Commission's weight for one criterion in a cycle, with optional bounds for SMAA."""

    default_tlp = TLP.GREEN
    editor_roles = frozenset({Role.SECRETARIAT})

    cycle = models.ForeignKey(
        PrioritizationCycle,
        verbose_name=_("cycle"),
        on_delete=models.CASCADE,
        related_name="weights",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    lower = models.DecimalField(
        _("lower bound"),
        max_digits=5,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    upper = models.DecimalField(
        _("upper bound"),
        max_digits=5,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )

    class Meta:
        ordering = ["cycle", "criterion__code"]
        verbose_name = _("weight")
        verbose_name_plural = _("weights")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "criterion"], name="weight_unique"),
            models.CheckConstraint(
                condition=models.Q(lower__lte=models.F("upper")),
                name="weight_bounds_order",
                violation_error_message=_("The lower bound is above the upper bound."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.value}"


class Assignment(MarkedModel):
    """An assessor asked to score one measure in a cycle. The assessor sees and scores it."""

    default_tlp = TLP.AMBER_STRICT
    editor_roles = frozenset({Role.SECRETARIAT})
    assignee_field = "assessor"

    cycle = models.ForeignKey(
        PrioritizationCycle,
        verbose_name=_("cycle"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )

    class Meta:
        ordering = ["cycle", "measure__order", "measure__code"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "measure", "assessor"], name="assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} · {self.assessor}"


class Score(MarkedModel):
    """An assessor's score of a measure on one criterion: a point (low = high) or a range."""

    default_tlp = TLP.AMBER_STRICT
    editor_roles = frozenset({Role.SECRETARIAT})
    assignee_field = "assignment__assessor"

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    low = models.DecimalField(_("score (low)"), max_digits=3, decimal_places=2, validators=SCORE)
    high = models.DecimalField(_("score (high)"), max_digits=3, decimal_places=2, validators=SCORE)

    class Meta:
        ordering = ["assignment", "criterion__code"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique"),
            models.CheckConstraint(
                condition=models.Q(low__lte=models.F("high")),
                name="score_range_order",
                violation_error_message=_("The low end of a score range is above its high end."),
            ),
            models.CheckConstraint(
                condition=models.Q(low__gte=1, high__lte=5),
                name="score_range_1_5",
                violation_error_message=_("Scores run from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.low}–{self.high}"


class Run(MarkedModel):
    """A saved ranking: method, parameters, seed, who ran it and when, and the results."""

    default_tlp = TLP.GREEN
    editor_roles = frozenset({Role.SECRETARIAT})

    class Method(models.TextChoices):
        WSUM = "wsum", _("Weighted sum")
        TOPSIS = "topsis", _("TOPSIS")
        SMAA = "smaa", _("SMAA-2 (stochastic acceptability)")

    cycle = models.ForeignKey(
        PrioritizationCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="runs"
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    samples = models.PositiveIntegerField(_("samples"), null=True, blank=True)
    seed = models.BigIntegerField(_("seed"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict)
    results = models.JSONField(_("results"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ranking run")
        verbose_name_plural = _("ranking runs")

    def __str__(self) -> str:
        return f"{self.cycle} {self.get_method_display()} #{self.pk}"
