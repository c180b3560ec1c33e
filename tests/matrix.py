"""Permission-matrix base classes: every CRUD page and endpoint gets the same four promises.

* anonymous gets the sign-in page (UI) or 401 (API);
* an outsider (a focal point of another state) gets 404, never the record;
* an allowed role succeeds **and leaves a history row**;
* a read-only role gets 403 on write.

A concrete test class supplies only the data: the URL names and how to make a record.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.urls import reverse

from seccoop.accounts.policy import forget_scope

#: The written policy as an independent oracle (RELIABILITY.md R1): who may read a marked record.
#: persona -> (direct organisations, organisations including parents, has a membership)
SCOPES: dict[str, tuple[set[str], set[str], bool]] = {
    "secretariat": ({"COMMISSION"}, {"COMMISSION"}, True),
    "jam_focal": ({"JAM"}, {"JAM"}, True),
    "jam_viewer": ({"JAM"}, {"JAM"}, True),
    "brb_focal": ({"BRB"}, {"BRB"}, True),
    "dom_focal": ({"DOM"}, {"DOM"}, True),
    "twg_member": ({"TWG"}, {"TWG"}, True),
    "inl_partner": ({"US-INL"}, {"US-INL", "USA"}, True),
    "watch_officer": ({"CCC"}, {"CCC"}, True),
    "viewer": ({"COMMISSION"}, {"COMMISSION"}, True),
    "outsider": (set(), set(), False),
    None: (set(), set(), False),
}
EDITORS = {
    "secretariat",
    "jam_focal",
    "brb_focal",
    "dom_focal",
    "twg_member",
    "inl_partner",
    "watch_officer",
}


def oracle_can_view(
    persona: str | None,
    owner: str,
    tlp: str,
    released: tuple[str, ...] = (),
    recipients: tuple[str, ...] = (),
) -> bool:
    direct, wide, member = SCOPES[persona]
    if tlp == "CLEAR":
        return True
    if tlp == "GREEN":
        return member
    if tlp == "AMBER":
        return owner in wide or bool(wide & set(released))
    if tlp == "AMBER+STRICT":
        return owner in direct
    if tlp == "RED":
        return persona in recipients
    raise AssertionError(tlp)


def oracle_can_change(
    persona: str | None,
    owner: str,
    tlp: str,
    released: tuple[str, ...] = (),
    recipients: tuple[str, ...] = (),
) -> bool:
    direct, _wide, _member = SCOPES[persona]
    return (
        oracle_can_view(persona, owner, tlp, released, recipients)
        and persona in EDITORS
        and owner in direct
    )


class ObjectViewTests:
    """UI pages of a marked model (list, detail, history, edit, delete)."""

    list_url: ClassVar[str]
    detail_url: ClassVar[str]
    edit_url: ClassVar[str]
    delete_url: ClassVar[str]
    history_url: ClassVar[str]
    owner: ClassVar[str] = "JAM"
    editor: ClassVar[str] = "jam_focal"
    read_only: ClassVar[str] = "jam_viewer"
    outsider: ClassVar[str] = "brb_focal"

    def make(self, **kwargs: Any) -> Any:
        raise NotImplementedError  # each concrete test class supplies its record

    def edit_data(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError  # each concrete test class supplies a valid form

    def urls(self, obj: Any) -> list[str]:
        return [
            reverse(n, args=[obj.pk])
            for n in (self.detail_url, self.edit_url, self.delete_url, self.history_url)
        ]

    def write_statuses(self, client: Any, obj: Any) -> tuple[int, int]:
        """The answers to posting the edit form and the delete confirmation."""
        edit = client.post(reverse(self.edit_url, args=[obj.pk]), self.edit_data(obj))
        delete = client.post(reverse(self.delete_url, args=[obj.pk]), {"form_version": obj.version})
        return edit.status_code, delete.status_code

    def test_anonymous_gets_the_sign_in_page(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(None)
        for url in [reverse(self.list_url), *self.urls(obj)]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert reverse("accounts:login") in response["Location"], url

    def test_outsider_gets_404(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.outsider)
        for url in self.urls(obj):
            assert client.get(url).status_code == 404, url
        assert self.write_statuses(client, obj) == (404, 404)
        listing = client.get(reverse(self.list_url))
        assert listing.status_code == 200
        assert str(obj) not in listing.content.decode()
        exported = client.get(reverse(self.list_url) + "?export=csv")
        assert str(obj) not in exported.content.decode("utf-8-sig")

    def test_editor_edits_and_leaves_history(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.editor)
        before = obj.history.count()
        response = client.post(reverse(self.edit_url, args=[obj.pk]), self.edit_data(obj))
        assert response.status_code == 302, response.content.decode()[:2000]
        obj.refresh_from_db()
        assert obj.version == 2
        assert obj.history.count() == before + 1
        assert obj.history.first().history_user.username == self.editor

    def test_stale_form_is_refused_with_a_conflict_message(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.editor)
        data = self.edit_data(obj)
        assert client.post(reverse(self.edit_url, args=[obj.pk]), data).status_code == 302
        again = client.post(reverse(self.edit_url, args=[obj.pk]), data)  # same (now stale) version
        assert again.status_code == 409
        assert "Someone else changed this record" in again.content.decode()

    def test_read_only_role_gets_403_on_write(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.read_only)
        assert client.get(reverse(self.detail_url, args=[obj.pk])).status_code == 200
        assert client.get(reverse(self.edit_url, args=[obj.pk])).status_code == 403
        assert self.write_statuses(client, obj) == (403, 403)

    def test_editor_deletes_with_history(self, client_for: Any) -> None:
        obj = self.make()
        model = type(obj)
        client = client_for(self.editor)
        response = client.post(
            reverse(self.delete_url, args=[obj.pk]),
            {"form_version": obj.version, "change_reason": "duplicate"},
        )
        assert response.status_code == 302
        assert not model.objects.filter(pk=obj.pk).exists()
        assert model.history.filter(id=obj.pk, history_type="-").exists()


class ApiObjectTests:
    """API endpoints of a marked model: list, detail, create, patch, delete."""

    path: ClassVar[str]
    editor: ClassVar[str] = "jam_focal"
    read_only: ClassVar[str] = "jam_viewer"
    outsider: ClassVar[str] = "brb_focal"

    def make(self, **kwargs: Any) -> Any:
        raise NotImplementedError  # each concrete test class supplies its record

    def create_payload(self) -> dict[str, Any]:
        raise NotImplementedError  # each concrete test class supplies a valid payload

    def patch_payload(self) -> dict[str, Any]:
        raise NotImplementedError  # each concrete test class supplies a valid change

    def test_anonymous_gets_401(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(None)
        assert client.get(self.path).status_code == 401
        assert client.get(f"{self.path}/{obj.pk}").status_code == 401
        assert (
            client.post(
                self.path, self.create_payload(), content_type="application/json"
            ).status_code
            == 401
        )

    def test_outsider_gets_404(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.outsider)
        assert client.get(f"{self.path}/{obj.pk}").status_code == 404
        assert (
            client.patch(
                f"{self.path}/{obj.pk}",
                self.patch_payload(),
                content_type="application/json",
                HTTP_IF_MATCH='W/"1"',
            ).status_code
            == 404
        )
        assert client.delete(f"{self.path}/{obj.pk}", HTTP_IF_MATCH='W/"1"').status_code == 404
        ids = [row["id"] for row in client.get(self.path + "?limit=100").json()["items"]]
        assert obj.pk not in ids

    def test_editor_patches_with_if_match_and_leaves_history(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.editor)
        got = client.get(f"{self.path}/{obj.pk}")
        assert got.status_code == 200
        etag = got["ETag"]
        before = obj.history.count()
        response = client.patch(
            f"{self.path}/{obj.pk}",
            self.patch_payload(),
            content_type="application/json",
            HTTP_IF_MATCH=etag,
        )
        assert response.status_code == 200, response.content
        assert response["ETag"] != etag
        assert obj.history.count() == before + 1

    def test_concurrency_412_428_409(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.editor)
        url = f"{self.path}/{obj.pk}"
        etag = client.get(url)["ETag"]
        assert (
            client.patch(
                url, self.patch_payload(), content_type="application/json", HTTP_IF_MATCH=etag
            ).status_code
            == 200
        )
        stale = client.patch(
            url, self.patch_payload(), content_type="application/json", HTTP_IF_MATCH=etag
        )
        assert stale.status_code == 412
        assert stale["ETag"] == 'W/"2"'
        assert (
            client.patch(url, self.patch_payload(), content_type="application/json").status_code
            == 428
        )
        body = {**self.patch_payload(), "version": 1}
        conflict = client.patch(url, json.dumps(body), content_type="application/json")
        assert conflict.status_code == 409
        assert "changed since you read it" in conflict.json()["detail"]
        obj.refresh_from_db()
        assert obj.version == 2

    def test_read_only_role_gets_403_on_write(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.read_only)
        url = f"{self.path}/{obj.pk}"
        etag = client.get(url)["ETag"]
        assert (
            client.patch(
                url, self.patch_payload(), content_type="application/json", HTTP_IF_MATCH=etag
            ).status_code
            == 403
        )
        assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 403
        assert (
            client.post(
                self.path, self.create_payload(), content_type="application/json"
            ).status_code
            == 403
        )

    def test_editor_creates_and_deletes(self, client_for: Any) -> None:
        client = client_for(self.editor)
        created = client.post(self.path, self.create_payload(), content_type="application/json")
        assert created.status_code == 201, created.content
        url = f"{self.path}/{created.json()['id']}"
        assert client.delete(url, HTTP_IF_MATCH=created["ETag"]).status_code == 204
        assert client.get(url).status_code == 404


def reset_scope(user: Any) -> None:
    forget_scope(user)


class ReferenceViewTests:
    """Pages of Framework reference data: public to read; only administrators change it."""

    list_url: ClassVar[str]
    detail_url: ClassVar[str]
    history_url: ClassVar[str]
    edit_url: ClassVar[str | None] = None

    def make(self) -> Any:
        raise NotImplementedError  # each concrete test class picks a loaded record

    def edit_data(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError  # each concrete test class supplies a valid form

    def test_anonymous_reads_list_detail_and_history(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(None)
        listing = client.get(reverse(self.list_url))
        assert listing.status_code == 200
        assert reverse(self.detail_url, args=[obj.pk]) in listing.content.decode()
        assert client.get(reverse(self.detail_url, args=[obj.pk])).status_code == 200
        assert client.get(reverse(self.history_url, args=[obj.pk])).status_code == 200
        assert (
            client.get(reverse(self.list_url) + "?export=csv")
            .content.decode("utf-8-sig")
            .startswith("TLP:CLEAR")
        )

    def test_members_cannot_edit_reference_data(self, client_for: Any) -> None:
        if not self.edit_url:
            return
        obj = self.make()
        url = reverse(self.edit_url, args=[obj.pk])
        anonymous = client_for(None).get(url)
        assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
        for persona in ("secretariat", "jam_focal", "viewer"):
            assert client_for(persona).get(url).status_code == 403
            assert client_for(persona).post(url, self.edit_data(obj)).status_code == 403

    def test_administrator_edits_with_reason_history_and_version_check(
        self, admin_client: Any
    ) -> None:
        if not self.edit_url:
            return
        obj = self.make()
        url = reverse(self.edit_url, args=[obj.pk])
        data = {
            **self.edit_data(obj),
            "form_version": obj.version,
            "change_reason": "agreed wording",
        }
        before = obj.history.count()
        assert admin_client.post(url, data).status_code == 302
        obj.refresh_from_db()
        assert obj.history.count() == before + 1
        assert obj.history.first().history_change_reason == "agreed wording"
        assert admin_client.post(url, data).status_code == 409
