from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from seccoop.core.forms import VersionedModelForm

from .models import Category, Organisation

LANGS = [code for code, _name in settings.LANGUAGES]


class CategoryForm(VersionedModelForm):
    class Meta:
        model = Category
        fields = [f"{f}_{lang}" for f in ("name", "objective") for lang in LANGS]


class OrganisationForm(VersionedModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            *(f"{f}_{lang}" for f in ("name", "short_name") for lang in LANGS),
            "website",
            "iati_identifier",
            "iati_type",
        ]
