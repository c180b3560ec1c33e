"""No input reaches a 500: out-of-range years and ids, NUL characters, control and direction
characters, far dates and negative rates are refused (400 naming the parameter, or 404).

The routes are discovered from the URL resolver and the OpenAPI document, so a new list page or
endpoint is covered without being named here.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

from seccoop.accounts.models import ApiToken, User
from seccoop.api import api
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring.reference import CODE as HOMICIDE
from seccoop.monitoring.reference import load_homicide_rates
from seccoop.needs.models import AssessmentCycle, Need

pytestmark = pytest.mark.django_db

YEARS = ["0", "-1", "99999"]
HUGE_IDS = [str(2**63), str(2**64)]
NUL = "a\x00b"
#: Pages that change state on GET or need a token in the path: not list pages.
NOT_LISTS = {"accounts:logout", "set_language", "healthz"}


# --- discovery ----------------------------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if isinstance(entry.pattern, LocalePrefixPattern):
                route = entry.pattern.language_prefix
            else:
                route = str(entry.pattern)
            space = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from _walk(entry.url_patterns, prefix + route, space)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{ns}{entry.name or ''}", entry.callback


def html_routes() -> list[tuple[str, str, Any]]:
    """Every page route of the platform's own apps (not the API, not Django's admin)."""
    return [
        ("/" + route, name, callback)
        for route, name, callback in _walk(get_resolver().url_patterns)
        if not route.startswith(("api/", "admin/")) and name not in NOT_LISTS
    ]


def read_parameters(view: Any) -> list[str]:
    """The query parameters a view reads by hand: ``request.GET.get("name")``, the core's
    ``query_year``/``query_id`` helpers, and the fields of a form bound to ``request.GET``."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return []
    names = re.findall(r"request\.GET\.get\(\s*\"(\w+)\"", source)
    names += re.findall(r"query_\w+\(request,\s*\"(\w+)\"", source)
    module = sys.modules[inspect.unwrap(view).__module__]
    for form_name in re.findall(r"(\w+Form)\(request\.GET", source):
        names += list(getattr(module, form_name).base_fields)
    return names


def list_pages() -> list[tuple[str, list[str]]]:
    """Routes without a path parameter, with the query parameters their filters declare."""
    pages = []
    for route, _name, callback in html_routes():
        if "<" in route or route.endswith((".ics", ".xlsx")):
            continue
        view_class = getattr(callback, "view_class", None)
        filterset = getattr(view_class, "filterset_class", None)
        params = list(filterset.base_filters) if filterset is not None else []
        params += read_parameters(view_class or callback)
        pages.append((route, sorted({*params, "year", "cycle", "page", "per_page", "q"})))
    return pages


def id_routes() -> list[str]:
    """Page routes with an id in their path, as ``str.format`` templates."""
    templates = []
    for route, _name, _callback in html_routes():
        if "<id:" in route:
            templates.append(
                route.replace("<id:pk>", "{0}")
                .replace("<id:meeting>", "{0}")
                .replace("<str:fmt>", "pdf")
            )
    return templates


def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def operations(*methods: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi()["paths"].items()
        for method, operation in item.items()
        if method.upper() in methods
    ]


def query_parameters(operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]


def required_query(operation: dict[str, Any]) -> dict[str, Any]:
    """A plausible value for each required query parameter, so one bad parameter is judged alone."""
    return {
        p["name"]: example(p["schema"])
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def path_with(path: str, value: str) -> str:
    return path.replace("{pk}", value)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def kinds(schema: dict[str, Any]) -> set[str]:
    schema = resolve(schema)
    found = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for option in schema.get("anyOf", []):
        found |= kinds(option)
    if "enum" in schema:
        found.add("enum")
    return found


def example(schema: dict[str, Any]) -> Any:
    """A plausible value of a JSON schema (enough to reach the service behind the endpoint)."""
    schema = resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    for option in schema.get("anyOf", []):
        if resolve(option).get("type") != "null":
            return example(option)
    kind = schema.get("type")
    if kind == "object":
        return {
            name: example(prop)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return timezone.localdate().isoformat()
    return "x" * max(1, schema.get("minLength", 1))


def write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, resolve(op["requestBody"]["content"]["application/json"]["schema"]))
        for method, path, op in operations("POST", "PUT", "PATCH")
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]


def bearer(username: str) -> dict[str, str]:
    _token, raw = ApiToken.issue(
        User.objects.get(username=username), name="probe", scope="write", days=1
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_refused(response: Any, parameter: str, where: str, anonymous: bool = False) -> None:
    """400 naming the parameter, or 404 (or, for an anonymous caller, 401: sign in first)."""
    allowed = (400, 401, 404) if anonymous else (400, 404)
    assert response.status_code in allowed, (where, response.status_code)
    if response.status_code == 400:
        assert parameter in response.content.decode("unicode_escape"), (where, parameter)


# --- the pages ----------------------------------------------------------------------------------


def test_discovery_finds_the_lists_and_the_endpoints() -> None:
    pages = dict(list_pages())
    assert "/funding/transactions/" in pages and "/plan/measures/" in pages
    assert "version" in pages["/plan/measures/"]
    assert any(path == "/api/v1/funding/transactions" for _m, path, _o in operations("GET"))
    assert any(path == "/api/v1/needs/needs" for _m, path, _b in write_operations())
    assert "/needs/{0}/" in id_routes()


@pytest.mark.parametrize(("route", "params"), list_pages(), ids=lambda v: str(v)[:40])
def test_list_pages_refuse_bad_years_ids_and_nul(
    client_for: Any, route: str, params: list[str]
) -> None:
    client = client_for("secretariat")
    for name in params:
        for value in [*YEARS, *HUGE_IDS]:
            response = client.get(route, {name: value})
            assert response.status_code < 500, (route, name, value, response.status_code)
        response = client.get(route, {name: NUL})
        assert response.status_code == 400, (route, name)
        assert name in response.content.decode(), (route, name)


@pytest.mark.parametrize("template", id_routes())
def test_out_of_range_ids_in_page_paths_are_404(client_for: Any, template: str) -> None:
    client = client_for("secretariat")
    for value in [*HUGE_IDS, "0", "-1"]:
        response = client.get(template.format(value))
        assert response.status_code == 404, (template, value, response.status_code)


def test_a_bad_filter_is_shown_on_the_list_not_a_500(client_for: Any) -> None:
    page = client_for("secretariat").get("/plan/", {"year": "0"})
    assert page.status_code == 200
    assert "1990" in page.content.decode()  # the form error names the bounds
    measures = client_for("secretariat").get("/plan/measures/", {"version": str(2**64)})
    assert measures.status_code == 200
    assert "id" in measures.content.decode()


def test_nul_in_a_form_field_is_400_naming_it(client_for: Any) -> None:
    response = client_for("secretariat").post("/needs/add/", {"reference": NUL})
    assert response.status_code == 400
    assert "reference" in response.content.decode()


# --- the API: query parameters and paths --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    operations("GET"),
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("persona", [None, "jam_focal"])
def test_api_reads_refuse_bad_years_ids_and_nul(
    world: None, method: str, path: str, operation: dict[str, Any], persona: str | None
) -> None:
    client = Client()
    headers = bearer(persona) if persona else {}
    concrete = path_with(path, "1")
    required = required_query(operation)
    for name in [*query_parameters(operation), "year"]:
        for value in [*YEARS, *HUGE_IDS]:
            response = client.get(concrete, {**required, name: value}, **headers)
            assert response.status_code < 500, (path, name, value, response.status_code)
            if response.status_code == 400:
                assert name in response.content.decode(), (path, name, value)
        response = client.get(concrete, {**required, name: NUL}, **headers)
        assert_refused(response, name, f"{path} {name}")
    if "{pk}" in path:
        for value in [*HUGE_IDS, "0"]:
            response = client.get(path_with(path, value), **headers)
            assert_refused(response, "pk", f"{path} {value}", anonymous=persona is None)


@pytest.mark.parametrize("filter_name", ["indicator_id", "state_id", "measure", "version"])
def test_api_id_filters_refuse_huge_ids(world: None, filter_name: str) -> None:
    client = Client()
    headers = bearer("secretariat")
    for path in ["/api/v1/monitoring/values", "/api/v1/plan/measures", "/api/v1/needs/needs"]:
        for value in HUGE_IDS:
            response = client.get(path, {filter_name: value}, **headers)
            assert response.status_code < 500, (path, filter_name, value)


# --- the API: bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "schema"),
    write_operations(),
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("persona", ["jam_focal", "secretariat", "inl_partner"])
def test_api_writes_refuse_nul_and_huge_ids(
    world: None, method: str, path: str, schema: dict[str, Any], persona: str
) -> None:
    client = Client()
    headers = bearer(persona)
    concrete = path_with(path, "1")
    base = example(schema)
    properties = schema.get("properties", {})

    def send(body: Any) -> Any:
        return client.generic(method, concrete, json.dumps(body), "application/json", **headers)

    for name, prop in properties.items():
        found = kinds(prop)
        if found & {"string", "enum"}:
            response = send({**base, name: NUL})
            assert response.status_code == 400, (path, name, response.status_code)
            assert name in response.content.decode(), (path, name)
        if "integer" in found or "array" in found:
            for huge in (2**63, 2**64):
                value = [huge] if "array" in found else huge
                response = send({**base, name: value})
                assert response.status_code < 500, (path, name, huge, response.status_code)
    assert send({**base, "\x00": 1}).status_code == 400


# --- the smaller findings -----------------------------------------------------------------------


def test_sqlite_from_database_url_gets_wal_immediate_and_a_timeout(tmp_path: Any) -> None:
    code = (
        "import json, seccoop.settings as s; "
        "print(json.dumps({k: str(v) for k, v in s.DATABASES['default']['OPTIONS'].items()}))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'url.sqlite3'}",
        "SECCOOP_DEBUG": "1",
        "SECCOOP_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    options = json.loads(out.stdout.strip().splitlines()[-1])
    assert "journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert float(options["timeout"]) >= 5


@pytest.fixture
def cycle(world: None) -> AssessmentCycle:
    return AssessmentCycle.objects.create(
        year=2026,
        valuation_date=date(2026, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
    )


def need_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "cycle": 2026,
        "state": "JAM",
        "category": "I.a",
        "reference": "JAM-2026-BOUNDS",
        "description": "Coastal radar coverage.",
        "severity": 3,
        "gap_type": Need.GapType.values[0],
        "amount": "1000.00",
        "currency": "JMD",
    }
    return {**body, **overrides}


@pytest.mark.parametrize(
    "reference", ["JAM\u202e2026", "JAM\x072026", "JAM\n2026", "JAM\u20662026\u2069"]
)
def test_control_and_direction_characters_are_refused_in_references(
    cycle: AssessmentCycle, reference: str
) -> None:
    response = Client().post(
        "/api/v1/needs/needs",
        json.dumps(need_body(reference=reference)),
        "application/json",
        **bearer("jam_focal"),
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["reference"]
    assert not Need.objects.filter(cycle=cycle).exists()


def test_control_characters_are_refused_in_a_form_label(
    client_for: Any, cycle: AssessmentCycle
) -> None:
    category = Category.objects.get(code="I.a")
    response = client_for("jam_focal").post(
        "/needs/add/",
        {
            "cycle": cycle.pk,
            "state": Party.objects.get(iso3="JAM").pk,
            "category": category.pk,
            "reference": "JAM\u202eEVIL",
            "description": "x",
            "severity": 3,
            "gap_type": Need.GapType.values[0],
            "amount": "1",
            "currency": "JMD",
            "tlp": "AMBER",
        },
    )
    assert response.status_code == 400  # the form again, with its error
    assert "control or text-direction character" in response.content.decode()
    assert not Need.objects.filter(reference__startswith="JAM").exists()


@pytest.mark.parametrize("value_date", ["0001-01-01", "9999-12-31", "1989-12-31"])
def test_far_dates_are_refused(world: None, value_date: str) -> None:
    response = Client().post(
        "/api/v1/funding/transactions",
        json.dumps(
            {"type": "2", "measure_id": 1, "value_date": value_date, "amount": 1, "currency": "USD"}
        ),
        "application/json",
        **bearer("inl_partner"),
    )
    assert response.status_code == 400
    assert "value_date" in [e["field"] for e in response.json()["errors"]]


def test_a_negative_homicide_rate_is_refused(world: None) -> None:
    load_homicide_rates()
    response = Client().post(
        "/api/v1/monitoring/values",
        json.dumps(
            {"items": [{"indicator": HOMICIDE, "state": "JAM", "period": "2024", "value": -1}]}
        ),
        "application/json",
        **bearer("jam_focal"),
    )
    assert response.status_code == 400
    assert "below zero" in response.content.decode()


def test_if_match_star_matches_the_current_version(cycle: AssessmentCycle) -> None:
    client = Client()
    headers = bearer("jam_focal")
    created = client.post(
        "/api/v1/needs/needs", json.dumps(need_body()), "application/json", **headers
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/needs/needs/{pk}",
        json.dumps({"severity": 5}),
        "application/json",
        HTTP_IF_MATCH="*",
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert Need.objects.get(pk=pk).severity == 5
    stale = client.patch(
        f"/api/v1/needs/needs/{pk}",
        json.dumps({"severity": 4}),
        "application/json",
        HTTP_IF_MATCH='W/"1"',
        **headers,
    )
    assert stale.status_code == 412


def test_static_files_carry_the_content_security_policy(client: Client) -> None:
    response = client.get("/static/css/seccoop.css")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
