"""The publication gate: no suppressed cell can be read or derived on any public path.

Small cells with distinctive values (a fractional part no other figure has) are planted in two
count indicators; every URL pattern and every GET route of the OpenAPI document is then walked as
an anonymous visitor and as a partner officer, with the query strings those pages take. No
response may contain a planted value, the difference of two of its figures, or a percentage of
the planted value against its target. New routes are walked without changing this test.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from itertools import product
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from seccoop.accounts.models import User
from seccoop.api import api
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring import publication, services
from seccoop.monitoring.models import Indicator, Target, Value
from seccoop.monitoring.periods import Kind, Period
from seccoop.monitoring.suppression import recoverable

from .test_hardening import _patterns

pytestmark = pytest.mark.django_db

#: Below the threshold of 5, and with a fractional part no other planted figure has.
SECRET_CELL = Decimal("3.0917")
SECRET_STATE = Decimal("2.0583")
#: JAM's target for the undisaggregated indicator: progress would be 100 × secret / target.
TARGET = Decimal(10)
FORBIDDEN = [float(SECRET_CELL), float(SECRET_STATE), float(SECRET_STATE * 100 / TARGET)]

#: Large whole numbers for every other cell, so that no coincidence mimics a leak.
OTHERS = {
    "JAM": (None, 412),
    "BRB": (529, 617),
    "DOM": (733, 841),
    "TTO": (953, 1061),
}
NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})*(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")


def make_indicator(code: str, **fields: Any) -> Indicator:
    return Indicator.objects.create(
        code=code,
        name=f"Published {code}",
        definition="Cases counted in the year.",
        unit="cases",
        measure_type=Indicator.MeasureType.UNIT,
        aggregation=Indicator.Aggregation.SUM,
        direction=Indicator.Direction.INCREASE,
        period_type=Indicator.PeriodType.ANNUAL,
        category=Category.objects.get(code="I.a"),
        owner=Organisation.objects.get(code="COMMISSION"),
        tlp=TLP.CLEAR,
        suppression_threshold=5,
        decimals=4,  # every page shows the planted fraction in full
        **fields,
    )


def plant(indicator: Indicator, iso3: str, number: Decimal | int, cell: str = "") -> Value:
    value = services.new_value(
        indicator, Party.objects.get(iso3=iso3), Period(Kind.YEAR, 2024), cell
    )
    value.value = Decimal(number)
    value.status = Value.Status.APPROVED
    value.tlp = TLP.CLEAR
    value.save()
    return value


@pytest.fixture
def planted(world: None) -> dict[str, Any]:
    victims = make_indicator("PUB-VICT", disaggregations={"sex": ["female", "male"]})
    seized = make_indicator("PUB-SEIZ")
    secret = plant(victims, "JAM", SECRET_CELL, "sex=female")
    for iso3, (female, male) in OTHERS.items():
        if female is not None:
            plant(victims, iso3, female, "sex=female")
        plant(victims, iso3, male, "sex=male")
        if iso3 != "JAM":
            plant(seized, iso3, male + female)
    # JAM's undisaggregated total of the disaggregated indicator is its row total.
    total = plant(victims, "JAM", SECRET_CELL + 412)
    alone = plant(seized, "JAM", SECRET_STATE)
    jam = Party.objects.get(iso3="JAM")
    target = Target(
        indicator=seized, state=jam, value=TARGET, owner_id=jam.organisation_id, tlp=TLP.CLEAR
    )
    target.set_period(Period(Kind.YEAR, 2024))
    target.save()
    return {"victims": victims, "seized": seized, "ids": [secret.pk, total.pk, alone.pk]}


def text_of(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join("" if c is None else str(c) for c in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8", errors="replace")


def numbers(text: str) -> list[float]:
    return sorted({float(n.replace(",", "")) for n in NUMBER.findall(text)})


def leaks(text: str) -> list[str]:
    """A planted value, or two figures whose difference is one."""
    found = numbers(text)
    present = {round(n, 4) for n in found}
    out = []
    for secret in FORBIDDEN:
        if round(secret, 4) in present:
            out.append(f"{secret}")
        out += [f"{n} - {round(n - secret, 4)}" for n in found if round(n - secret, 4) in present]
    return out


#: The query strings the pages take; a page with an id in its path gets the state only.
QUERIES = [
    "",
    "?indicator=PUB-VICT&period=2024&state=JAM&export=csv",
    "?indicator=PUB-SEIZ&period=2024&state=JAM",
    "?period=2024&export=xlsx",
]


def page_urls(planted: dict[str, Any]) -> list[str]:
    """Every URL pattern (less the admin and sign-out), filled with the planted records' ids."""
    ids = [*planted["ids"], planted["victims"].pk, planted["seized"].pk]
    urls: set[str] = set()
    for route, _pattern in _patterns(get_resolver().url_patterns):
        if route.startswith("api/v1/") or "admin" in route or "logout" in route:
            continue
        route = route.replace("^", "").replace("$", "").replace("\\Z", "")
        params = re.findall(r"<(?:\w+:)?\w+>", route)
        fills = ids if params else [0]
        for pk in fills:
            url = re.sub(r"<(?:\w+:)?\w+>", str(pk), route)
            urls.add("/" + url.lstrip("/"))
    return sorted(urls)


def api_urls(planted: dict[str, Any]) -> list[str]:
    """Every GET route of the OpenAPI document, with each planted id and the query strings its
    parameters take."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    ids = [*planted["ids"], planted["victims"].pk, planted["seized"].pk]
    values = {
        "indicator": ["PUB-VICT", "PUB-SEIZ"],
        "period": ["2024"],
        "state": ["JAM"],
        "limit": ["100"],
        "by": ["state"],
        "cycle": ["2024"],
    }
    urls: set[str] = set()
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        names = [
            p["name"]
            for p in operations["get"].get("parameters", [])
            if p.get("in") == "query" and p["name"] in values
        ]
        for pk in ids if "{" in path else [0]:
            base = re.sub(r"\{\w+\}", str(pk), path)
            urls.add(base)
            for combo in product(*(values[n] for n in names)):
                urls.add(
                    base + "?" + "&".join(f"{n}={v}" for n, v in zip(names, combo, strict=True))
                )
    return sorted(urls)


@pytest.mark.parametrize("persona", [None, "inl_partner"])
def test_no_suppressed_cell_can_be_read_or_derived_on_any_public_path(
    planted: dict[str, Any], persona: str | None
) -> None:
    client = Client()
    client.raise_request_exception = False
    if persona:
        client.force_login(User.objects.get(username=persona))
    # Pages answered without an id in the path: the same on every database (ids filled into paths
    # may or may not name another reader's record, depending on the database's sequences).
    walked, found = 0, []
    for url in page_urls(planted):
        for query in QUERIES if not re.search(r"/\d+/", url) else ["?state=JAM"]:
            response = client.get(url + query)
            assert response.status_code < 500, (url + query, response.status_code)
            if response.status_code == 200:
                walked += 0 if re.search(r"/\d+(/|$|\.)", url) else 1
                found += [(url + query, leak) for leak in leaks(text_of(response))]
    for url in api_urls(planted):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            walked += 0 if re.search(r"/\d+(/|$|\?)", url) else 1
            found += [(url, leak) for leak in leaks(text_of(response))]
    # Today 86 such pages answer an anonymous visitor and 237 a partner officer.
    assert walked >= (80 if persona is None else 200)
    assert found == []


def test_the_walk_sees_the_paths_that_carry_figures(planted: dict[str, Any]) -> None:
    """The walk reaches the public table, the indicator page, the chart, the API and the value
    export, and the planted values are real: their steward reads them."""
    pages = page_urls(planted)
    for needed in ("/monitoring/public/", f"/monitoring/indicators/{planted['victims'].pk}/"):
        assert needed in pages
    assert f"/monitoring/indicators/{planted['seized'].pk}/chart.svg" in pages
    apis = api_urls(planted)
    for needed in (
        "/api/v1/monitoring/public?indicator=PUB-VICT&period=2024",
        "/api/v1/monitoring/progress?indicator=PUB-SEIZ&period=2024",
        f"/api/v1/monitoring/values/{planted['ids'][0]}",
    ):
        assert needed in apis
    steward = Client()
    steward.force_login(User.objects.get(username="jam_focal"))
    listed = text_of(steward.get("/monitoring/values/?export=csv&indicator=PUB-VICT"))
    assert "3.0917" in listed
    assert "2.0583" in text_of(steward.get("/api/v1/monitoring/values?indicator=PUB-SEIZ"))
    # The anonymous see the published cells and are told which are suppressed.
    body = Client().get("/api/v1/monitoring/public?indicator=PUB-VICT&period=2024").json()
    cells = {(c["state"], c["disaggregation"]): c for c in body["cells"]}
    assert cells[("JAM", "sex=female")]["suppressed"] is True
    assert (
        cells[("BRB", "sex=male")]["value"] is not None or cells[("BRB", "sex=male")]["suppressed"]
    )
    progress = Client().get("/api/v1/monitoring/progress?indicator=PUB-SEIZ&period=2024").json()
    jam = next(r for r in progress["rows"] if r["state"] == "JAM")
    assert jam["status"] == "not_published" and jam["actual"] is None and jam["pct"] is None


def test_published_totals_do_not_determine_a_hidden_cell(planted: dict[str, Any]) -> None:
    """Totals minus published cells: no hidden cell is determined by what the API publishes."""
    for code in ("PUB-VICT", "PUB-SEIZ"):
        body = Client().get(f"/api/v1/monitoring/public?indicator={code}&period=2024").json()
        rows = sorted({c["state"] for c in body["cells"]})
        columns = sorted({c["disaggregation"] for c in body["cells"]})
        hidden = {(c["state"], c["disaggregation"]) for c in body["cells"] if c["suppressed"]}
        withheld = {("r", s) for s, v in body["row_totals"].items() if v is None} | {
            ("c", k) for k, v in body["column_totals"].items() if v is None
        }
        assert hidden
        assert recoverable(hidden, rows, columns, withheld) == set(), code
        if len(rows) > 1 and len(columns) == 1 and body["column_totals"].get(columns[0]):
            published = sum(c["value"] for c in body["cells"] if not c["suppressed"])
            assert abs(body["column_totals"][columns[0]] - published - float(SECRET_STATE)) > 1e-6


def test_a_reader_who_knows_their_own_cell_cannot_subtract_it_to_find_another(
    planted: dict[str, Any],
) -> None:
    """JAM's officer sees JAM's figures as reported; the table shown to them still hides enough
    that the totals less JAM's figures reveal no other State's small cell."""
    seized = planted["seized"]
    plant(seized, "GUY", Decimal("1.0371"))  # another State's small figure
    officer = User.objects.get(username="jam_focal")
    table = publication.table(officer, seized, "2024")
    guy = Party.objects.get(iso3="GUY")
    assert (guy.pk, "") in table.hidden
    assert (Party.objects.get(iso3="JAM").pk, "") not in table.hidden
    rows = [r.pk for r in table.rows]
    total = table.column_totals.get("")
    if total is not None:
        known = sum(v for (s, _k), v in table.cells.items() if (s, _k) not in table.hidden)
        assert abs(float(total - known) - 1.0371) > 1e-6
    assert recoverable(table.hidden, rows, [""]) == set()
