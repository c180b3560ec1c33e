"""The one import wizard: the exchange rates page, a token from another wizard, the rates command
line, and the rule that no importer function runs longer than about 60 lines."""

from __future__ import annotations

import ast
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from seccoop.accounts.models import User
from seccoop.core.models import AuditEvent, ExchangeRate
from seccoop.needs.models import Need

from . import needs_helpers as nh
from .test_needs import GOOD, error_table, summary_text, token_of, upload

open_cycle = nh.open_cycle  # the shared fixture: the open 2030 cycle

SRC = Path(__file__).resolve().parents[1] / "src" / "seccoop"
HEADER = "date,currency,units_per_usd,source\n"


def csv_upload(client: Client, text: str, name: str = "rates.csv") -> Any:
    data = text.encode()
    return client.post(
        reverse("rates:import"), {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


@pytest.fixture
def admin(world: None) -> Client:
    user = User.objects.create_superuser("rates_admin", "rates_admin@example.invalid", "x")
    client = Client()
    client.force_login(user)
    return client


def staff_with(*codenames: str) -> Client:
    user = User.objects.create_user("rates_clerk", "rates_clerk@example.invalid", "x")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def test_the_rates_wizard_previews_then_writes_all_with_history_and_audit(
    admin: Client,
) -> None:
    page = admin.get(reverse("rates:import"))
    assert page.status_code == 200
    assert "Import exchange rates from a CSV file" in page.content.decode()
    preview = csv_upload(admin, HEADER + "2095-01-01,EUR,0.9,ECB\n2095-01-01,jmd,150,BoJ\n")
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert summary_text(preview) == "2 to create, 0 to update, 0 unchanged."
    assert "<td>2095-01-01</td><td>JMD</td>" in preview.content.decode()
    assert not ExchangeRate.objects.filter(date__year=2095).exists(), "the preview must not write"

    done = admin.post(reverse("rates:import_confirm"), {"token": token_of(preview)})
    assert done.status_code == 302
    assert done["Location"] == reverse("rates:import")
    stored = dict(
        ExchangeRate.objects.filter(date=date(2095, 1, 1)).values_list("currency", "units_per_usd")
    )
    assert stored == {"EUR": Decimal("0.9"), "JMD": Decimal("150")}
    rate = ExchangeRate.objects.get(currency="EUR", date=date(2095, 1, 1))
    [entry] = rate.history.all()
    assert entry.history_user.username == "rates_admin"
    assert entry.history_change_reason == "Imported"
    event = AuditEvent.objects.filter(action="rates.imported").latest("at")
    assert event.actor.username == "rates_admin"
    assert event.detail["created"] == 2 and event.detail["source"] == "rates.csv"

    again = csv_upload(admin, HEADER + "2095-01-01,EUR,0.95,ECB\n2095-01-01,JMD,150,BoJ\n")
    assert summary_text(again) == "0 to create, 1 to update, 1 unchanged."


def test_the_rates_wizard_names_the_row_column_and_fix_and_writes_nothing(
    admin: Client,
) -> None:
    text = HEADER + "2096-01-01,EUR,0.9,ok\n2096-13-01,EUR,0.9,bad\n2096-02-01,GBP,-1,neg\n"
    response = csv_upload(admin, text)
    assert response.status_code == 400
    assert "2 problems found; nothing was imported." in response.content.decode()
    assert error_table(response) == [
        ("3", "date", "'2096-13-01' is not a date (YYYY-MM-DD)."),
        ("4", "units_per_usd", "'-1' is not a positive number."),
    ]
    report = admin.get(reverse("rates:import_errors"))
    header, *lines = nh.sheet_rows(report.content)
    assert header == ["Row", "Column", "Field", "Message"]
    assert [line[:3] for line in lines] == [
        [3, "date", "date"],
        [4, "units_per_usd", "units_per_usd"],
    ]
    assert not ExchangeRate.objects.filter(date__year=2096).exists()

    missing = csv_upload(admin, "day,currency\n2096-01-01,EUR\n")
    assert error_table(missing) == [
        (
            "—",
            "—",
            "The rates file needs the columns date, currency, units_per_usd "
            "(missing: date, units_per_usd).",
        )
    ]
    wrong = csv_upload(admin, HEADER, name="rates.xlsx")
    assert wrong.status_code == 400
    assert "Upload a .csv file." in wrong.content.decode()


def test_only_who_the_policy_lets_add_rates_opens_the_rates_wizard(
    client_for: Any, world: None
) -> None:
    for persona in ("secretariat", "jam_focal", "viewer"):
        client = client_for(persona)
        assert client.get(reverse("rates:import")).status_code == 404
        assert csv_upload(client, HEADER + "2097-01-01,EUR,0.9,x\n").status_code == 404
    assert not ExchangeRate.objects.filter(date__year=2097).exists()

    clerk = staff_with("add_exchangerate")
    assert clerk.get(reverse("rates:import")).status_code == 200
    # Adding is allowed; changing a rate already recorded needs the change permission too.
    existing = ExchangeRate.objects.filter(currency="JMD").order_by("date").first()
    assert existing is not None
    changed = f"{existing.date.isoformat()},JMD,{existing.units_per_usd + 1},x\n"
    response = csv_upload(clerk, HEADER + "2097-01-01,EUR,0.9,x\n" + changed)
    assert error_table(response) == [
        ("3", "units_per_usd", "You cannot change the rates already recorded.")
    ]


def test_a_token_from_another_wizard_writes_nothing(open_cycle: Any, client_for: Any) -> None:
    client = client_for("jam_focal")
    preview = upload(client, open_cycle, nh.workbook_bytes([GOOD]))
    assert preview.status_code == 200
    token = token_of(preview)
    foreign = client.post(reverse("monitoring:import_confirm"), {"token": token}, follow=True)
    assert "This import preview has expired; upload the workbook again." in (
        foreign.content.decode()
    )
    assert not Need.objects.exists()
    assert client.post(reverse("needs:import_confirm"), {"token": token}).status_code == 302
    assert Need.objects.count() == 1


def test_the_rates_command_checks_dry_runs_and_imports(world: None, tmp_path: Path) -> None:
    good = tmp_path / "rates.csv"
    good.write_text(HEADER + "2098-01-01,EUR,0.9,ECB\n", encoding="utf-8")
    out = io.StringIO()
    call_command("rates", "import", str(good), "--dry-run", stdout=out)
    assert out.getvalue() == "dry run, nothing written: 1 to create, 0 to update, 0 unchanged\n"
    assert not ExchangeRate.objects.filter(date__year=2098).exists()
    out = io.StringIO()
    call_command("rates", "import", str(good), stdout=out)
    assert out.getvalue() == "imported: 1 created, 0 updated, 0 unchanged\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2098-02-01,ZZZ,1,x\n2098-02-01,EUR,abc,x\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"2 problem\(s\); nothing was written"):
        call_command("rates", "import", str(bad), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 2, column currency (currency): Unknown currency 'ZZZ'.")
    assert (
        lines[1] == "row 3, column units_per_usd (units_per_usd): 'abc' is not a positive number."
    )
    assert ExchangeRate.objects.filter(date__year=2098).count() == 1


#: Where importers and the wizard live, and the importer classes inside larger modules.
IMPORTER_MODULES = [
    "core/importing.py",
    "core/wizard.py",
    "needs/importer.py",
    "monitoring/importer.py",
]
IMPORTER_CLASSES = {"monitoring/services.py": "ValuesImporter", "core/money.py": "RatesImporter"}


def importer_functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for name in IMPORTER_MODULES:
        tree = ast.parse((SRC / name).read_text())
        found += [(name, n) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for name, cls in IMPORTER_CLASSES.items():
        tree = ast.parse((SRC / name).read_text())
        [klass] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
        found += [(name, n) for n in ast.walk(klass) if isinstance(n, ast.FunctionDef)]
    return found


def test_no_importer_function_runs_longer_than_60_lines() -> None:
    functions = importer_functions()
    assert len(functions) > 40
    long = [
        f"{name}:{f.lineno} {f.name} ({f.end_lineno - f.lineno + 1} lines)"  # type: ignore[operator]  # parsed source has end lines
        for name, f in functions
        if f.end_lineno - f.lineno + 1 > 60  # type: ignore[operator]  # parsed source has end lines
    ]
    assert not long, long


def test_the_rates_api_imports_all_or_nothing_and_names_the_item(world: None) -> None:
    from seccoop.accounts.models import ApiToken

    admin = User.objects.create_superuser("rates_api", "rates_api@example.invalid", "x")
    _token, raw = ApiToken.issue(admin, name="central bank feed", scope="write", days=30)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def post(items: list[dict[str, str]], headers: dict[str, str] = auth) -> Any:
        body = json.dumps({"items": items})
        return Client().post(
            "/api/v1/framework/rates", body, content_type="application/json", **headers
        )

    good = {"date": "2099-01-01", "currency": "EUR", "units_per_usd": "0.9", "source": "ECB"}
    bad = {"date": "2099-13-01", "currency": "ZZZ", "units_per_usd": "0", "source": "x"}
    refused = post([good, bad])
    assert refused.status_code == 400
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert errors["items[1].date"] == "'2099-13-01' is not a date (YYYY-MM-DD)."
    assert errors["items[1].currency"].startswith("Unknown currency 'ZZZ'.")
    assert errors["items[1].units_per_usd"] == "'0' is not a positive number."
    assert len(errors) == 3
    assert not ExchangeRate.objects.filter(date__year=2099).exists()
    done = post([good])
    assert done.status_code == 200
    assert done.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert post([good]).json() == {"created": 0, "updated": 0, "unchanged": 1}
    event = AuditEvent.objects.filter(action="rates.imported").latest("at")
    assert event.actor == admin and event.detail["source"] == "API"

    _t, focal = ApiToken.issue(
        User.objects.get(username="jam_focal"), name="x", scope="write", days=30
    )
    forbidden = post([good], {"HTTP_AUTHORIZATION": f"Bearer {focal}"})
    assert forbidden.status_code == 403
