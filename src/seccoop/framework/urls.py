from django.urls import path

from . import views

app_name = "framework"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("diagram/", views.diagram, name="diagram"),
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("categories/<id:pk>/", views.CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<id:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path(
        "categories/<id:pk>/history/", views.CategoryHistoryView.as_view(), name="category_history"
    ),
    path("parties/", views.PartyListView.as_view(), name="party_list"),
    path("parties/<id:pk>/", views.PartyDetailView.as_view(), name="party_detail"),
    path("parties/<id:pk>/history/", views.PartyHistoryView.as_view(), name="party_history"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "organisations/<id:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<id:pk>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation_edit",
    ),
    path(
        "organisations/<id:pk>/history/",
        views.OrganisationHistoryView.as_view(),
        name="organisation_history",
    ),
    path("bodies/", views.BodyListView.as_view(), name="body_list"),
    path("bodies/<id:pk>/", views.BodyDetailView.as_view(), name="body_detail"),
    path("bodies/<id:pk>/history/", views.BodyHistoryView.as_view(), name="body_history"),
]
