"""The web import wizard every importer shares: upload, preview, confirm, error report.

Upload -> preview (every error with its row, column and fix; or what would be created, updated
and left unchanged) -> confirm (checked again, written all or nothing). The previewed file waits
server-side under a random token (:class:`seccoop.core.workbooks.PendingUpload`); a confirm whose
token is not the one this session was last shown (stale, replayed or forged) writes nothing and
says the preview expired. An app subclasses :class:`ImportWizard`, naming its importer (see
:mod:`seccoop.core.importing`), form, texts and URL namespace, and adds ``urls()`` to its URLs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from .forms import BoundedForm
from .importing import Importer
from .policy import get_policy
from .uploads import refused_upload, upload_limit
from .workbooks import WEB_LIMITS, ImportRejected, Limits, PendingUpload, RowError, upload_too_large


class UploadForm(BoundedForm):
    """The file to import. A wizard with more to ask subclasses it (``user`` is passed in)."""

    suffix: ClassVar[str] = ".xlsx"
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(self.suffix):
            raise ValidationError(self.wrong_type())
        return upload

    def wrong_type(self) -> Any:
        return _("Upload an .xlsx workbook.")

    def options(self) -> dict[str, Any]:
        """What the importer needs besides the file, kept (as JSON) with the previewed upload."""
        return {}


class ImportWizard:
    """Upload -> preview (every error with its row, column and fix; or what would be created,
    updated and left unchanged) -> confirm (checked again, written all or nothing).

    The previewed file waits server-side under a random token (``PendingUpload``); a confirm whose
    token is not the one this session was shown (stale, replayed or forged) writes nothing and
    says the preview expired. A subclass names its importer, form, texts and URL namespace;
    ``urls()`` gives the three pages ``import``, ``import_confirm`` and ``import_errors``."""

    key: ClassVar[str] = ""
    namespace: ClassVar[str] = ""
    importer_class: ClassVar[type[Importer]] = Importer
    form_class: ClassVar[type[UploadForm]] = UploadForm
    title: ClassVar[Any] = ""
    heading: ClassVar[Any] = ""
    intro: ClassVar[Any] = ""
    check_label: ClassVar[Any] = gettext_lazy("Check the workbook")
    expired: ClassVar[Any] = gettext_lazy(
        "This import preview has expired; upload the workbook again."
    )
    #: the URL name of the blank template, if there is one
    template_url: ClassVar[str] = ""
    errors_filename: ClassVar[str] = "import-errors.xlsx"
    limits: ClassVar[Limits] = WEB_LIMITS

    def allowed(self, user: Any) -> bool:
        return get_policy().can_add(self.importer_class.model, user)

    def importer(self, request: HttpRequest, options: dict[str, Any]) -> Importer:
        """The importer for this user and these options; ``Http404`` when an option is gone."""
        raise NotImplementedError  # abstract: each wizard builds its own importer

    def done_url(self, options: dict[str, Any]) -> str:
        """Where the wizard leads once the import is written."""
        raise NotImplementedError  # abstract: each wizard names its own list page

    def url(self, name: str) -> str:
        return reverse(f"{self.namespace}:{name}")

    def page(self, request: HttpRequest, context: dict[str, Any], status: int = 200) -> Any:
        context.update(
            wizard=self,
            template_url=self.url(self.template_url) if self.template_url else "",
            errors_url=self.url("import_errors"),
            confirm_url=self.url("import_confirm"),
        )
        return render(request, "core/import.html", context, status=status)

    def refused(self, request: HttpRequest, form: Any, errors: list[RowError]) -> Any:
        PendingUpload(request, self.key).remember_errors(errors)
        context = {"form": form, "errors": errors[:200], "error_count": len(errors)}
        return self.page(request, context, status=400)

    def upload(self, request: HttpRequest) -> HttpResponse:
        """Step 1: upload and dry run."""
        if not self.allowed(request.user):
            raise Http404
        too_large = refused_upload(request) if request.method == "POST" else None
        if too_large is not None:
            form = self.form_class(initial=request.POST.dict(), user=request.user)
            return self.refused(request, form, upload_too_large(too_large).errors)
        form = self.form_class(request.POST or None, request.FILES or None, user=request.user)
        if request.method != "POST" or not form.is_valid():
            status = 400 if request.method == "POST" else 200
            return self.page(request, {"form": form}, status=status)
        data = form.cleaned_data["file"].read()
        options = form.options()
        importer = self.importer(request, options)
        try:
            plan = importer.plan(importer.read(data, self.limits))
        except ImportRejected as exc:
            return self.refused(request, form, exc.errors)
        if plan.errors:
            return self.refused(request, form, plan.errors)
        token = PendingUpload(request, self.key).keep(
            data, form.cleaned_data["file"].name, **options
        )
        preview = [importer.preview_row(r) for r in (plan.create + plan.update)[:20]]
        context = {"form": form, "plan": plan, "preview": preview, "token": token}
        return self.page(request, {**context, "headers": importer.preview_headers})

    def confirm(self, request: HttpRequest) -> HttpResponse:
        """Step 2: write the previewed file, all or nothing (checked again: data may have moved
        on since the preview)."""
        upload = PendingUpload(request, self.key)
        pending = upload.pending()
        if pending is None:
            messages.error(
                request, _("This import preview has expired; upload the workbook again.")
            )
            return HttpResponseRedirect(self.url("import"))
        try:
            importer = self.importer(request, pending)
            data = upload.read(pending)
            if data is None:
                raise Http404
            summary = importer.run(data, actor=request.user, source=pending.get("name", ""))
        except ImportRejected as exc:
            form = self.form_class(user=request.user)
            return self.refused(request, form, exc.errors)
        finally:
            upload.discard(pending)
        messages.success(
            request,
            _("Imported: {created} created, {updated} updated, {unchanged} unchanged.").format(
                **summary
            ),
        )
        return HttpResponseRedirect(self.done_url(pending))

    def errors(self, request: HttpRequest) -> HttpResponse:
        """The last refused file's errors as a workbook."""
        response: HttpResponse = PendingUpload(request, self.key).error_report_response(
            self.errors_filename
        )
        return response

    @classmethod
    def urls(cls) -> list[URLPattern]:
        wizard = cls()
        upload = upload_limit(cls.limits.max_bytes)(
            login_required(require_http_methods(["GET", "POST"])(wizard.upload))
        )
        return [
            path("import/", upload, name="import"),
            path(
                "import/confirm/",
                login_required(require_POST(wizard.confirm)),
                name="import_confirm",
            ),
            path("import/errors.xlsx", login_required(wizard.errors), name="import_errors"),
        ]
