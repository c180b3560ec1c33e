from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Meeting, PreparationTemplate


@admin.register(Meeting)
class MeetingAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "body", "start", "time_zone", "status")


@admin.register(PreparationTemplate)
class PreparationTemplateAdmin(RestrictedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    """The default Dialogue preparations checklist: each new Dialogue gets a copy of the active
    tasks, due the given number of days before its first day."""

    list_display = ("title", "days_before", "owner", "active")
    list_filter = ("active",)
