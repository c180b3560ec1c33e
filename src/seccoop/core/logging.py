"""Structured (JSON lines) logging with the request id."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from .context import current_request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request = current_request.get()
        payload = {
            "at": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            # Newlines are escaped by json.dumps, so a message cannot forge a log line (16.4.1).
            "message": record.getMessage(),
            "request_id": getattr(request, "request_id", None),
        }
        if record.exc_info:
            payload["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(payload, ensure_ascii=False)
