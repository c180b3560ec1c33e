"""Meeting pages: the list, a meeting with its agenda, decisions and action items, and calendars."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from seccoop.accounts.models import ApiToken
from seccoop.core.views import Column, ObjectDetailView, ObjectListView, get_restricted_object

from .ical import calendar
from .models import CalendarFeed, Meeting
from .services import carried_forward, create_feed, resolve_feed, revoke_feed, upcoming_for

ICS = "text/calendar; charset=utf-8"


class MeetingListView(ObjectListView):
    model = Meeting
    title = gettext_lazy("Meetings")
    detail_url_name = "meetings:meeting_detail"
    select_related = ("body__organisation", "host__organisation")
    columns = [
        Column("code", gettext_lazy("Code"), link=True),
        Column("title", gettext_lazy("Title")),
        Column("local_start", gettext_lazy("Start (venue time)")),
        Column("time_zone", gettext_lazy("Time zone")),
        Column("venue_city", gettext_lazy("Venue")),
        Column("host", gettext_lazy("Host")),
        Column("get_status_display", gettext_lazy("Status")),
    ]


class MeetingDetailView(ObjectDetailView):
    model = Meeting
    template_name = "meetings/meeting_detail.html"

    def get_base_queryset(self) -> Any:
        return Meeting.objects.restrict(self.request.user, "view").select_related(
            "body__organisation", "host__organisation"
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "agenda": obj.agenda.restrict(user, "view").prefetch_related("measures"),
            "decisions": obj.decisions.restrict(user, "view").select_related("plan_version"),
            "action_items": obj.action_items.restrict(user, "view").select_related(
                "owner_party__organisation", "owner_body__organisation", "owner_user"
            ),
            "carried": carried_forward(obj, user),
            "delegations": obj.delegations.restrict(user, "view").select_related("organisation"),
        }


def _caller(request: HttpRequest) -> Any:
    """The signed-in user, or the owner of a valid API token (``Authorization: Bearer``)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ApiToken.resolve(header[7:].strip())
        return token.user if token is not None else None
    return request.user if request.user.is_authenticated else None


def _ics(request: HttpRequest, meetings: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        calendar(
            meetings,
            lambda m: request.build_absolute_uri(reverse("meetings:meeting_detail", args=[m.pk])),
        ),
        content_type=ICS,
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def meeting_ics(request: HttpRequest, pk: str) -> HttpResponse:
    """One meeting as an .ics file, for a signed-in session or an API token."""
    user = _caller(request)
    if user is None:
        raise Http404
    request.user = user
    meeting = get_restricted_object(
        request, Meeting, pk, queryset=Meeting.objects.restrict(user, "view")
    )
    return _ics(request, [meeting], f"{meeting.code}.ics")


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A user's private subscription: the meetings they may see, by a revocable secret URL."""
    feed = resolve_feed(token)
    if feed is None:
        raise Http404
    return _ics(request, upcoming_for(feed.user)[:500], "seccoop.ics")


@login_required
def feeds(request: HttpRequest) -> HttpResponse:
    mine = CalendarFeed.objects.restrict(request.user, "view").filter(user=request.user)
    return render(request, "meetings/feeds.html", {"feeds": mine, "new_url": None})


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    _feed, raw = create_feed(request.user)
    url = request.build_absolute_uri(reverse("meetings:feed", args=[raw]))
    mine = CalendarFeed.objects.restrict(request.user, "view").filter(user=request.user)
    return render(request, "meetings/feeds.html", {"feeds": mine, "new_url": url})


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    feed = get_restricted_object(request, CalendarFeed, pk, "change")
    revoke_feed(feed)
    messages.success(
        request, gettext_lazy("The calendar feed is revoked; its address no longer works.")
    )
    return HttpResponseRedirect(reverse("meetings:feeds"))
