"""/api/v1/accounts: who am I, and the contact directory (an owned, TLP-marked record)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from seccoop.core.api import (
    ErrorOut,
    Pagination,
    filter_queryset,
    get_visible,
    get_with_etag,
    require_if_match,
)
from seccoop.core.audit import record_event
from seccoop.core.concurrency import etag_for
from seccoop.core.markings import TLP
from seccoop.core.policy import get_policy
from seccoop.core.types import Label, SafeText, Version
from seccoop.framework.models import Organisation

from .filters import ContactFilterSet
from .models import Contact, Membership
from .policy import user_scope

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_code: str
    organisation_name: str
    role: str
    start: str
    end: str | None


class MeOut(Schema):
    username: str
    name: str
    preferred_language: str
    is_member: bool
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    user = request.user
    rows = (
        Membership.objects.restrict(user, "view")
        .active()
        .filter(user=user)
        .select_related("organisation")
    )
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "preferred_language": user.preferred_language,
        "is_member": user_scope(user).member,
        "memberships": [
            {
                "organisation_code": m.organisation.code,
                "organisation_name": str(m.organisation.name),
                "role": m.role,
                "start": m.start.isoformat(),
                "end": m.end.isoformat() if m.end else None,
            }
            for m in rows
        ],
    }


class ContactOut(Schema):
    id: int
    version: int
    owner: str
    name: str
    position: str
    email: str
    phone: str
    notes: str
    tlp: str
    releasable_to: list[str]
    caveat: str

    @staticmethod
    def resolve_owner(obj: Contact) -> str:
        return obj.owner.code

    @staticmethod
    def resolve_releasable_to(obj: Contact) -> list[str]:
        return [o.code for o in obj.releasable_to.all()]


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    owner: Label = Field(description="Code of the owning party, body or organisation")
    name: Label = Field(min_length=1, max_length=150)
    position: Label = Field("", max_length=150)
    email: Label | None = Field(None, max_length=254)
    phone: Label = Field("", max_length=40)
    notes: SafeText = Field("", max_length=5000)
    tlp: TLP = TLP.AMBER_STRICT
    releasable_to: list[Label] = Field(default_factory=list, max_length=50)
    caveat: Label = Field("", max_length=120)


class ContactPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = Field(None, description="The version you read; or send If-Match")
    name: Label | None = Field(None, min_length=1, max_length=150)
    position: Label | None = Field(None, max_length=150)
    email: Label | None = Field(None, max_length=254)
    phone: Label | None = Field(None, max_length=40)
    notes: SafeText | None = Field(None, max_length=5000)
    tlp: TLP | None = None
    releasable_to: list[Label] | None = Field(None, max_length=50)
    caveat: Label | None = Field(None, max_length=120)


def _contacts(request: HttpRequest) -> Any:
    return (
        Contact.objects.restrict(request.user, "view")
        .select_related("owner")
        .prefetch_related("releasable_to")
    )


def _orgs(user: Any, codes: list[str], field: str) -> list[Organisation]:
    found = {o.code: o for o in Organisation.objects.restrict(user, "view").filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {field: [_("Unknown organisation code(s): {codes}").format(codes=", ".join(unknown))]}
        )
    return [found[c] for c in codes]


def _check_marking(tlp: str) -> None:
    if tlp == TLP.RED:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"tlp": [_("TLP:RED needs named recipients; contacts cannot be RED.")]}
        )


@router.get("/contacts", response=list[ContactOut])
@paginate(Pagination)
def list_contacts(
    request: HttpRequest, q: str | None = None, owner: str | None = None, tlp: str | None = None
) -> Any:
    return filter_queryset(
        request, ContactFilterSet, _contacts(request).restrict(request.user, "view")
    )


@router.get("/contacts/{pk}", response={200: ContactOut, 404: ErrorOut})
def get_contact(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _contacts(request), pk, response)


@router.post("/contacts", response={201: ContactOut, 400: ErrorOut, 403: ErrorOut})
def create_contact(request: HttpRequest, payload: ContactIn, response: HttpResponse) -> Any:
    owners = get_policy().allowed_owners(Contact, request.user)
    owner = owners.filter(code=payload.owner).first()
    if owner is None:
        raise HttpError(
            403, _("You cannot create contacts for {owner}.").format(owner=payload.owner)
        )
    _check_marking(payload.tlp)
    released = _orgs(request.user, payload.releasable_to, "releasable_to")
    with transaction.atomic():
        obj = Contact(
            owner=owner,
            name=payload.name,
            position=payload.position,
            email=payload.email or "",
            phone=payload.phone,
            notes=payload.notes,
            tlp=payload.tlp,
            caveat=payload.caveat,
        )
        obj._change_reason = _("Created through the API")
        obj.full_clean(exclude=["releasable_to", "recipients"])
        obj.save()
        obj.releasable_to.set(released)
        record_event("contact.created", request=request, obj=obj)
    response["ETag"] = etag_for(obj)
    return Status(201, obj)


@router.patch(
    "/contacts/{pk}",
    response={
        200: ContactOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        412: ErrorOut,
        428: ErrorOut,
    },
)
def update_contact(
    request: HttpRequest, pk: int, payload: ContactPatch, response: HttpResponse
) -> Any:
    get_visible(request, _contacts(request), pk, "change")
    changes = payload.model_dump(exclude_unset=True)
    body_version = changes.pop("version", None)
    with transaction.atomic():
        locked = Contact.objects.restrict(request.user, "change").select_for_update().get(pk=pk)
        require_if_match(request, locked, body_version)
        released = changes.pop("releasable_to", None)
        if "tlp" in changes:
            _check_marking(changes["tlp"])
        for field, value in changes.items():
            setattr(locked, field, "" if value is None and field == "email" else value)
        locked.version += 1
        locked._change_reason = request.headers.get("X-Change-Reason", "")[:250] or _(
            "Edited through the API"
        )
        locked.full_clean(exclude=["releasable_to", "recipients"])
        locked.save()
        if released is not None:
            locked.releasable_to.set(_orgs(request.user, released, "releasable_to"))
    return get_with_etag(request, _contacts(request), pk, response)


@router.delete(
    "/contacts/{pk}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 428: ErrorOut},
)
def delete_contact(request: HttpRequest, pk: int, version: Version | None = None) -> Any:
    get_visible(request, _contacts(request), pk, "delete")
    with transaction.atomic():
        locked = Contact.objects.restrict(request.user, "delete").select_for_update().get(pk=pk)
        require_if_match(request, locked, version)
        locked._change_reason = request.headers.get("X-Change-Reason", "")[:250] or _(
            "Deleted through the API"
        )
        record_event("contact.deleted", request=request, obj=locked)
        locked.delete()
    return Status(204, None)
