from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import BoundedForm, VersionedModelForm
from seccoop.core.markings import TLP
from seccoop.core.policy import get_policy
from seccoop.framework.models import Organisation

from .models import ApiToken, Contact


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenCodeForm(BoundedForm):
    code = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits your app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ApiTokenForm(BoundedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = [
            "owner",
            "name",
            "position",
            "email",
            "phone",
            "notes",
            "tlp",
            "releasable_to",
            "caveat",
        ]
        widgets = {
            "releasable_to": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Dropdowns offer only what the caller may use.
        self.fields["owner"].queryset = get_policy().allowed_owners(Contact, self.user)
        self.fields["releasable_to"].queryset = Organisation.objects.restrict(
            self.user, "view"
        ).filter(
            kind__in=[Organisation.Kind.PARTY, Organisation.Kind.BODY, Organisation.Kind.PARTNER]
        )
        # RED needs named recipients, which this form does not manage.
        self.fields["tlp"].choices = [c for c in TLP.choices if c[0] != TLP.RED]
        if not self.instance.pk:
            self.fields["tlp"].initial = Contact.default_tlp
