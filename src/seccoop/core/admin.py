from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditEvent, ExchangeRate


class RestrictedAdminMixin:
    """The admin reads through the same access policy as every other page."""

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)  # type: ignore[misc]  # cooperative mixin over ModelAdmin
        return qs.restrict(request.user, "view") if hasattr(qs, "restrict") else qs.none()


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_name", "object_type", "object_repr", "ip", "request_id")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("currency", "date", "units_per_usd", "source")
    list_filter = ("currency",)
