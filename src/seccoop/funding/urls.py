from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.coverage_view, name="coverage"),
    path("committee/", views.committee_view, name="committee"),
    path("measures/<id:pk>/", views.measure_funding_view, name="measure"),
    path("transactions/", views.TransactionListView.as_view(), name="transaction_list"),
    path("budgets/", views.BudgetListView.as_view(), name="budget_list"),
    path("budgets/new/", views.BudgetEditView.as_view(), name="budget_add"),
    path("budgets/<id:pk>/edit/", views.BudgetEditView.as_view(), name="budget_edit"),
    path("accounts/", views.AccountListView.as_view(), name="account_list"),
    path("iati/import/", views.iati_import_view, name="iati_import"),
    path("transactions/new/", views.TransactionEditView.as_view(), name="transaction_add"),
    path("transactions/<id:pk>/", views.TransactionDetailView.as_view(), name="transaction_detail"),
    path(
        "transactions/<id:pk>/edit/", views.TransactionEditView.as_view(), name="transaction_edit"
    ),
    path(
        "transactions/<id:pk>/history/",
        views.TransactionHistoryView.as_view(),
        name="transaction_history",
    ),
]
