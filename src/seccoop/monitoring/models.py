"""Monitoring: indicator definitions, baselines, targets, reported values and validation rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role
from seccoop.core.markings import TLP
from seccoop.core.numbers import format_rate
from seccoop.framework.models import Category, Organisation, Party
from seccoop.plan.models import Measure

from .periods import Kind, Period, PeriodError, parse

VALUE_DIGITS = {"max_digits": 20, "decimal_places": 4}
EXAMPLES = {
    Kind.YEAR: "2019",
    Kind.HALF: "2019-H1",
    Kind.QUARTER: "2019-Q3",
    Kind.MONTH: "2019-07",
    Kind.FISCAL: "FY2019",
}


class Indicator(MarkedModel):
    """One definition per indicator: what is measured, how, how often, and where it comes from."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT})

    class MeasureType(models.TextChoices):
        UNIT = "unit", _("Number (in a unit)")
        PERCENTAGE = "percentage", _("Percentage")
        NOMINAL = "nominal", _("Nominal (a category)")
        ORDINAL = "ordinal", _("Ordinal (a scale)")
        QUALITATIVE = "qualitative", _("Qualitative (text)")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Higher is better")
        DECREASE = "decrease", _("Lower is better")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        LATEST = "latest", _("Latest value")

    class Level(models.TextChoices):
        OUTPUT = "output", _("Output")
        OUTCOME = "outcome", _("Outcome")
        IMPACT = "impact", _("Impact")

    class PeriodType(models.TextChoices):
        ANNUAL = Kind.YEAR.value, _("Annual")
        SEMIANNUAL = Kind.HALF.value, _("Semi-annual")
        QUARTERLY = Kind.QUARTER.value, _("Quarterly")
        MONTHLY = Kind.MONTH.value, _("Monthly")
        FISCAL = Kind.FISCAL.value, _("Fiscal year")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    measure_type = models.CharField(
        _("measure type"), max_length=12, choices=MeasureType.choices, default=MeasureType.UNIT
    )
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    aggregation = models.CharField(
        _("regional aggregation"), max_length=8, choices=Aggregation.choices, default="sum"
    )
    period_type = models.CharField(
        _("period type"), max_length=8, choices=PeriodType.choices, default=PeriodType.ANNUAL
    )
    fy_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Only for fiscal-year indicators: 10 is the U.S. federal year (October)."),
    )
    disaggregations = models.JSONField(
        _("disaggregations"),
        default=dict,
        blank=True,
        help_text=_('Dimensions and their values, e.g. {"sex": ["female", "male"]}.'),
    )
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default="outcome")
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    measures = models.ManyToManyField(
        Measure, verbose_name=_("measures"), blank=True, related_name="indicators"
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimals shown"), default=1, validators=[MaxValueValidator(4)]
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("small-cell threshold"),
        null=True,
        blank=True,
        help_text=_(
            "Public figures below this count are suppressed. Empty: the platform default; 0: none."
        ),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source address"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Invented for demonstration; not real figures.")
    )

    class Meta:
        ordering = ["category__code", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.code.strip().upper()  # codes match exactly (and on an index) everywhere
        super().save(*args, **kwargs)

    @property
    def numeric(self) -> bool:
        return self.measure_type in (
            self.MeasureType.UNIT,
            self.MeasureType.PERCENTAGE,
            self.MeasureType.ORDINAL,
        )

    @property
    def fy_start(self) -> int:
        return self.fy_start_month if self.period_type == Kind.FISCAL else 1

    def parse_period(self, text: Any) -> Period:
        """Read a period of this indicator's type, or raise ``PeriodError`` saying what is wrong."""
        period = parse(text, fy_start=self.fy_start_month)
        if period.kind != self.period_type:
            raise PeriodError(
                str(
                    _(
                        "{indicator} takes {kind} periods (such as {example}); '{period}' is not one."
                    ).format(
                        indicator=self.code,
                        kind=str(self.PeriodType(self.period_type).label).lower(),
                        example=EXAMPLES[Kind(self.period_type)],
                        period=text,
                    )
                )
            )
        return period

    def disaggregation_keys(self) -> list[str]:
        """Every cell of the disaggregation, as ``dimension=value`` keys ('' is the total)."""
        keys = [""]
        for dimension, values in (self.disaggregations or {}).items():
            keys.extend(f"{dimension}={v}" for v in values)
        return keys


class PeriodFields(models.Model):
    """A period stored as its canonical text plus its first and last day (for range queries)."""

    period = models.CharField(_("period"), max_length=12)
    period_start = models.DateField(_("period start"), editable=False)
    period_end = models.DateField(_("period end"), editable=False)

    class Meta:
        abstract = True

    def set_period(self, period: Period) -> None:
        self.period = str(period)
        self.period_start = period.start
        self.period_end = period.end


class StatePoint(MarkedModel, PeriodFields):
    """A figure agreed for one state on one indicator (a baseline or a target): owned by the
    state, co-edited by its steward (the Commission), every revision kept in the history."""

    default_tlp = TLP.GREEN
    editor_roles = frozenset({Role.FOCAL_POINT, Role.SECRETARIAT})
    co_owner_field = "steward"

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="%(class)ss"
    )
    state = models.ForeignKey(
        Party, verbose_name=_("state"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    steward = models.ForeignKey(
        Organisation,
        verbose_name=_("steward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The body that agrees it with the state (the Commission)."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.state.iso3} {self.period}: {self.value}"


class Baseline(StatePoint):
    """Where a state started on an indicator."""

    class Meta:
        ordering = ["indicator__code", "state__iso3"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "state"],
                name="baseline_one_per_state",
                violation_error_message=_("This state already has a baseline for the indicator."),
            )
        ]


class Target(StatePoint):
    """What a state aims to reach in a period. Every revision keeps its reason in the history."""

    class Meta:
        ordering = ["indicator__code", "state__iso3", "period_start"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "state", "period"],
                name="target_one_per_period",
                violation_error_message=_("This state already has a target for this period."),
            )
        ]
        indexes = [models.Index(fields=["indicator", "period"], name="target_period_idx")]


class Value(MarkedModel, PeriodFields):
    """A reported value: one state, one period, one cell of the disaggregation ('' is the total)."""

    default_tlp = TLP.AMBER
    editor_roles = frozenset({Role.FOCAL_POINT})
    reviewer_roles = frozenset({Role.SECRETARIAT})

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    class Quality(models.TextChoices):
        A = "A", _("A: verified administrative or survey data")
        B = "B", _("B: official data, not independently verified")
        C = "C", _("C: estimate with a stated method")
        D = "D", _("D: provisional or partial")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    state = models.ForeignKey(
        Party, verbose_name=_("state"), on_delete=models.PROTECT, related_name="+"
    )
    disaggregation = models.CharField(
        _("disaggregation"), max_length=120, blank=True, help_text=_("Empty for the total.")
    )
    value = models.DecimalField(_("value"), null=True, blank=True, **VALUE_DIGITS)
    text_value = models.CharField(_("text value"), max_length=300, blank=True)
    low = models.DecimalField(_("uncertainty: low"), null=True, blank=True, **VALUE_DIGITS)
    high = models.DecimalField(_("uncertainty: high"), null=True, blank=True, **VALUE_DIGITS)
    quality = models.CharField(
        _("data-quality grade"), max_length=1, choices=Quality.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    return_reason = models.TextField(_("reason returned"), blank=True)
    warnings = models.JSONField(_("rule warnings"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        # The natural key's unique index serves this order at any size (see the API guide).
        ordering = ["indicator_id", "state_id", "period", "disaggregation"]
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "state", "period", "disaggregation"],
                name="value_natural_key",
                violation_error_message=_(
                    "There is already a value for this indicator, state, period and disaggregation."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(low__isnull=True)
                | models.Q(high__isnull=True)
                | models.Q(low__lte=models.F("high")),
                name="value_range_ordered",
                violation_error_message=_("The low end of the range is above the high end."),
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "state", "period_start"], name="value_series_idx"),
            models.Index(fields=["period", "status"], name="value_period_idx"),
            models.Index(fields=["state", "period", "status"], name="value_state_idx"),
        ]

    def __str__(self) -> str:
        cell = f" [{self.disaggregation}]" if self.disaggregation else ""
        return f"{self.indicator.code} {self.state.iso3} {self.period}{cell}"

    @property
    def display(self) -> str:
        if self.value is None:
            return self.text_value
        return format_rate(self.value, self.indicator.decimals)

    @property
    def locked(self) -> bool:
        return self.status == self.Status.APPROVED


class ValidationRule(MarkedModel):
    """A declarative check run when values are submitted; it blocks the submission or warns."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT})

    class RuleKind(models.TextChoices):
        RANGE = "range", _("Range (minimum and maximum)")
        PERCENTAGE = "percentage", _("Percentage at most 100")
        COMPARE_INDICATOR = "compare_indicator", _("Comparison with another indicator")
        COMPARE_PREVIOUS = "compare_previous", _("Comparison with the previous period")

    class Severity(models.TextChoices):
        BLOCK = "block", _("Blocks the submission")
        WARN = "warn", _("Warns")

    class Operator(models.TextChoices):
        LTE = "lte", "≤"
        LT = "lt", "<"
        GTE = "gte", "≥"
        GT = "gt", ">"
        EQ = "eq", "="

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="rules"
    )
    code = models.CharField(_("code"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    severity = models.CharField(
        _("severity"), max_length=5, choices=Severity.choices, default=Severity.BLOCK
    )
    minimum = models.DecimalField(_("minimum"), null=True, blank=True, **VALUE_DIGITS)
    maximum = models.DecimalField(_("maximum"), null=True, blank=True, **VALUE_DIGITS)
    operator = models.CharField(_("operator"), max_length=3, choices=Operator.choices, blank=True)
    other = models.ForeignKey(
        Indicator,
        verbose_name=_("other indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    tolerance = models.DecimalField(
        _("largest change from the previous period (%)"),
        null=True,
        blank=True,
        max_digits=8,
        decimal_places=2,
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["indicator__code", "code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "code"],
                name="rule_code_per_indicator",
                violation_error_message=_("This indicator already has a rule with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}/{self.code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.kind == self.RuleKind.RANGE and self.minimum is None and self.maximum is None:
            errors["minimum"] = str(_("A range rule needs a minimum, a maximum or both."))
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            errors["maximum"] = str(_("The maximum is below the minimum."))
        if self.kind == self.RuleKind.COMPARE_INDICATOR and (
            self.other_id is None or not self.operator
        ):
            errors["other"] = str(_("A comparison names the other indicator and an operator."))
        if (
            self.kind == self.RuleKind.COMPARE_PREVIOUS
            and self.tolerance is None
            and not self.operator
        ):
            errors["tolerance"] = str(
                _("A comparison with the previous period needs a tolerance or an operator.")
            )
        if self.tolerance is not None and self.tolerance < Decimal(0):
            errors["tolerance"] = str(_("The tolerance cannot be negative."))
        if errors:
            raise ValidationError(errors)
