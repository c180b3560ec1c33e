"""Sign-in (password, then TOTP), second-factor enrolment, profile, API tokens and contacts."""

from __future__ import annotations

import math
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login

from seccoop.core.audit import record_event
from seccoop.core.models import AuditEvent
from seccoop.core.views import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    get_restricted_object,
)

from .filters import AuditEventFilterSet, ContactFilterSet
from .forms import ApiTokenForm, ContactForm, SignInForm, TokenCodeForm
from .models import ApiToken, Contact, Membership, TOTPDevice
from .policy import user_scope
from .services import change_password, create_token, revoke_token

PENDING_USER = "seccoop_pending_user"
PENDING_BACKEND = "seccoop_pending_backend"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _home_for(user: Any) -> str:
    """The home page in the user's preferred language."""
    return translate_url(reverse("home"), user.preferred_language)


def _signed_in(request: HttpRequest, user: Any) -> HttpResponse:
    response = HttpResponseRedirect(_safe_next(request, _home_for(user)))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.preferred_language,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in user's choice is also kept as their preference."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and language != user.preferred_language
    ):
        user.preferred_language = language
        user._change_reason = "Switched language"
        user.save(update_fields=["preferred_language"])
    return response


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first()  # access: the user's own device


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = authenticate(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
            if user is None:
                form.add_error(None, _("The user name or password is not right."))
            else:
                device = confirmed_device(user)
                if device is not None:
                    request.session.cycle_key()
                    request.session[PENDING_USER] = user.pk
                    request.session[PENDING_BACKEND] = user.backend
                    nxt = _safe_next(request, "")
                    url = reverse("accounts:two_factor_verify")
                    return HttpResponseRedirect(f"{url}?next={nxt}" if nxt else url)
                login(request, user)
                if settings.SECCOOP_REQUIRE_2FA:
                    return HttpResponseRedirect(reverse("accounts:two_factor_setup"))
                return _signed_in(request, user)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request, "")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    from .models import User

    pending = request.session.get(PENDING_USER)
    # The user who passed the password step is not signed in yet, so there is no scope to apply.
    active = User.objects.filter(is_active=True)  # access: pre-authentication lookup
    user = active.filter(pk=pending).first() if pending else None
    if user is None or not user.may_sign_in:
        return HttpResponseRedirect(reverse("accounts:login"))
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = confirmed_device(user)
        if device is not None and device.verify_token(form.cleaned_data["code"]):
            user.backend = request.session.get(PENDING_BACKEND)
            login(request, user)
            otp_login(request, device)
            return _signed_in(request, user)
        record_event("auth.second_factor_failed", request=request, username=user.get_username())
        form.add_error("code", _("That code is not right, or it has expired. Try the current one."))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _safe_next(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: show the QR code, confirm with a first code."""
    if confirmed_device(request.user) is not None:
        if request.user.is_verified():
            messages.info(request, _("Your second factor is already set up."))
            return HttpResponseRedirect(reverse("accounts:profile"))
        # A session that has not passed the enrolled factor cannot replace it: sign in with it.
        logout(request)
        messages.info(request, _("Sign in again with a code from your authenticator app."))
        return HttpResponseRedirect(reverse("accounts:login"))
    device = TOTPDevice.objects.filter(
        user=request.user, confirmed=False
    ).first()  # access: own device
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="authenticator", confirmed=False
        )  # access: own device
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=request.user).exclude(
                    pk=device.pk
                ).delete()  # access: own devices
                device.confirmed = True
                device.save()
                record_event("auth.second_factor_enrolled", request=request)
            otp_login(request, device)
            messages.success(
                request,
                _("Your second factor is set up. You will be asked for a code at each sign-in."),
            )
            return HttpResponseRedirect(reverse("home"))
        form.add_error("code", _("That code is not right, or it has expired. Try the current one."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=4, dark="#0b2545", light="#ffffff"),
            "secret": _b32(device),
            "required": settings.SECCOOP_REQUIRE_2FA,
        },
        status=400 if request.method == "POST" else 200,
    )


def _b32(device: TOTPDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return HttpResponseRedirect(reverse("accounts:login"))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What django-axes answers after too many failed sign-ins."""
    record_event(
        "auth.locked_out",
        request=request,
        username=str((credentials or {}).get("username", ""))[:150],
    )
    paused_until = getattr(request, "seccoop_paused_until", None)
    if paused_until is not None:
        # The name-wide pause: the rest of it, rounded up to whole minutes.
        seconds = (paused_until - timezone.now()).total_seconds()
        minutes = max(1, math.ceil(seconds / 60))
    else:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "everywhere": paused_until is not None},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.restrict(request.user, "view")
        .filter(user=request.user)
        .select_related("organisation")
    )
    tokens = ApiToken.objects.restrict(request.user, "view").filter(user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships,
            "tokens": tokens,
            "token_form": ApiTokenForm(),
            "has_device": confirmed_device(request.user) is not None,
            "scope": user_scope(request.user),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (signed in, current password asked), with the house template;
    the change is a service call, so it has a history row and an audit event."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = change_password(
            self.request.user,
            actor=self.request.user,
            password=form.cleaned_data["new_password1"],
            request=self.request,
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password is changed."))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    raw = None
    if form.is_valid():
        try:
            _token, raw = create_token(
                request.user,
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
    tokens = ApiToken.objects.restrict(request.user, "view").filter(user=request.user)
    return render(
        request,
        "accounts/token_created.html",
        {"raw": raw, "form": form, "tokens": tokens},
        status=201 if raw else 400,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    token = get_restricted_object(request, ApiToken, pk, "change")
    revoke_token(token, actor=request.user)
    messages.success(request, _("The token {name} is revoked.").format(name=token.name))
    return HttpResponseRedirect(reverse("accounts:profile"))


# --- contacts (generic views) --------------------------------------------------------------------

CONTACT_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("position", gettext_lazy("Position")),
    Column("owner", gettext_lazy("Owner")),
    Column("email", gettext_lazy("E-mail")),
    Column("phone", gettext_lazy("Telephone")),
    Column("tlp", gettext_lazy("TLP")),
]


class ContactListView(ObjectListView):
    model = Contact
    detail_url_name = "accounts:contact_detail"
    filterset_class = ContactFilterSet
    columns = CONTACT_COLUMNS
    select_related = ("owner",)
    title = gettext_lazy("Contact directory")
    add_url_name = "accounts:contact_add"


class ContactDetailView(ObjectDetailView):
    model = Contact
    template_name = "accounts/contact_detail.html"
    fields = [
        *CONTACT_COLUMNS,
        Column("releasable_to", gettext_lazy("Released to")),
        Column("caveat", gettext_lazy("Handling caveat")),
        Column("notes", gettext_lazy("Notes")),
    ]
    edit_url_name = "accounts:contact_edit"
    delete_url_name = "accounts:contact_delete"
    history_url_name = "accounts:contact_history"

    def get_base_queryset(self) -> Any:
        return (
            Contact.objects.restrict(self.request.user, "view")
            .select_related("owner")
            .prefetch_related("releasable_to")
        )


class ContactHistoryView(ObjectHistoryView):
    model = Contact
    detail_url_name = "accounts:contact_detail"


class ContactEditView(ObjectEditView):
    model = Contact
    form_class = ContactForm
    success_url_name = "accounts:contact_detail"


class ContactDeleteView(ObjectDeleteView):
    model = Contact
    success_url_name = "accounts:contact_list"


AUDIT_COLUMNS = [
    Column("at", gettext_lazy("When (UTC)")),
    Column("actor_name", gettext_lazy("Actor")),
    Column("action", gettext_lazy("Action")),
    Column("object_type", gettext_lazy("Object type")),
    Column("object_id", gettext_lazy("Object id")),
    Column("object_repr", gettext_lazy("Object")),
    Column("ip", gettext_lazy("Client address")),
    Column("path", gettext_lazy("Path")),
    Column("request_id", gettext_lazy("Request id")),
]


class AuditEventListView(ObjectListView):
    """The audit trail for the Commission's secretariat, with filters and CSV/XLSX export."""

    model = AuditEvent
    filterset_class = AuditEventFilterSet
    columns = AUDIT_COLUMNS
    title = gettext_lazy("Audit trail")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The policy grants the audit trail to the secretariat only; for anyone else it answers
        # with no rows at all (an empty query), which is a role the user lacks: 403.
        if self.get_queryset().query.is_empty():
            raise PermissionDenied
        return super().get(request, *args, **kwargs)
