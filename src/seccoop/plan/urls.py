from django.urls import path

from . import views

app_name = "plan"

urlpatterns = [
    path("", views.PlanVersionListView.as_view(), name="version_list"),
    path("diff/", views.diff_view, name="diff"),
    path("measures/", views.MeasureListView.as_view(), name="measure_list"),
    path("measures/<id:pk>/", views.MeasureDetailView.as_view(), name="measure_detail"),
    path("measures/<id:pk>/edit/", views.MeasureEditView.as_view(), name="measure_edit"),
    path("measures/<id:pk>/history/", views.MeasureHistoryView.as_view(), name="measure_history"),
    path("measures/<id:pk>/milestones/", views.add_milestone, name="milestone_add"),
    path("entries/<id:pk>/edit/", views.MeasureContentEditView.as_view(), name="entry_edit"),
    path("milestones/<id:pk>/edit/", views.MilestoneEditView.as_view(), name="milestone_edit"),
    path("benchmarks/<id:pk>/edit/", views.BenchmarkEditView.as_view(), name="benchmark_edit"),
    path("<id:pk>/", views.PlanVersionDetailView.as_view(), name="version_detail"),
    path("<id:pk>/history/", views.PlanVersionHistoryView.as_view(), name="version_history"),
    path("<id:pk>/adopt/", views.adopt_version, name="version_adopt"),
    path("<id:pk>/measures/add/", views.MeasureAddView.as_view(), name="measure_add"),
    path("<id:pk>/next/", views.next_version, name="version_next"),
]
