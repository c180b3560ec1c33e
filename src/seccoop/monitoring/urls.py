from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.IndicatorListView.as_view(), name="indicator_list"),
    path("indicators/add/", views.IndicatorEditView.as_view(), name="indicator_add"),
    path("indicators/<id:pk>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("indicators/<id:pk>/edit/", views.IndicatorEditView.as_view(), name="indicator_edit"),
    path(
        "indicators/<id:pk>/history/",
        views.IndicatorHistoryView.as_view(),
        name="indicator_history",
    ),
    path("indicators/<id:pk>/chart.svg", views.chart, name="chart"),
    path("values/", views.ValueListView.as_view(), name="value_list"),
    path("values/<id:pk>/", views.ValueDetailView.as_view(), name="value_detail"),
    path("values/<id:pk>/edit/", views.value_edit, name="value_edit"),
    path("values/<id:pk>/action/", views.value_action, name="value_action"),
    path("values/<id:pk>/history/", views.ValueHistoryView.as_view(), name="value_history"),
    path("entry/", views.entry, name="entry"),
    path("review/", views.review, name="review"),
    path("targets/", views.TargetListView.as_view(), name="target_list"),
    path("targets/add/", views.TargetEditView.as_view(), name="target_add"),
    path("targets/<id:pk>/", views.TargetEditView.as_view(), name="target_edit"),
    path("targets/<id:pk>/history/", views.TargetHistoryView.as_view(), name="target_history"),
    path("baselines/add/", views.BaselineEditView.as_view(), name="baseline_add"),
    path("baselines/<id:pk>/", views.BaselineEditView.as_view(), name="baseline_edit"),
    path(
        "baselines/<id:pk>/history/", views.BaselineHistoryView.as_view(), name="baseline_history"
    ),
    path("rules/add/", views.RuleEditView.as_view(), name="rule_add"),
    path("rules/<id:pk>/", views.RuleEditView.as_view(), name="rule_edit"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("public/", views.public_view, name="public"),
    *views.ValuesImportWizard.urls(),
    path("template.xlsx", views.template_download, name="template"),
]
