from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.two_factor_verify, name="two_factor_verify"),
    path("sign-out/", views.sign_out, name="logout"),
    path("second-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.AuditEventListView.as_view(), name="audit_list"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/add/", views.ContactEditView.as_view(), name="contact_add"),
    path("contacts/<id:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<id:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<id:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("contacts/<id:pk>/history/", views.ContactHistoryView.as_view(), name="contact_history"),
]
