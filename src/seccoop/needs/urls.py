from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("", views.NeedListView.as_view(), name="need_list"),
    path("matrix/", views.matrix_view, name="matrix"),
    path("template.xlsx", views.template_download, name="template"),
    *views.NeedsImportWizard.urls(),
    path("cycles/", views.CycleListView.as_view(), name="cycle_list"),
    path("cycles/add/", views.CycleEditView.as_view(), name="cycle_add"),
    path("cycles/<id:pk>/", views.CycleEditView.as_view(), name="cycle_edit"),
    path("add/", views.NeedEditView.as_view(), name="need_add"),
    path("<id:pk>/", views.NeedDetailView.as_view(), name="need_detail"),
    path("<id:pk>/edit/", views.NeedEditView.as_view(), name="need_edit"),
    path("<id:pk>/review/", views.need_review, name="need_review"),
    path("<id:pk>/delete/", views.NeedDeleteView.as_view(), name="need_delete"),
    path("<id:pk>/history/", views.NeedHistoryView.as_view(), name="need_history"),
]
