"""Property-based probe of the whole committed OpenAPI document against a live server: no
generated request, valid or not, may end in a server error.

Three callers: anonymous, a State focal point and the secretariat (each with a write token).
Bounded so it fits a shared 2-core machine: a few examples per operation, a deterministic seed
(``derandomize``), a per-request timeout and a total time budget per caller. It runs on SQLite
and, unchanged, on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from seccoop.accounts.models import ApiToken, User

from .conftest import ensure_world

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "api" / "openapi.json"
#: Examples per operation and generation mode.
MAX_EXAMPLES = 8
#: Seconds one request may take before it counts as a failure.
REQUEST_TIMEOUT = 15.0
#: Seconds of probing per caller, shared out evenly so that every operation gets its turn.
BUDGET = 75.0


def probe_operation(
    operation: Any, base_url: str, headers: dict[str, str], stop_at: float, sent: list[int]
) -> list[str]:
    """Send generated cases of one operation (counted in ``sent``); return a line per server
    error."""
    errors: list[str] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,  # the request timeout bounds each example
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def probe(case: Any) -> None:
            if time.monotonic() > stop_at:
                return
            sent[0] += 1
            try:
                response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT)
            except Exception as exc:  # a timeout or a dropped connection is a failure too
                errors.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}")
                return
            if response.status_code >= 500:
                errors.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                    f"    query={case.query!r} body={case.body!r}"
                )

        probe()
    return errors


@pytest.mark.parametrize("persona", [None, "jam_focal", "secretariat"])
def test_no_generated_request_is_a_server_error(
    live_server: Any, transactional_db: None, persona: str | None
) -> None:
    ensure_world()
    headers: dict[str, str] = {}
    if persona is not None:
        _token, raw = ApiToken.issue(
            User.objects.get(username=persona), name="schemathesis", scope="write", days=1
        )
        headers["Authorization"] = f"Bearer {raw}"
    schema = schemathesis.openapi.from_path(DOCUMENT)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    share = BUDGET / len(operations)
    errors: list[str] = []
    sent = [0]
    for operation in operations:
        stop_at = time.monotonic() + share
        errors.extend(probe_operation(operation, live_server.url, headers, stop_at, sent))
    # The figures the security model quotes (shown with ``pytest -rP``).
    print(
        f"schemathesis as {persona or 'anonymous'}: {len(operations)} operations, "
        f"{sent[0]} cases, {len(errors)} server errors"
    )
    assert errors == [], "\n".join(errors)
