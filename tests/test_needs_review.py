"""Needs reach the Commission the same way, however they are entered: the form, the workbook
import and the API share one service path. A submitted need is released to the Commission; a draft
stays with its State. Only the Commission's secretariat validates or returns a need (a return needs
a reason, kept in history); a focal point cannot mark its own need validated by any path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from seccoop.accounts.models import User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.needs import services
from seccoop.needs.models import AssessmentCycle, Need

from . import needs_helpers as nh
from .test_needs import confirm, error_table, upload

pytestmark = pytest.mark.django_db
open_cycle = nh.open_cycle  # the shared fixture: the open 2030 cycle


def user(name: str) -> User:
    return User.objects.get(username=name)


def released(need: Need) -> set[str]:
    return set(need.releasable_to.values_list("code", flat=True))


def form_data(**changes: Any) -> dict[str, Any]:
    data = {
        "cycle": AssessmentCycle.objects.get(year=2030).pk,
        "state": Party.objects.get(iso3="JAM").pk,
        "category": Category.objects.get(code="I.a").pk,
        "reference": "JAM-FORM-1",
        "sub_area": "",
        "description": "Two interceptor boats",
        "severity": 4,
        "gap_type": "equipment",
        "amount": "156900.00",
        "currency": "JMD",
        "priority_rank": "",
        "evidence": "",
        "status": "submitted",
        "tlp": TLP.AMBER,
        "caveat": "",
    }
    data.update(changes)
    return data


def field_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def api_payload(**changes: Any) -> dict[str, Any]:
    payload = {
        "cycle": 2030,
        "state": "JAM",
        "category": "I.b",
        "reference": "JAM-API-1",
        "description": "Ballistic identification system",
        "severity": 3,
        "gap_type": "technology",
        "amount": "1569.00",
        "currency": "JMD",
    }
    payload.update(changes)
    return payload


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


# --- the form ------------------------------------------------------------------------------------


def test_the_form_submits_to_the_commission_and_keeps_a_draft_with_the_state(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    jam = client_for("jam_focal")
    assert jam.post(reverse("needs:need_add"), form_data()).status_code == 302
    submitted = Need.objects.get(reference="JAM-FORM-1")
    assert (submitted.status, released(submitted)) == (Need.Status.SUBMITTED, {"COMMISSION"})
    assert client_for("secretariat").get(f"/api/v1/needs/needs/{submitted.pk}").status_code == 200
    draft = jam.post(reverse("needs:need_add"), form_data(reference="JAM-FORM-2", status="draft"))
    assert draft.status_code == 302
    kept = Need.objects.get(reference="JAM-FORM-2")
    assert (kept.status, released(kept)) == (Need.Status.DRAFT, set())
    assert client_for("secretariat").get(f"/api/v1/needs/needs/{kept.pk}").status_code == 404
    # Submitting the draft later releases it.
    edit = form_data(reference="JAM-FORM-2", form_version=kept.version, change_reason="ready")
    assert jam.post(reverse("needs:need_edit", args=[kept.pk]), edit).status_code == 302
    kept.refresh_from_db()
    assert (kept.status, released(kept)) == (Need.Status.SUBMITTED, {"COMMISSION"})


def test_the_form_refuses_a_focal_point_marking_its_need_validated(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    jam = client_for("jam_focal")
    for status in ("validated", "returned"):
        response = jam.post(reverse("needs:need_add"), form_data(status=status))
        assert response.status_code == 400
        assert field_errors(response) == {
            "status": [
                "Only the Commission's secretariat validates or returns a need; save it as draft "
                "or submitted."
            ]
        }
    strict = jam.post(reverse("needs:need_add"), form_data(tlp=TLP.AMBER_STRICT))
    assert strict.status_code == 400
    assert list(field_errors(strict)) == ["tlp"]
    assert not Need.objects.exists()
    page = jam.get(reverse("needs:need_add")).content.decode()
    assert 'value="validated"' not in page and 'value="returned"' not in page


# --- the workbook import -------------------------------------------------------------------------


def test_the_import_refuses_a_status_column_saying_validated(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    header = [*nh.HEADER, "Status"]
    rows = [
        [*nh.row(reference="JAM-1", amount=156_900), "submitted"],
        [*nh.row(reference="JAM-2", amount=156_900), "Validated by the Commission"],
        [*nh.row(reference="JAM-3", amount=156_900), "returned"],
    ]
    client = client_for("jam_focal")
    response = upload(client, open_cycle, nh.workbook_bytes(rows, header=header))
    assert response.status_code == 400
    found = error_table(response)
    assert [(r, c) for r, c, _m in found] == [("3", "L"), ("4", "L")]
    assert "Only the Commission's secretariat validates or returns a need" in found[0][2]
    assert not Need.objects.exists()


def test_the_import_submits_to_the_commission_or_keeps_drafts(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    header = [*nh.HEADER, "Status"]
    rows = [
        [*nh.row(reference="JAM-1", amount=156_900), ""],
        [*nh.row(reference="JAM-2", amount=156_900), "draft"],
    ]
    client = client_for("jam_focal")
    preview = upload(client, open_cycle, nh.workbook_bytes(rows, header=header))
    assert preview.status_code == 200
    assert confirm(client, preview).status_code == 302
    first, second = Need.objects.get(reference="JAM-1"), Need.objects.get(reference="JAM-2")
    assert (first.status, released(first)) == (Need.Status.SUBMITTED, {"COMMISSION"})
    assert (second.status, released(second)) == (Need.Status.DRAFT, set())
    # Validated by the Commission, the need stays validated when the same row is imported again,
    # and goes back for review when the State changes it.
    services.validate_need(first, actor=user("secretariat"))
    again = upload(client, open_cycle, nh.workbook_bytes(rows, header=header))
    assert confirm(client, again).status_code == 302
    first.refresh_from_db()
    assert first.status == Need.Status.VALIDATED
    changed = [[*nh.row(reference="JAM-1", amount=313_800), ""]]
    third = upload(client, open_cycle, nh.workbook_bytes(changed, header=header))
    assert confirm(client, third).status_code == 302
    first.refresh_from_db()
    assert (first.status, first.amount) == (Need.Status.SUBMITTED, Decimal("313800.00"))


# --- the API -------------------------------------------------------------------------------------


def test_the_api_refuses_a_focal_point_marking_its_need_validated(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    jam = client_for("jam_focal")
    refused = jam.post(
        "/api/v1/needs/needs", api_payload(status="validated"), content_type="application/json"
    )
    assert refused.status_code == 400
    assert error_fields(refused) == ["status"]
    assert not Need.objects.exists()
    created = jam.post(
        "/api/v1/needs/needs", api_payload(status="submitted"), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    need = Need.objects.get()
    url = f"/api/v1/needs/needs/{need.pk}"
    patch = jam.patch(
        url, {"status": "validated", "version": need.version}, content_type="application/json"
    )
    assert patch.status_code == 400
    assert error_fields(patch) == ["status"]
    own = jam.post(f"{url}/validate", {"version": need.version}, content_type="application/json")
    assert own.status_code == 403
    need.refresh_from_db()
    assert need.status == Need.Status.SUBMITTED


def test_only_the_commission_secretariat_validates_or_returns_through_the_api(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    need = nh.make_need(open_cycle, user("jam_focal"), tlp=TLP.AMBER)
    url = f"/api/v1/needs/needs/{need.pk}"
    org = client_for("secretariat")
    # Returning needs a reason.
    bare = org.post(f"{url}/return", {"version": need.version}, content_type="application/json")
    assert bare.status_code == 400
    assert error_fields(bare) == ["reason"]
    returned = org.post(
        f"{url}/return",
        {"version": need.version, "reason": "Cost the boats in JMD, with a quotation."},
        content_type="application/json",
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    need.refresh_from_db()
    assert (
        need.history.first().history_change_reason
        == "Returned: Cost the boats in JMD, with a quotation."
    )
    # Only a submitted need is reviewed: the State resubmits, then the Commission validates.
    again = org.post(f"{url}/validate", {"version": need.version}, content_type="application/json")
    assert again.status_code == 400
    assert error_fields(again) == ["status"]
    jam = client_for("jam_focal")
    resubmitted = jam.patch(
        url, {"status": "submitted", "version": need.version}, content_type="application/json"
    )
    assert resubmitted.status_code == 200, resubmitted.content
    need.refresh_from_db()
    assert client_for("viewer").post(
        f"{url}/validate", {"version": need.version}, content_type="application/json"
    ).status_code in (403, 404)
    done = org.post(f"{url}/validate", {"version": need.version}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "validated"
    # A change by the State to a validated need is refused unless it is submitted again.
    need.refresh_from_db()
    kept = jam.patch(url, {"severity": 5, "version": need.version}, content_type="application/json")
    assert kept.status_code == 400
    assert error_fields(kept) == ["status"]


def test_the_review_service_names_who_may_review(
    open_cycle: AssessmentCycle, users: dict[str, User]
) -> None:
    need = nh.make_need(open_cycle, users["jam_focal"], tlp=TLP.AMBER)
    with pytest.raises(PermissionDenied):
        services.validate_need(need, actor=users["jam_focal"])
    with pytest.raises(ValidationError) as exc:
        services.return_need(need, actor=users["secretariat"], reason="  ")
    assert list(exc.value.message_dict) == ["reason"]
    draft = nh.make_need(
        open_cycle, users["jam_focal"], reference="JAM-D", status=Need.Status.DRAFT
    )
    with pytest.raises(PermissionDenied):  # a draft is not released to the Commission
        services.validate_need(draft, actor=users["secretariat"])
    assert services.validate_need(need, actor=users["secretariat"]).status == "validated"


# --- the page ------------------------------------------------------------------------------------


def test_the_commission_reviews_on_the_need_page(
    open_cycle: AssessmentCycle, client_for: Any
) -> None:
    need = nh.make_need(open_cycle, user("jam_focal"), tlp=TLP.AMBER)
    detail = reverse("needs:need_detail", args=[need.pk])
    review = reverse("needs:need_review", args=[need.pk])
    jam, org = client_for("jam_focal"), client_for("secretariat")
    assert 'data-testid="review"' not in jam.get(detail).content.decode()
    assert 'data-testid="review"' in org.get(detail).content.decode()
    assert jam.post(review, {"action": "validate"}).status_code == 403
    assert org.post(review, {"action": "return", "reason": ""}).status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.SUBMITTED
    assert org.post(review, {"action": "return", "reason": "Add a quotation."}).status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.RETURNED
    page = jam.get(detail).content.decode()
    assert 'data-testid="returned-reason"' in page and "Add a quotation." in page
    assert Organisation.objects.get(code="COMMISSION").pk in need.releasable_to.values_list(
        "pk", flat=True
    )
