from django.urls import path

from . import views

app_name = "framework"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("diagram/", views.diagram, name="diagram"),
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("categories/<str:pk>/", views.CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<str:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path(
        "categories/<str:pk>/history/", views.CategoryHistoryView.as_view(), name="category_history"
    ),
    path("parties/", views.PartyListView.as_view(), name="party_list"),
    path("parties/<str:pk>/", views.PartyDetailView.as_view(), name="party_detail"),
    path("parties/<str:pk>/history/", views.PartyHistoryView.as_view(), name="party_history"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "organisations/<str:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<str:pk>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation_edit",
    ),
    path(
        "organisations/<str:pk>/history/",
        views.OrganisationHistoryView.as_view(),
        name="organisation_history",
    ),
    path("bodies/", views.BodyListView.as_view(), name="body_list"),
    path("bodies/<str:pk>/", views.BodyDetailView.as_view(), name="body_detail"),
    path("bodies/<str:pk>/history/", views.BodyHistoryView.as_view(), name="body_history"),
]
