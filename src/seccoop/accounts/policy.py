"""The access policy: the one place that decides who may view, add, change or delete what.

Every model declares how it is governed with a class attribute ``access``:

* ``reference``: Framework reference data. Anyone may read it (it is TLP:CLEAR); only platform
  administrators, or staff with the model's Django permission, change it.
* ``marked``: a record with an owner and a TLP 2.0 marking (:class:`MarkedModel`).
  Read: CLEAR everyone; GREEN every user with an active membership; AMBER the owner's members and
  the members of every organisation it is released to (members of an organisation's parts count
  as within it); AMBER+STRICT the owner's direct members only; RED the named recipients only.
  Add, change and delete: members of the owner organisation whose role is one of the model's
  ``editor_roles``, on records they can read. A model may name a ``co_owner_field`` (a measure's
  Technical Working Group), or several: members of that organisation with an editing role may
  change it too.
  A model may name an ``assignee_field`` (an assessor): that person reads and works on the record.
  A model may name a ``closer_field`` (an action item's owner): that person may close the record
  (the ``close`` action) without other rights to change it.
  Review (approve or return what was submitted): members holding one of the model's
  ``reviewer_roles`` in an organisation that owns the record or that it is released to.
* ``user``, ``membership``, ``owned_by_user``: people and their own credentials.
* ``audit``: the audit trail. Members of the Commission's secretariat (the secretariat role) and
  platform administrators read it; nobody changes or deletes it (the database refuses too).

Abilities: what a user may do beyond one record's rules is named here too (``ABILITIES``), with
the roles that grant it: importing partners' IATI files, booking funding on any partner's behalf,
validating needs for the Commission, reading every State's figures as reported. Apps ask
``get_policy().may(user, name)``, and ``get_policy().acting_for(user, name)`` for the
organisations a user acts for under an ability; no app reads roles itself (import-linter forbids
importing this module outside ``accounts``).

Anything else is denied to everyone but platform administrators (fail closed). Platform
administrators (superusers) may read and change everything except TLP:RED records they are not
named on. The policy registers itself with ``core`` at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from seccoop.core.markings import TLP
from seccoop.core.policy import register_policy
from seccoop.framework.models import Organisation

from .models import EDITING_ROLES, Role

#: Named abilities: the roles that grant each, and the organisation (by code) where they must be
#: held, or None for any organisation. Platform administrators hold every ability.
ABILITIES: dict[str, tuple[frozenset[str], str | None]] = {
    # An IATI import writes partners, proposed measures and any partner's transactions.
    "funding.import_iati": (frozenset({Role.SECRETARIAT}), None),
    # The secretariat books funding on a partner's behalf; the record stays the partner's.
    "funding.book_for_any_partner": (frozenset({Role.SECRETARIAT}), None),
    # Only the Commission's secretariat validates or returns the needs released to it.
    "needs.review": (frozenset({Role.SECRETARIAT}), "COMMISSION"),
    # The secretariat validates every figure it may see, so it reads them as reported.
    "monitoring.read_reported": (frozenset({Role.SECRETARIAT}), None),
    # A member organisation answers its invitations and its action items through its officers.
    "meetings.answer_for": (EDITING_ROLES, None),
    # The organisations a user belongs to, in any role: whose records are the user's own.
    "member_of": (frozenset(Role.values), None),
}


@dataclass
class Scope:
    """What a user belongs to today, computed once per request (one query)."""

    member: bool = False
    orgs: set[int] = field(default_factory=set)
    release_orgs: set[int] = field(default_factory=set)
    roles: dict[int, set[str]] = field(default_factory=dict)

    def orgs_with_roles(self, roles: frozenset[str] | set[str]) -> set[int]:
        return {org for org, held in self.roles.items() if held & roles}

    def has_role(self, role: str) -> bool:
        return any(role in held for held in self.roles.values())


def user_scope(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_seccoop_scope", None)
    if cached is not None:
        return cached
    from .models import Membership

    scope = Scope()
    rows = (
        Membership.objects.active()
        .filter(user=user)
        .values_list(
            "organisation_id", "role", "organisation__parent_id", "organisation__parent__parent_id"
        )
    )
    for org_id, role, parent_id, grandparent_id in rows:
        scope.member = True
        scope.orgs.add(org_id)
        scope.roles.setdefault(org_id, set()).add(role)
        scope.release_orgs.add(org_id)
        scope.release_orgs.update(x for x in (parent_id, grandparent_id) if x)
    user._seccoop_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, "_seccoop_scope"):
        del user._seccoop_scope


def _through_exists(model: type[models.Model], m2m_name: str, target_ids: Any) -> Exists:
    through = model._meta.get_field(m2m_name).remote_field.through  # type: ignore[union-attr]  # an M2M field has one
    source = target = None
    for f in through._meta.fields:
        if f.is_relation and f.related_model is model and source is None:
            source = f.name
        elif f.is_relation:
            target = f.name
    return Exists(
        through.objects.filter(**{source: OuterRef("pk"), f"{target}_id__in": target_ids})
    )


def marking_q(model: type[models.Model], user: Any) -> Q:
    """The rows of a marked model that ``user`` may read."""
    scope = user_scope(user)
    q = Q(tlp=TLP.CLEAR)
    if not getattr(user, "is_authenticated", False):
        return q
    if scope.member or user.is_superuser:
        q |= Q(tlp=TLP.GREEN)
    if user.is_superuser:
        return (
            q
            | Q(tlp__in=[TLP.AMBER, TLP.AMBER_STRICT])
            | (Q(tlp=TLP.RED) & _through_exists(model, "recipients", [user.pk]))
        )
    if scope.release_orgs:
        q |= Q(tlp=TLP.AMBER, owner_id__in=scope.release_orgs)
        q |= Q(tlp=TLP.AMBER) & _through_exists(model, "releasable_to", list(scope.release_orgs))
    if scope.orgs:
        q |= Q(tlp=TLP.AMBER_STRICT, owner_id__in=scope.orgs)
    q |= Q(tlp=TLP.RED) & _through_exists(model, "recipients", [user.pk])
    assignee = getattr(model, "assignee_field", None)
    if assignee:
        q |= Q(**{assignee: user})
    return q


class FrameworkPolicy:
    """The platform's access policy (see the module docstring)."""

    def restrict(self, queryset: Any, user: Any, action: str) -> Any:
        model = queryset.model
        access = getattr(model, "access", None)
        authenticated = bool(getattr(user, "is_authenticated", False))
        superuser = authenticated and user.is_superuser and user.is_active
        if access == "reference":
            if action == "view":
                return queryset
            if superuser or (
                authenticated
                and user.is_staff
                and user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
            ):
                return queryset
            return queryset.none()
        if access == "marked":
            visible = queryset.filter(marking_q(model, user))
            if action == "view":
                return visible
            if superuser:
                return visible
            if action == "review":
                return self._reviewable(visible, model, user)
            if action == "close":
                closer = getattr(model, "closer_field", None)
                editable_rows = self.restrict(queryset, user, "change")
                if closer is None:
                    return editable_rows
                return visible.filter(Q(pk__in=editable_rows.values("pk")) | Q(**{closer: user}))
            orgs = user_scope(user).orgs_with_roles(model.editor_roles)
            assignee = getattr(model, "assignee_field", None)
            if not orgs and not assignee:
                return queryset.none()
            editable = Q(owner_id__in=orgs)
            co_owner = getattr(model, "co_owner_field", None)
            if co_owner and orgs:
                for name in (co_owner,) if isinstance(co_owner, str) else co_owner:
                    editable |= Q(**{f"{name}_id__in": orgs})
            if assignee:
                editable |= Q(**{assignee: user})  # the person a record is assigned to works on it
            return visible.filter(editable)
        if not authenticated:
            return queryset.none()
        if access == "user":
            if superuser:
                return queryset
            return queryset.filter(pk=user.pk)
        if access == "membership":
            if superuser:
                return queryset
            if action == "view":
                return queryset.filter(user=user)
            return queryset.none()
        if access == "audit":
            if action == "view" and (superuser or user_scope(user).has_role("secretariat")):
                return queryset
            return queryset.none()
        if access == "owned_by_user":
            if superuser and action == "view":
                return queryset
            return queryset.filter(user=user)
        if superuser:
            return queryset
        return queryset.none()

    @staticmethod
    def _reviewable(visible: Any, model: Any, user: Any) -> Any:
        """Records a reviewer (a ``reviewer_roles`` holder) may approve or return: those owned by,
        or released to, an organisation where the user holds such a role."""
        orgs = user_scope(user).orgs_with_roles(getattr(model, "reviewer_roles", frozenset()))
        if not orgs:
            return visible.none()
        return visible.filter(
            Q(owner_id__in=orgs) | _through_exists(model, "releasable_to", list(orgs))
        )

    def can_add(self, model: type[models.Model], user: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        access = getattr(model, "access", None)
        if user.is_superuser:
            return True
        if access == "reference":
            return bool(
                user.is_staff
                and user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}")
            )
        if access == "marked":
            return bool(user_scope(user).orgs_with_roles(model.editor_roles))  # type: ignore[attr-defined]  # marked models declare it
        return access == "owned_by_user"

    def acting_for(self, user: Any, ability: str) -> set[int]:
        """The organisations where ``user`` holds a role granting ``ability`` (its named
        organisation only, where it names one). Raises KeyError for an unknown ability."""
        roles, where = ABILITIES[ability]
        if not getattr(user, "is_authenticated", False):
            return set()
        orgs = user_scope(user).orgs_with_roles(roles)
        if where is not None:
            named = Organisation.objects.filter(code=where).values_list("pk", flat=True).first()
            orgs = orgs & {named} if named is not None else set()
        return orgs

    def may(self, user: Any, ability: str) -> bool:
        """Whether ``user`` holds ``ability`` (platform administrators hold every one)."""
        if ability not in ABILITIES:
            raise KeyError(ability)
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_superuser and user.is_active:
            return True
        return bool(self.acting_for(user, ability))

    def allowed_owners(self, model: type[models.Model], user: Any) -> Any:
        if getattr(user, "is_superuser", False):
            return Organisation.objects.all()
        if not getattr(user, "is_authenticated", False):
            return Organisation.objects.none()
        orgs = user_scope(user).orgs_with_roles(getattr(model, "editor_roles", frozenset()))
        return Organisation.objects.filter(pk__in=orgs)


policy = FrameworkPolicy()


def register() -> None:
    register_policy(policy)
