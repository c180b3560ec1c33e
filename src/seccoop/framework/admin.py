from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from . import models


class FrameworkAdmin(RestrictedAdminMixin, TranslationAdmin, SimpleHistoryAdmin):
    pass


@admin.register(models.Organisation)
class OrganisationAdmin(FrameworkAdmin):
    list_display = ("code", "name", "kind", "side", "parent")
    list_filter = ("kind", "side")
    search_fields = ("code", "name")


@admin.register(models.Party)
class PartyAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("iso3", "organisation", "languages", "currencies", "time_zone")


@admin.register(models.Participation)
class ParticipationAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("party", "start", "end")


@admin.register(models.Body)
class BodyAdmin(FrameworkAdmin):
    list_display = ("organisation", "body_type", "meetings_per_year", "venue_rule")


for model in (
    models.Responsibility,
    models.StrategicPriority,
    models.Category,
    models.Criterion,
    models.EngagementLevel,
    models.ReportingAuthority,
    models.Mechanism,
    models.Instrument,
):
    admin.site.register(model, FrameworkAdmin)


@admin.register(models.LevelAuthority)
class LevelAuthorityAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    list_display = ("level", "side", "number", "organisation", "required")
