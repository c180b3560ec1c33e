from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from seccoop.core.admin import RestrictedAdminMixin

from .models import Assignment, PrioritizationCycle, Run, Score, Weight

for model in (PrioritizationCycle, Weight, Assignment, Score, Run):
    admin.site.register(
        model, type(f"{model.__name__}Admin", (RestrictedAdminMixin, SimpleHistoryAdmin), {})
    )
