"""The home page's needs work: needs of the user's organisation still to submit or correct."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from seccoop.core.panels import Panel, PanelItem
from seccoop.core.policy import get_policy

from .models import AssessmentCycle, Need


def home_panel(request: Any) -> Panel | None:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not get_policy().can_add(Need, user):
        return None
    # One query: the needs the user may change in the latest open cycle that has any.
    latest = (
        Need.objects.restrict(user, "change")
        .filter(cycle__status=AssessmentCycle.Status.OPEN)
        .order_by()
        .values("cycle__year")
        .annotate(
            drafts=Count("pk", filter=Q(status=Need.Status.DRAFT)),
            returned=Count("pk", filter=Q(status=Need.Status.RETURNED)),
        )
        .order_by("-cycle__year")
        .first()
    )
    if latest is None:
        return None
    year = latest["cycle__year"]
    listing = reverse("needs:need_list")
    return Panel(
        "needs",
        str(_("Needs assessment {year}")).format(year=year),
        [
            PanelItem(
                str(_("Needs to submit")),
                f"{listing}?{urlencode({'cycle': year, 'status': Need.Status.DRAFT})}",
                latest["drafts"],
            ),
            PanelItem(
                str(_("Needs returned to you for correction")),
                f"{listing}?{urlencode({'cycle': year, 'status': Need.Status.RETURNED})}",
                latest["returned"],
            ),
            PanelItem(str(_("The matrix")), reverse("needs:matrix")),
        ],
    )
