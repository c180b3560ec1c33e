"""The partner officer's transaction and budget forms: the ledger entry with its recipient shares.
A partner officer is offered only the organisations they book for and those organisations' funding
accounts; the service refuses anything else (decision 0021)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import VersionedModelForm
from seccoop.core.markings import TLP
from seccoop.core.money import CURRENCIES
from seccoop.core.policy import get_policy
from seccoop.framework.models import Party
from seccoop.plan.models import Measure

from .models import Budget, FundingAccount, Transaction

#: The code that stands, in the recipient shares, for the part not attributable to a State.
REGIONAL = "REG"


def own_accounts(user: Any, model: Any) -> Any:
    """The funding accounts of the organisations ``user`` books for."""
    return (
        FundingAccount.objects.restrict(user, "view")
        .filter(owner__in=get_policy().allowed_owners(model, user))
        .select_related("owner")
    )


class TransactionForm(VersionedModelForm):
    """``shares`` is typed as ``JAM 50, TTO 50``: ISO alpha-3 codes and percentages summing to
    100; empty for a regional transaction."""

    shares_text = forms.CharField(
        label=_("Recipient shares"),
        required=False,
        max_length=500,
        help_text=_(
            "e.g. JAM 60, TTO 40 (percentages summing to 100); REG for a part not attributable "
            "to a State; empty for regional."
        ),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[])

    class Meta:
        model = Transaction
        fields = [
            "owner",
            "type",
            "measure",
            "value_date",
            "amount",
            "currency",
            "account",
            "receiver",
            "reference",
            "description",
            "shares_text",
            "needs",
            "tlp",
        ]
        widgets = {"value_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"owner": _("Provider (your organisation)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_policy().allowed_owners(Transaction, self.user)
        self.fields["currency"].choices = [(c, c) for c in sorted(CURRENCIES)]
        self.fields["currency"].initial = "USD"
        self.fields["measure"].queryset = (
            Measure.objects.restrict(self.user, "view")
            .select_related("plan")
            .order_by("-plan__year", "plan", "order", "code")
        )
        self.fields["account"].queryset = own_accounts(self.user, Transaction)
        from seccoop.needs.models import Need

        self.fields["needs"].queryset = Need.objects.restrict(self.user, "view").select_related(
            "state", "category", "cycle"
        )
        self.fields["needs"].required = False
        self.fields["tlp"].choices = [c for c in TLP.choices if c[0] != TLP.RED]
        states = Party.objects.restrict(self.user, "view").select_related("organisation")
        self.fields["shares_text"].help_text = _(
            "e.g. JAM 60, TTO 40 (percentages summing to 100); empty for regional. The States: "
            "{states}."
        ).format(states="; ".join(f"{p.iso3} {p}" for p in states))
        if self.instance.pk:
            self.initial["shares_text"] = ", ".join(
                f"{s.state.iso3 if s.state_id else REGIONAL} {s.percentage:g}"
                for s in self.instance.shares.select_related("state")
            )
            self.fields["shares_text"].help_text = _("Now: {shares}. {help}").format(
                shares="; ".join(
                    str(s) for s in self.instance.shares.select_related("state__organisation")
                ),
                help=self.fields["shares_text"].help_text,
            )

    def clean_shares_text(self) -> list[tuple[Party | None, Decimal]]:
        text = self.cleaned_data.get("shares_text", "").strip()
        if not text:
            return []
        states = {p.iso3: p for p in Party.objects.restrict(self.user, "view")}
        shares = []
        for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
            bits = part.replace("%", " ").split()
            if len(bits) != 2:
                raise ValidationError(
                    _("Write each share as a State code and a percentage, e.g. JAM 60.")
                )
            code, raw = bits[0].upper(), bits[1]
            if code != REGIONAL and code not in states:
                raise ValidationError(_("Unknown state '{code}'.").format(code=code[:5]))
            try:
                pct = Decimal(raw)
            except InvalidOperation:
                raise ValidationError(
                    _("'{value}' is not a percentage.").format(value=raw[:10])
                ) from None
            shares.append((states[code] if code != REGIONAL else None, pct))
        return shares


class BudgetForm(VersionedModelForm):
    currency = forms.ChoiceField(label=_("Currency"), choices=[])

    class Meta:
        model = Budget
        fields = [
            "owner",
            "measure",
            "account",
            "type",
            "status",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "value_date",
            "tlp",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
            "value_date": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"owner": _("Partner (your organisation)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_policy().allowed_owners(Budget, self.user)
        self.fields["currency"].choices = [(c, c) for c in sorted(CURRENCIES)]
        self.fields["currency"].initial = "USD"
        self.fields["measure"].queryset = (
            Measure.objects.restrict(self.user, "view")
            .select_related("plan")
            .order_by("-plan__year", "plan", "order", "code")
        )
        self.fields["account"].queryset = own_accounts(self.user, Budget)
        self.fields["tlp"].choices = [c for c in TLP.choices if c[0] != TLP.RED]
