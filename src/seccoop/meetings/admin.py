from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "body", "start", "time_zone", "status")
