from django.urls import path

from . import views

app_name = "prioritization"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("my-assignments/", views.my_assignments, name="my_assignments"),
    path("compare/", views.run_compare, name="run_compare"),
    path("runs/<id:pk>/", views.run_detail, name="run_detail"),
    path("runs/<id:pk>/apply/", views.run_apply, name="run_apply"),
    path("<id:pk>/", views.cycle_detail, name="cycle_detail"),
    path("<id:pk>/runs/", views.run_create, name="run_create"),
]
