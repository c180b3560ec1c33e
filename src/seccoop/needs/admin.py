from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import AssessmentCycle, Need


@admin.register(AssessmentCycle)
class AssessmentCycleAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("year", "status", "valuation_date")


@admin.register(Need)
class NeedAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "cycle",
        "state",
        "category",
        "reference",
        "amount",
        "currency",
        "amount_usd",
        "status",
        "tlp",
    )
    list_filter = ("cycle", "status", "gap_type", "tlp")
    search_fields = ("reference", "description")
    readonly_fields = ("amount_usd",)
