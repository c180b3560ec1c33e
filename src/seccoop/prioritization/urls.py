from django.urls import path

from . import views

app_name = "prioritization"

urlpatterns = [
    path("", views.CycleListView.as_view(), name="cycle_list"),
    path("my-assignments/", views.MyAssignmentsView.as_view(), name="my_assignments"),
    path("compare/", views.RunCompareView.as_view(), name="run_compare"),
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("runs/<id:pk>/", views.run_detail, name="run_detail"),
    path("runs/<id:pk>/apply/", views.RunApplyView.as_view(), name="run_apply"),
    path("runs/<id:pk>/history/", views.RunHistoryView.as_view(), name="run_history"),
    path("weights/<id:pk>/history/", views.WeightHistoryView.as_view(), name="weight_history"),
    path("scores/<id:pk>/history/", views.ScoreHistoryView.as_view(), name="score_history"),
    path("<id:pk>/", views.CycleDetailView.as_view(), name="cycle_detail"),
    path("<id:pk>/runs/", views.RunCreateView.as_view(), name="run_create"),
    path("<id:pk>/assessors/", views.CycleAssessorsView.as_view(), name="cycle_assessors"),
    path("<id:pk>/history/", views.CycleHistoryView.as_view(), name="cycle_history"),
]
