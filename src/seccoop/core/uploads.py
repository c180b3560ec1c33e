"""Uploaded files are refused by size while they stream in, before anything keeps them.

``LimitedUploadHandler`` comes first in ``FILE_UPLOAD_HANDLERS``. It counts each uploaded file's
bytes and drops the file the moment it passes the limit of the page it is sent to (set on the view
with ``upload_limit``; ``DEFAULT_UPLOAD_BYTES`` otherwise). Nothing past the limit is stored, in
memory or on disk; the rest of that file is read from the connection and thrown away, so the other
fields of the form still arrive and the page answers with its own message (``refused_upload``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.urls import Resolver404, resolve

#: The limit of a page that takes files without saying its own (the workbook wizards' 5 MB).
DEFAULT_UPLOAD_BYTES = 5 * 1024 * 1024

View = TypeVar("View", bound=Callable[..., Any])


def upload_limit(max_bytes: int) -> Callable[[View], View]:
    """Mark a view: a file uploaded to it may be at most ``max_bytes``."""

    def mark(view: View) -> View:
        view.upload_max_bytes = max_bytes  # type: ignore[attr-defined]  # read by the upload handler
        return view

    return mark


def limit_for(request: HttpRequest) -> int:
    """The upload limit of the view ``request`` goes to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return DEFAULT_UPLOAD_BYTES
    return int(getattr(match.func, "upload_max_bytes", DEFAULT_UPLOAD_BYTES))


def refused_upload(request: HttpRequest, field: str = "file") -> int | None:
    """The limit the file posted as ``field`` passed (so it was dropped), or None."""
    request.FILES  # noqa: B018 - reading the files parses the upload, which runs the handlers
    refused: dict[str, int] = getattr(request, "refused_uploads", {})
    return refused.get(field)


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = DEFAULT_UPLOAD_BYTES
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name for the argument
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if self.request is not None:
            self.limit = limit_for(self.request)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            refused = getattr(self.request, "refused_uploads", {})
            refused[self.field_name] = self.limit
            self.request.refused_uploads = refused  # type: ignore[union-attr]  # read by refused_upload
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
