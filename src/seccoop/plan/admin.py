from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Benchmark, Measure, MeasureVersion, Milestone, PlanVersion


@admin.register(PlanVersion)
class PlanVersionAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("label", "year", "status", "adopted_on", "adopted_by")
    # Adoption is a decision of a held Dialogue (the meetings service), never an edit here.
    readonly_fields = ("status", "adopted_on", "adopted_by")


@admin.register(Measure)
class MeasureAdmin(RestrictedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    list_display = ("code", "title", "plan", "ended_by", "category", "kind", "status")
    list_filter = ("plan", "ended_by", "kind", "status")
    search_fields = ("code", "title")
    raw_id_fields = ("needs", "parent")


@admin.register(MeasureVersion)
class MeasureVersionAdmin(RestrictedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    list_display = ("code", "title", "plan", "measure", "category", "order")
    list_filter = ("plan",)
    search_fields = ("code", "title")
    raw_id_fields = ("measure",)


@admin.register(Milestone)
class MilestoneAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "measure", "due", "completed_on")


@admin.register(Benchmark)
class BenchmarkAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("description", "value", "measure", "status")
