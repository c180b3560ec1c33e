"""Form machinery shared by every module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def https_urls(field: Any, **kwargs: Any) -> Any:
    """Model form fields as Django makes them, with URLs typed without a scheme read as https."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class VersionedModelForm(forms.ModelForm):
    """A model form that carries the record's version (so a stale submission is caught), an
    optional reason for the change (kept in the history), and the user whose scope restricts
    its dropdowns."""

    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["form_version"].initial = self.instance.version
        else:
            del self.fields["form_version"]
