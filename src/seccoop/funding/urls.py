from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.coverage_view, name="coverage"),
    path("committee/", views.committee_view, name="committee"),
    path("transactions/", views.TransactionListView.as_view(), name="transaction_list"),
    path("transactions/new/", views.TransactionEditView.as_view(), name="transaction_add"),
    path(
        "transactions/<str:pk>/", views.TransactionDetailView.as_view(), name="transaction_detail"
    ),
    path(
        "transactions/<str:pk>/edit/", views.TransactionEditView.as_view(), name="transaction_edit"
    ),
    path(
        "transactions/<str:pk>/history/",
        views.TransactionHistoryView.as_view(),
        name="transaction_history",
    ),
]
