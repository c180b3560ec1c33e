from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from seccoop.accounts.home import home
from seccoop.accounts.views import switch_language
from seccoop.api import api
from seccoop.core import views as core_views

admin.site.site_header = "seccoop"
admin.site.site_title = "seccoop"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", home, name="home"),
    path("framework/", include("seccoop.framework.urls")),
    path("accounts/", include("seccoop.accounts.urls")),
    path("needs/", include("seccoop.needs.urls")),
    path("plan/", include("seccoop.plan.urls")),
    path("prioritization/", include("seccoop.prioritization.urls")),
    path("monitoring/", include("seccoop.monitoring.urls")),
    path("funding/", include("seccoop.funding.urls")),
    path("rates/", include("seccoop.core.urls")),
    path("meetings/", include("seccoop.meetings.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler400 = "seccoop.core.views.bad_request"
handler403 = "seccoop.core.views.permission_denied"
handler404 = "seccoop.core.views.page_not_found"
handler500 = "seccoop.core.views.server_error"
