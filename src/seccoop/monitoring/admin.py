from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Indicator, ValidationRule


@admin.register(Indicator)
class IndicatorAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "category", "period_type", "is_demo")
    search_fields = ("code", "name")


@admin.register(ValidationRule)
class ValidationRuleAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("indicator", "code", "kind", "severity", "active")
