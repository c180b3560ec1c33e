"""Resource mobilisation: funding accounts, the funding ledger (IATI transaction types), budgets,
and the IATI activities partners publish.

Every amount keeps its original value and currency; ``amount_usd`` is converted by the currency
service at the value date when the record is saved (see ``services``). Transactions and budgets
are marked records owned by the partner organisation that provides the money, so a partner
officer creates and edits only their own organisation's.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from seccoop.accounts.models import MarkedModel, Role
from seccoop.core.formatting import percent_text
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation, Party
from seccoop.needs.models import Need
from seccoop.plan.models import Measure

FUNDERS = frozenset({Role.PARTNER_OFFICER, Role.SECRETARIAT})


class FundingAccount(MarkedModel):
    """An appropriation account or instrument money comes from (US INCLE, ESF, DA, NADR, FMF; an
    EU instrument), owned by the partner that manages it."""

    default_tlp = TLP.CLEAR
    editor_roles = FUNDERS

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("funding account")
        verbose_name_plural = _("funding accounts")

    def __str__(self) -> str:
        return self.code


class TransactionType(models.TextChoices):
    """The IATI TransactionType codelist codes the ledger uses."""

    INCOMING_FUNDS = "1", _("Incoming funds")
    OUTGOING_COMMITMENT = "2", _("Outgoing commitment")
    DISBURSEMENT = "3", _("Disbursement")
    EXPENDITURE = "4", _("Expenditure")
    INCOMING_COMMITMENT = "11", _("Incoming commitment")
    OUTGOING_PLEDGE = "12", _("Outgoing pledge")
    INCOMING_PLEDGE = "13", _("Incoming pledge")


class Activity(MarkedModel):
    """An IATI activity as published (``iati-identifier``), matched to the measure it funds. The
    platform's own measures are published as activities too; this table remembers the identifiers
    of partners' activities so a re-import updates instead of duplicating."""

    default_tlp = TLP.CLEAR
    editor_roles = FUNDERS

    iati_identifier = models.CharField(_("IATI identifier"), max_length=200, unique=True)
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="activities"
    )
    reporting_org = models.ForeignKey(
        Organisation,
        verbose_name=_("reporting organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=500, blank=True)

    class Meta:
        ordering = ["iati_identifier"]
        verbose_name = _("IATI activity")
        verbose_name_plural = _("IATI activities")

    def __str__(self) -> str:
        return self.iati_identifier


class Money(MarkedModel):
    """An amount in its own currency, its USD value at the value date, and what it is for. Only a
    partner officer of the providing organisation records and edits it."""

    default_tlp = TLP.CLEAR
    editor_roles = frozenset({Role.PARTNER_OFFICER})

    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    value_date = models.DateField(_("value date"))
    amount_usd = models.DecimalField(
        _("amount (USD)"), max_digits=16, decimal_places=2, editable=False, default=Decimal(0)
    )
    usd_rate = models.DecimalField(
        _("units per USD used"), max_digits=18, decimal_places=8, editable=False, default=1
    )
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.PROTECT)
    account = models.ForeignKey(
        FundingAccount,
        verbose_name=_("funding account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        abstract = True


class Transaction(Money):
    """One flow of the funding ledger, typed with the IATI transaction types. An amount may be
    negative: a de-commitment, a reversed disbursement or a refund, as partners publish them."""

    type = models.CharField(_("type"), max_length=2, choices=TransactionType.choices)
    reference = models.CharField(
        _("reference"),
        max_length=120,
        blank=True,
        help_text=_("The partner's own reference; re-imports match on it."),
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("IATI activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
    )
    provider = models.ForeignKey(
        Organisation,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_name = models.CharField(_("provider (as published)"), max_length=200, blank=True)
    receiver = models.ForeignKey(
        Organisation,
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver_name = models.CharField(_("receiver (as published)"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    needs = models.ManyToManyField(
        Need, verbose_name=_("needs addressed"), blank=True, related_name="transactions"
    )

    class Meta:
        ordering = ["-value_date", "-pk"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "measure", "reference"],
                condition=~models.Q(reference=""),
                name="transaction_reference_once",
                violation_error_message=_(
                    "This organisation already has a transaction with this reference on this "
                    "measure."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["measure", "provider", "type"], name="transaction_rule_idx"),
            models.Index(fields=["value_date"], name="transaction_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount} {self.currency} {self.value_date}"

    def shares_text(self) -> str:
        """The recipient shares with each State's name, or that the transaction is regional."""
        shares = list(self.shares.all())
        if not shares:
            return str(_("Regional (no State)"))
        return "; ".join(str(s) for s in shares)


class RecipientShare(models.Model):
    """The share of a transaction that goes to one recipient State; a transaction's shares sum to
    100 %. A transaction without shares is regional (not allocated to a State). A share without a
    State is the part that is not attributable to one: what a partner publishes for a region, or
    for a country that is not one of the parties (decision 0020)."""

    # Read only through its transaction (which the policy governs); nobody reads shares directly.
    access = "admin_only"

    transaction = models.ForeignKey(
        Transaction, verbose_name=_("transaction"), on_delete=models.CASCADE, related_name="shares"
    )
    state = models.ForeignKey(
        Party,
        verbose_name=_("state"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the part not attributable to a State (regional)."),
    )
    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["transaction", "state__iso3"]
        verbose_name = _("recipient share")
        verbose_name_plural = _("recipient shares")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "state"], name="share_state_once"),
            models.UniqueConstraint(
                fields=["transaction"],
                condition=models.Q(state__isnull=True),
                name="share_regional_once",
            ),
            models.CheckConstraint(
                condition=models.Q(percentage__gt=0, percentage__lte=100),
                name="share_percentage_range",
            ),
        ]

    def __str__(self) -> str:
        if self.state_id is None:
            return f"{_('Not attributable to a State')} {percent_text(self.percentage)}"
        return f"{self.party_name} ({self.state.iso3}) {percent_text(self.percentage)}"

    @property
    def party_name(self) -> str:
        """The State's name in the active language; empty for the part no State holds."""
        return str(self.state.organisation.name) if self.state_id else ""


class Budget(Money):
    """A budget for a measure over a period: original or revised, indicative or committed (the
    IATI BudgetType and BudgetStatus codelists)."""

    class Type(models.TextChoices):
        ORIGINAL = "1", _("Original")
        REVISED = "2", _("Revised")

    class Status(models.TextChoices):
        INDICATIVE = "1", _("Indicative")
        COMMITTED = "2", _("Committed")

    type = models.CharField(_("type"), max_length=1, choices=Type.choices, default=Type.ORIGINAL)
    status = models.CharField(
        _("status"), max_length=1, choices=Status.choices, default=Status.INDICATIVE
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        ordering = ["measure", "period_start"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="budget_period_order",
                violation_error_message=_("A budget period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="budget_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.measure_id} {self.period_start}–{self.period_end} {self.amount} {self.currency}"
        )


class ImportReport(models.Model):
    """What an IATI import matched, created and skipped, and why (kept for the record)."""

    # Platform administrators only (the policy denies any other access value to everyone else).
    access = "admin_only"

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=250)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.JSONField(_("summary"), default=dict)
    lines = models.JSONField(_("lines"), default=list)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("IATI import report")
        verbose_name_plural = _("IATI import reports")

    def __str__(self) -> str:
        return f"{self.source} {self.created_at:%Y-%m-%d %H:%M}"
