from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Benchmark, Measure, Milestone, PlanVersion


@admin.register(PlanVersion)
class PlanVersionAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("label", "year", "status", "adopted_on", "adopted_by")


@admin.register(Measure)
class MeasureAdmin(RestrictedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    list_display = ("code", "title", "plan", "category", "kind", "status")
    list_filter = ("plan", "kind", "status")
    search_fields = ("code", "title")
    raw_id_fields = ("needs", "parent")


@admin.register(Milestone)
class MilestoneAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "measure", "due", "completed_on")


@admin.register(Benchmark)
class BenchmarkAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("description", "value", "measure", "status")
