from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import ApiToken, Contact, Membership, TOTPDevice, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("organisation", "role", "start", "end")


@admin.register(User)
class UserAdmin(RestrictedAdminMixin, DjangoUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("seccoop", {"fields": ("preferred_language", "is_demo")}),
    )
    # Set by the demo loader only: clearing it would open a persona with a published password.
    readonly_fields = ("is_demo",)
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_demo",
    )
    list_filter = (*DjangoUserAdmin.list_filter, "is_demo")


@admin.register(Membership)
class MembershipAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("user", "organisation", "role", "start", "end")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__code")


@admin.register(ApiToken)
class ApiTokenAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = (
        "user",
        "prefix",
        "digest",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    )
    fields = (
        "name",
        "user",
        "prefix",
        "digest",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created by their owner (profile page or `seccoop token create`)


@admin.register(Contact)
class ContactAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "owner", "position", "tlp")
    list_filter = ("tlp",)
    search_fields = ("name", "email")


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Platform administrators see who has an authenticator and delete a lost one (the person
    then enrols a new one at their next sign-in). The secret key is never shown."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
