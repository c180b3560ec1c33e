"""The home page: the Framework's structure, and the signed-in user's memberships and scope."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from seccoop.core.models import AuditEvent
from seccoop.core.panels import Panel, PanelItem, panels_for
from seccoop.framework.models import Body, Category, Mechanism, Party, StrategicPriority

from .filters import DENIAL_ACTIONS
from .models import Contact, Membership, Role
from .policy import user_scope

ROLE_FOCUS = {
    Role.SECRETARIAT: "secretariat",
    Role.FOCAL_POINT: "focal_point",
    Role.TWG_MEMBER: "twg_member",
    Role.PARTNER_OFFICER: "partner_officer",
    Role.WATCH_OFFICER: "watch_officer",
    Role.VIEWER: "viewer",
}


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    priorities = list(
        StrategicPriority.objects.restrict(user, "view").prefetch_related(
            Prefetch("categories", queryset=Category.objects.restrict(user, "view"))
        )
    )
    context = {
        "priorities": priorities,
        "bodies": Body.objects.restrict(user, "view").select_related("organisation"),
        "party_count": Party.objects.restrict(user, "view").count(),
        "category_count": sum(len(p.categories.all()) for p in priorities),
    }
    if user.is_authenticated:
        memberships = list(
            Membership.objects.restrict(user, "view")
            .active()
            .filter(user=user)
            .select_related("organisation", "organisation__parent")
        )
        scope = user_scope(user)
        roles = sorted({m.role for m in memberships})
        context.update(
            {
                "memberships": memberships,
                "roles": [ROLE_FOCUS[Role(r)] for r in roles],
                "scope": scope,
                "contact_count": Contact.objects.restrict(user, "view").count(),
                "own_contacts": Contact.objects.restrict(user, "view")
                .filter(owner_id__in=scope.orgs)
                .select_related("owner")[:5],
                "own_parties": Party.objects.restrict(user, "view")
                .filter(organisation_id__in=scope.orgs)
                .select_related("organisation"),
                "panels": panels_for(request),
            }
        )
        # Each role's own panel reads only what it shows.
        if Role.WATCH_OFFICER in roles:
            context["coordination_centre"] = (
                Mechanism.objects.restrict(user, "view").filter(number=4).first()
            )
        if Role.SECRETARIAT in roles:
            context["commission"] = (
                Body.objects.restrict(user, "view")
                .filter(organisation__code="COMMISSION")
                .select_related("organisation")
                .prefetch_related("responsibilities")
                .first()
            )
    return render(request, "home.html", context)


def audit_panel(request: HttpRequest) -> Panel | None:
    """For those the policy lets read the audit trail: a link to it, with the last week's count."""
    events = AuditEvent.objects.restrict(request.user, "view")
    if events.query.is_empty():
        return None
    week = events.filter(at__gte=timezone.now() - timedelta(days=7)).count()
    denied = events.filter(
        at__gte=timezone.now() - timedelta(days=7), action__in=DENIAL_ACTIONS
    ).count()
    items = [
        PanelItem(_("Audit trail: events in the last 7 days"), reverse("accounts:audit_list"), week)
    ]
    if denied:
        items.append(
            PanelItem(
                _("Refused sign-ins and denied requests in the last 7 days"),
                reverse("accounts:audit_list") + "?refused=true",
                denied,
            )
        )
    return Panel("audit", str(_("Platform security")), items)
