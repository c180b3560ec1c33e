"""The admin is inside the input bounds: no hostile address of ``/admin/`` reaches a 500.

For every model registered with the admin site (found from the site, so a new one is covered
without being named here), signed in as a platform administrator, the walk asks for its
changelist with hostile query parameters (an over-long or control-character search, a garbage or
out-of-range ordering, a huge or negative page, bad values for every filter the list offers and for
every field's ``__exact``), and for its add, change, history and delete pages with out-of-range,
negative and non-numeric ids in the path, and an existing record's with hostile parameters. Every
answer is below 500: Django's admin answers a bad filter with the list and ``?e=1``, an unknown
record with a redirect to the list, and the input guard a NUL with a 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse

from seccoop.accounts.models import User

pytestmark = pytest.mark.django_db

LONG = "x" * 5000
#: Hostile changelist parameters, each asked alone.
CHANGELIST = [
    {"q": LONG},
    {"q": "a\x00b"},
    {"q": "\u202e\x07"},
    {"q": "%"},
    {"o": "garbage"},
    {"o": "99.-98.x"},
    {"o": str(2**70)},
    {"p": str(2**70)},
    {"p": "-1"},
    {"p": "x"},
    {"all": "1", "p": "2"},
    {"e": "1"},
    {"_to_field": "password"},
    {"id__exact": str(2**64)},
    {"pk__in": f"1,{2**64},x"},
    {"nonexistent__field": "1"},
]
#: Bad values for a field's ``__exact`` (and for a list filter's own parameters).
BAD_VALUES = [str(2**64), "x", "1990-13-45"]
#: Ids in the path of the change, history and delete pages.
BAD_IDS = [str(2**63), str(2**64), "-1", "0", "x", quote("1/../2"), "%2500"]


def registered() -> list[tuple[type[models.Model], Any]]:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def filter_parameters(model: type[models.Model], model_admin: Any) -> list[str]:
    """The query parameters a bad value can be given to: each concrete field's ``__exact`` and
    ``__gte``, and what the list filters read."""
    names = []
    for field in model._meta.concrete_fields:
        names += [f"{field.attname}__exact", f"{field.name}__gte"]
    for entry in model_admin.list_filter:
        name = entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else ""
        if name:
            names += [f"{name}__exact", f"{name}__id__exact", f"{name}__gte", f"{name}__isnull"]
        elif hasattr(entry, "parameter_name"):
            names.append(entry.parameter_name)
    return sorted(set(names))


@pytest.fixture
def administrator(world: None) -> Client:
    user = User.objects.create_superuser("bounds_admin", "bounds@example.invalid", "x" * 20)
    client = Client()
    client.force_login(user)
    client.raise_request_exception = False
    return client


def test_the_walk_covers_the_admin_site() -> None:
    assert len(registered()) >= 30


@pytest.mark.parametrize(
    ("model", "model_admin"),
    registered(),
    ids=lambda v: getattr(v, "_meta", None) and v._meta.label,
)
def test_hostile_admin_addresses_answer_below_500(
    administrator: Client, model: type[models.Model], model_admin: Any
) -> None:
    failures: dict[str, int] = {}

    def ask(address: str) -> None:
        response = administrator.get(address)
        if response.status_code >= 500:
            failures[address[:160]] = response.status_code

    changelist = url(model, "changelist")
    ask(changelist)
    for params in CHANGELIST:
        ask(f"{changelist}?{urlencode(params)}")
    for name in filter_parameters(model, model_admin):
        for value in BAD_VALUES:
            ask(f"{changelist}?{urlencode({name: value})}")
    if model_admin.has_add_permission(_request(administrator)):
        ask(url(model, "add"))
        ask(
            f"{url(model, 'add')}?{urlencode({f.attname: BAD_VALUES[0] for f in model._meta.concrete_fields})}"
        )
    existing = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    for view in ("change", "history", "delete"):
        base = url(model, view, "ID")
        for bad in BAD_IDS:
            ask(base.replace("/ID/", f"/{bad}/"))
        if existing is not None:
            target = url(model, view, existing)
            ask(target)
            ask(f"{target}?{urlencode({'_changelist_filters': 'o=x&p=' + str(2**70)})}")
            ask(f"{target}?{urlencode({'_to_field': 'password', '_popup': '1'})}")
    assert failures == {}, model._meta.label


def _request(client: Client) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="bounds_admin")
    return request
