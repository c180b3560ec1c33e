from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Budget, FundingAccount, ImportReport


@admin.register(FundingAccount)
class FundingAccountAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "owner", "tlp")
    search_fields = ("code", "name")


@admin.register(Budget)
class BudgetAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("measure", "owner", "period_start", "period_end", "amount", "currency", "type")
    list_filter = ("type", "status")


@admin.register(ImportReport)
class ImportReportAdmin(admin.ModelAdmin):
    """What each IATI import matched, created and skipped, and why (read-only)."""

    list_display = ("created_at", "source", "actor")
    readonly_fields = ("created_at", "source", "actor", "summary", "lines")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
