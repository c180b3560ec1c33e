"""The home page's prioritisation work: measures assigned to the user still to be scored."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from seccoop.core.panels import Panel, PanelItem

from .models import Assignment, Criterion


def home_panel(request: Any) -> Panel | None:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    mine = Assignment.objects.restrict(user, "view").filter(assessor=user, cycle__is_open=True)
    scored = list(mine.annotate(n=Count("scores")).values_list("n", flat=True))
    if not scored:
        return None
    total, needed = len(scored), Criterion.objects.count()
    pending = sum(1 for n in scored if n < needed)
    url = reverse("prioritization:my_assignments")
    return Panel(
        "prioritisation",
        str(_("Prioritisation")),
        [
            PanelItem(str(_("Measures assigned to you still to score")), url, pending),
            PanelItem(str(_("All your assignments")), url, total),
        ],
    )
