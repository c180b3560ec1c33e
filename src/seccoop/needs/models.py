"""The Caribbean Needs Assessment Matrix: what each state lacks, and what it costs."""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Party


class AssessmentCycle(MarkedModel):
    """One year's needs assessment, opened and closed by the Commission."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.SECRETARIAT})

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2010), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    valuation_date = models.DateField(
        _("valuation date"),
        help_text=_("Costs are converted to USD at the exchange rate of this date."),
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")

    def __str__(self) -> str:
        return str(self.year)

    def save(self, *args: object, **kwargs: object) -> None:
        if self.valuation_date is None:
            self.valuation_date = date(self.year, 1, 1)
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # Model.save's own signature


class Need(MarkedModel):
    """A state's need in one category of a cycle: what is lacking, how severe, what it costs."""

    default_tlp = TLP.AMBER
    editor_roles = frozenset({Role.FOCAL_POINT, Role.SECRETARIAT})
    #: Who validates or returns a submitted need (of the organisations it is released to; the
    #: service narrows this to the Commission).
    reviewer_roles = frozenset({Role.SECRETARIAT})

    class GapType(models.TextChoices):
        EQUIPMENT = "equipment", _("Equipment")
        TRAINING = "training", _("Training")
        LEGISLATION = "legislation", _("Legislation")
        PERSONNEL = "personnel", _("Personnel")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        TECHNOLOGY = "technology", _("Technology")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VALIDATED = "validated", _("Validated by the Commission")
        RETURNED = "returned", _("Returned")

    cycle = models.ForeignKey(
        AssessmentCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="needs"
    )
    state = models.ForeignKey(
        Party, verbose_name=_("state"), on_delete=models.PROTECT, related_name="needs"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="needs"
    )
    reference = models.CharField(
        _("reference"),
        max_length=40,
        help_text=_(
            "The state's own reference; with cycle, state and category it identifies the need on re-import."
        ),
    )
    sub_area = models.CharField(_("sub-area"), max_length=120, blank=True)
    description = models.TextField(_("description"))
    severity = models.PositiveSmallIntegerField(
        _("severity (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    gap_type = models.CharField(_("gap type"), max_length=16, choices=GapType.choices)
    amount = models.DecimalField(_("estimated cost"), max_digits=15, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    amount_usd = models.DecimalField(
        _("estimated cost (USD)"), max_digits=15, decimal_places=2, editable=False
    )
    priority_rank = models.PositiveSmallIntegerField(
        _("state's priority rank"), null=True, blank=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )

    class Meta:
        ordering = ["cycle", "state__iso3", "category__code", "reference"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "state", "category", "reference"],
                name="need_natural_key",
                violation_error_message=_(
                    "This state already has a need with this reference in this category and cycle."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="need_amount_not_negative",
                violation_error_message=_("A cost cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=5),
                name="need_severity_range",
                violation_error_message=_("Severity runs from 1 to 5."),
            ),
        ]
        indexes = [models.Index(fields=["cycle", "state", "category"], name="need_matrix_idx")]

    def __str__(self) -> str:
        return f"{self.state.iso3} {self.category.code} {self.reference}"
