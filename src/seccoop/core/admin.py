from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditEvent, ExchangeRate


class RestrictedAdminMixin:
    """The admin reads through the same access policy as every other page."""

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)  # type: ignore[misc]  # cooperative mixin over ModelAdmin
        return qs.restrict(request.user, "view") if hasattr(qs, "restrict") else qs.none()

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """An id that cannot be one of this model's (``x``, ``1/../2``) leads back to the list
        saying the record does not exist, as the change page does, instead of failing in the
        history's query."""
        try:
            self.model._meta.pk.to_python(unquote(object_id))  # type: ignore[attr-defined]  # a mixin: the admin class gives model
        except (ValidationError, ValueError):
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]  # ModelAdmin's own helper
                request,
                self.model._meta,  # type: ignore[attr-defined]  # a mixin: the admin class gives model
                object_id,
            )
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]  # simple-history's admin is untyped


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
