"""The current request, for logs and audit events written far from the view."""

from __future__ import annotations

import contextvars
from typing import Any

current_request: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "seccoop_request", default=None
)
