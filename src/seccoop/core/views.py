"""Generic views that every module declares its pages on.

Each view reads through ``Model.objects.restrict(user, action)``: an object outside the caller's
scope is a 404, an object the caller may see but not change is a 403. Writes check the record's
``version`` so a stale form is refused with a conflict message instead of overwriting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import InterfaceError, OperationalError, models, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from . import bounds
from .audit import record_event
from .bounds import MAX_ID
from .concurrency import ConflictError, check_version
from .exports import export_response
from .money import RatesImporter
from .policy import get_policy
from .templatetags.seccoop import cell
from .wizard import ImportWizard, UploadForm


def bounded_pk(raw: Any) -> int:
    """A path id as an int in 1 … 2⁶³−1; anything else is a 404 (never a database overflow)."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


class InvalidParameter(Exception):
    """A query parameter out of its type or range: answered 400 naming it (see the middleware)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def _query_number(request: HttpRequest, name: str, field: forms.IntegerField) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value: int = field.clean(raw)
        return value
    except ValidationError as exc:
        raise InvalidParameter(name, " ".join(exc.messages)) from None


def query_year(request: HttpRequest, name: str) -> int | None:
    """The query parameter ``name`` as a year in 1990–2100 (None when absent or empty)."""
    return _query_number(
        request, name, forms.IntegerField(min_value=bounds.MIN_YEAR, max_value=bounds.MAX_YEAR)
    )


def query_id(request: HttpRequest, name: str) -> int | None:
    """The query parameter ``name`` as a record id in 1 … 2⁶³−1 (None when absent or empty)."""
    return _query_number(
        request, name, forms.IntegerField(min_value=bounds.MIN_ID, max_value=bounds.MAX_ID)
    )


def get_restricted_object(
    request: HttpRequest,
    model: type[models.Model],
    pk: Any,
    action: str = "view",
    queryset: Any = None,
) -> Any:
    """Fetch one object through the access policy.

    Not visible: 404 (and an audit event). Visible but ``action`` not allowed: 403.
    """
    pk = bounded_pk(pk)
    base = queryset if queryset is not None else model.objects.restrict(request.user, "view")  # type: ignore[attr-defined]  # every domain model has the restricted manager
    obj = base.restrict(request.user, "view").filter(pk=pk).first()
    if obj is None:
        record_event(
            "access.denied",
            request=request,
            object_type=model._meta.label_lower,
            object_id=str(pk),
            reason="not visible",
        )
        raise Http404
    if action != "view" and not base.restrict(request.user, action).filter(pk=pk).exists():
        record_event("access.denied", request=request, obj=obj, reason=f"no {action} right")
        raise PermissionDenied
    return obj


@dataclass(frozen=True)
class Column:
    """One column of a list page or export: an attribute path and a label."""

    accessor: str
    label: str
    link: bool = False
    #: How a number in this column reads (``core.numbers``): amount, rate or percent.
    kind: str = ""

    def value(self, obj: Any) -> Any:
        value: Any = obj
        for part in self.accessor.split("__"):
            if value is None:
                return ""
            value = getattr(value, part)
            if callable(value) and not isinstance(value, models.Manager):
                value = value()
        if isinstance(value, models.Manager):
            return ", ".join(str(v) for v in value.all())
        return "" if value is None else value

    def display(self, obj: Any) -> Any:
        """The value as a page shows it: a number of a known kind formatted by ``core.numbers``."""
        value = self.value(obj)
        if self.kind and value != "":
            return cell(value, self.kind)
        return value


class LoginRequiredIfNeeded:
    login_required: ClassVar[bool] = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.login_required and not request.user.is_authenticated:
            login = reverse(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login}?next={request.get_full_path()}")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # cooperative mixin over View


class ObjectListView(LoginRequiredIfNeeded, View):
    """A filtered, paginated list with CSV/XLSX export of the same filtered rows."""

    model: ClassVar[type[models.Model]]
    filterset_class: ClassVar[Any] = None
    columns: ClassVar[list[Column]] = []
    select_related: ClassVar[tuple[str, ...]] = ()
    prefetch_related: ClassVar[tuple[str, ...]] = ()
    template_name: ClassVar[str] = "core/object_list.html"
    title: ClassVar[Any] = ""
    add_url_name: ClassVar[str | None] = None
    detail_url_name: ClassVar[str | None] = None
    export_limit: ClassVar[int] = 100_000

    def get_queryset(self) -> Any:
        qs = self.model.objects.restrict(self.request.user, "view")  # type: ignore[attr-defined]  # restricted manager
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        qs = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET, queryset=qs, request=request)
            qs = filterset.qs if filterset.is_valid() else qs.none()
        fmt = request.GET.get("export")
        if fmt in {"csv", "xlsx"}:
            rows = list(qs[: self.export_limit])
            return export_response(self.model, self.columns, rows, fmt, title=str(self.title))
        try:
            per_page = min(
                int(request.GET.get("per_page", settings.PAGE_SIZE)), settings.MAX_PAGE_SIZE
            )
        except ValueError:
            per_page = settings.PAGE_SIZE
        paginator = Paginator(qs, max(per_page, 1))
        try:
            page = paginator.page(request.GET.get("page", 1))
        except (EmptyPage, PageNotAnInteger):
            page = paginator.page(1)
        query = request.GET.copy()
        query.pop("page", None)
        can_add = self.add_url_name is not None and get_policy().can_add(self.model, request.user)
        context = {
            "title": self.title or self.model._meta.verbose_name_plural,
            "model_meta": self.model._meta,
            "columns": self.columns,
            "rows": [
                (
                    reverse(self.detail_url_name, args=[obj.pk]) if self.detail_url_name else None,
                    [(c, c.value(obj)) for c in self.columns],
                )
                for obj in page.object_list
            ],
            "page": page,
            "paginator": paginator,
            "filterset": filterset,
            "querystring": query.urlencode(),
            "add_url": reverse(self.add_url_name) if can_add and self.add_url_name else None,
        }
        context.update(self.extra_context())
        return render(request, self.template_name, context)

    def extra_context(self) -> dict[str, Any]:
        return {}


class ObjectDetailView(LoginRequiredIfNeeded, View):
    """One object, with its fields; the history tab is :class:`ObjectHistoryView`."""

    model: ClassVar[type[models.Model]]
    template_name: ClassVar[str] = "core/object_detail.html"
    fields: ClassVar[list[Column]] = []
    queryset_hook: ClassVar[Any] = None
    edit_url_name: ClassVar[str | None] = None
    delete_url_name: ClassVar[str | None] = None
    history_url_name: ClassVar[str | None] = None

    def get_base_queryset(self) -> Any:
        return self.model.objects.restrict(self.request.user, "view")  # type: ignore[attr-defined]  # restricted manager

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = get_restricted_object(request, self.model, pk, "view", self.get_base_queryset())
        can_change = type(obj).objects.restrict(request.user, "change").filter(pk=obj.pk).exists()
        context = {
            "object": obj,
            "model_meta": self.model._meta,
            "fields": [(c.label, c.display(obj)) for c in self.fields],
            "edit_url": reverse(self.edit_url_name, args=[obj.pk])
            if can_change and self.edit_url_name
            else None,
            "delete_url": reverse(self.delete_url_name, args=[obj.pk])
            if can_change and self.delete_url_name
            else None,
            "history_url": reverse(self.history_url_name, args=[obj.pk])
            if self.history_url_name
            else None,
        }
        context.update(self.extra_context(obj))
        return render(request, self.template_name, context)

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {}


class ObjectHistoryView(LoginRequiredIfNeeded, View):
    """The history of one object: who changed what, when, and why."""

    model: ClassVar[type[models.Model]]
    template_name: ClassVar[str] = "core/object_history.html"
    detail_url_name: ClassVar[str | None] = None

    def get_base_queryset(self) -> Any:
        return self.model.objects.restrict(self.request.user, "view")  # type: ignore[attr-defined]  # restricted manager

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = get_restricted_object(request, self.model, pk, "view", self.get_base_queryset())
        records = list(
            obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
                :200
            ]
        )
        entries = []
        for record in records:
            changes = []
            if record.prev_record is not None:
                delta = record.diff_against(record.prev_record)
                changes = [(c.field, c.old, c.new) for c in delta.changes]
            entries.append({"record": record, "changes": changes})
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "model_meta": self.model._meta,
                "entries": entries,
                "detail_url": reverse(self.detail_url_name, args=[obj.pk])
                if self.detail_url_name
                else None,
            },
        )


class ObjectEditView(LoginRequiredIfNeeded, View):
    """Create (no pk) or edit one object through its form, with the version check."""

    model: ClassVar[type[models.Model]]
    form_class: ClassVar[type[forms.ModelForm]]
    template_name: ClassVar[str] = "core/object_edit.html"
    success_url_name: ClassVar[str] = ""
    reason_required: ClassVar[bool] = False
    #: Records the user may read but not change are "not found" (404) rather than forbidden
    #: (403): for ledgers where each organisation works only on its own rows.
    hide_unchangeable: ClassVar[bool] = False

    def get_form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        return self.form_class(data=data, instance=instance, user=request.user)  # type: ignore[call-arg]  # our forms take the user to restrict their dropdowns

    def get_instance(self, request: HttpRequest, pk: Any) -> Any:
        if pk is None:
            if not get_policy().can_add(self.model, request.user):
                record_event(
                    "access.denied",
                    request=request,
                    object_type=self.model._meta.label_lower,
                    reason="no add right",
                )
                raise PermissionDenied
            return self.model()
        if self.hide_unchangeable:
            changeable = self.model.objects.restrict(request.user, "change")  # type: ignore[attr-defined]  # restricted manager
            return get_restricted_object(request, self.model, pk, queryset=changeable)
        return get_restricted_object(request, self.model, pk, "change")

    def render_form(
        self, request: HttpRequest, form: Any, instance: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "object": instance if instance.pk else None,
                "model_meta": self.model._meta,
                "reason_required": self.reason_required,
                **self.form_context(form, instance),
            },
            status=status,
        )

    def form_context(self, form: Any, instance: Any) -> dict[str, Any]:
        """More for the form page: ``notices`` (information) and ``warnings`` (lists of text)."""
        return {}

    def get(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        instance = self.get_instance(request, pk)
        return self.render_form(request, self.get_form(request, instance), instance)

    def post(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        instance = self.get_instance(request, pk)
        form = self.get_form(request, instance, data=request.POST)
        if not form.is_valid():
            return self.render_form(request, form, instance, status=400)
        reason = form.cleaned_data.get("change_reason", "")
        if self.reason_required and instance.pk and not reason:
            form.add_error("change_reason", _("Give a reason for this change."))
            return self.render_form(request, form, instance, status=400)
        creating = instance.pk is None
        try:
            with transaction.atomic():
                if not creating:
                    locked = (
                        type(instance)
                        .objects.restrict(request.user, "change")
                        .select_for_update()
                        .get(pk=instance.pk)
                    )
                    check_version(locked, form.cleaned_data.get("form_version"))
                obj = self.save_object(
                    form,
                    version=None if creating else locked.version,
                    reason=reason or (_("Created") if creating else _("Edited")),
                )
                # Re-check inside the transaction that the author can still see what they wrote.
                if not type(obj).objects.restrict(request.user, "view").filter(pk=obj.pk).exists():
                    raise _OutOfScope
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.render_form(request, form, instance, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form, instance, status=400)
        except _OutOfScope:
            form.add_error(
                None, _("You would no longer be able to see this record; nothing was saved.")
            )
            return self.render_form(request, form, instance, status=400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.success_url(obj))

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        """Write the form's object (``version`` is the stored one when editing). A module whose
        writes go through a service overrides this; a ValidationError it raises is shown on the
        form and nothing is written."""
        obj = form.save(commit=False)
        if version is not None:
            obj.version = version + 1
        obj._change_reason = reason
        obj.save()
        form.save_m2m()
        return obj

    def success_url(self, obj: Any) -> str:
        return reverse(self.success_url_name, args=[obj.pk])


def add_service_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has that
    field, otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages_ in exc.message_dict.items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


class _OutOfScope(Exception):
    pass


class ObjectDeleteView(LoginRequiredIfNeeded, View):
    """Confirm, then delete one object (with its version checked and its history kept)."""

    model: ClassVar[type[models.Model]]
    template_name: ClassVar[str] = "core/object_delete.html"
    success_url_name: ClassVar[str] = ""

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = get_restricted_object(request, self.model, pk, "delete")
        return render(request, self.template_name, {"object": obj, "model_meta": self.model._meta})

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = get_restricted_object(request, self.model, pk, "delete")
        try:
            with transaction.atomic():
                locked = (
                    type(obj)
                    .objects.restrict(request.user, "delete")
                    .select_for_update()
                    .get(pk=obj.pk)
                )
                check_version(locked, request.POST.get("form_version"))
                locked._change_reason = request.POST.get("change_reason") or _("Deleted")
                locked.delete()
        except ConflictError as exc:
            messages.error(request, str(exc))
            return render(
                request,
                self.template_name,
                {"object": obj, "model_meta": self.model._meta},
                status=409,
            )
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse(self.success_url_name))


# --- error pages ---------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": _("You do not have the right to do this.")}, status=403)
    return render(request, "errors/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return HttpResponse(render_to_string("errors/400.html"), status=400)


def invalid_input(request: HttpRequest, field: str, message: str) -> HttpResponse:
    """A 400 that names the parameter or field at fault (the API's error shape for JSON callers)."""
    if _wants_json(request):
        return JsonResponse(
            {
                "detail": _("The request is not valid."),
                "errors": [{"field": field, "message": message}],
            },
            status=400,
        )
    text = _("{field}: {message}").format(field=field, message=message)
    return HttpResponse(render_to_string("errors/400.html", {"message": text}), status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    record_event("access.csrf_failed", request=request, reason=reason[:200])
    if _wants_json(request):
        return JsonResponse(
            {
                "detail": _(
                    "The form's security token is missing or has expired. Reload the page and try again."
                )
            },
            status=403,
        )
    return HttpResponse(render_to_string("errors/403_csrf.html"), status=403)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The database is unreachable: 503 with Retry-After, rendered without touching the database."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": _("The service is temporarily unavailable. Try again shortly.")}, status=503
        )
    else:
        response = HttpResponse(render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = "5"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return service_unavailable(request)
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("An unexpected error occurred. It has been logged.")}, status=500
        )
    return HttpResponse(render_to_string("errors/500.html"), status=500)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database readiness, for load balancers."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError):
        response = JsonResponse({"status": "unavailable", "database": "down"}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"status": "ok", "database": "up"})


# --- exchange rates ------------------------------------------------------------------------------


class RatesUploadForm(UploadForm):
    suffix = ".csv"
    file = forms.FileField(label=gettext_lazy("Rates file (.csv)"))

    def wrong_type(self) -> Any:
        return _("Upload a .csv file.")


class RatesImportWizard(ImportWizard):
    """Exchange rates from a CSV file (upload, preview, confirm), for whoever the access policy
    lets add exchange rates (platform administrators, and staff given that permission)."""

    key = "rates_import"
    namespace = "rates"
    importer_class = RatesImporter
    form_class = RatesUploadForm
    title = gettext_lazy("Import exchange rates")
    heading = gettext_lazy("Import exchange rates from a CSV file")
    intro = gettext_lazy(
        "One row per rate, with the columns date (YYYY-MM-DD), currency (ISO 4217), "
        "units_per_usd and source. You will see what would change before anything is written; "
        "nothing is written if any row has an error. A rate already recorded for the same "
        "currency and day is updated."
    )
    check_label = gettext_lazy("Check the file")
    expired = gettext_lazy("This import preview has expired; upload the file again.")
    errors_filename = "rates-import-errors.xlsx"

    def importer(self, request: HttpRequest, options: dict[str, Any]) -> RatesImporter:
        return RatesImporter(request.user)

    def done_url(self, options: dict[str, Any]) -> str:
        return reverse("rates:import")
