"""Domain-free base models: timestamps, optimistic-concurrency version, history, audit events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import RestrictedManager


class History(HistoricalRecords):
    """django-simple-history, tolerant of per-language columns added after the model is built.

    Per-language columns (``name_es`` …) are added by django-modeltranslation once the historical
    model exists, so they are not copied into it; the history keeps the default-language value.
    """

    def fields_included(self, model: Any) -> list[Any]:
        return [f for f in super().fields_included(model) if not hasattr(f, "translated_field")]


def mark_history(obj: models.Model, *, reason: str, user: Any = None) -> None:
    """Give the next save of ``obj`` its history reason and, when known, its author."""
    obj._change_reason = reason  # type: ignore[attr-defined]  # read by django-simple-history
    if user is not None:
        obj._history_user = user  # type: ignore[attr-defined]  # read by django-simple-history


class BaseModel(models.Model):
    """Every domain record: timestamps, a version for optimistic concurrency, and history.

    ``version`` starts at 1 and goes up by one on every change made through a service or a generic
    edit view; a writer holding an older version is refused (see ``core.concurrency``).
    """

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = History(inherit=True, history_change_reason_field=models.TextField(null=True))
    objects = RestrictedManager()

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """An append-only record of a security-relevant event: sign-ins, denials, workflow milestones."""

    #: Read by the Commission's secretariat and platform administrators only (see the policy).
    access = "audit"

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_name}".strip()


class ExchangeRate(BaseModel):
    """How many units of a currency buy one US dollar on a date (for converting to USD)."""

    access = "reference"

    date = models.DateField(_("date"))
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    units_per_usd = models.DecimalField(_("units per US dollar"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="exchangerate_unique_day",
                violation_error_message=_("There is already a rate for this currency and day."),
            ),
            models.CheckConstraint(
                condition=models.Q(units_per_usd__gt=0),
                name="exchangerate_positive",
                violation_error_message=_("A rate must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.units_per_usd} = 1 USD ({self.date:%Y-%m-%d})"
