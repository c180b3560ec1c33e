from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from seccoop.core.filters import BaseFilterSet, IdChoiceFilter, visible
from seccoop.core.markings import TLP
from seccoop.framework.models import Organisation

from .models import Contact


class ContactFilterSet(BaseFilterSet):
    search_fields = ("name", "position", "email", "owner__code", "owner__name")

    owner_id = IdChoiceFilter(
        field_name="owner", label=_("Owner (id)"), queryset=visible(Organisation)
    )
    owner = django_filters.CharFilter(
        field_name="owner__code", label=_("Owner (code)"), lookup_expr="iexact"
    )
    tlp = django_filters.ChoiceFilter(label=_("TLP"), choices=TLP.choices)

    class Meta:
        model = Contact
        fields = ["q", "owner_id", "owner", "tlp"]
