"""Pages for browsing the Framework as the 2010 document sets it out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from seccoop.core.views import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
)

from .diagram import framework_svg
from .filters import BodyFilterSet, CategoryFilterSet, OrganisationFilterSet, PartyFilterSet
from .forms import CategoryForm, OrganisationForm
from .models import (
    Body,
    Category,
    Criterion,
    EngagementLevel,
    Instrument,
    Mechanism,
    Organisation,
    Party,
    ReportingAuthority,
    StrategicPriority,
)


def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "framework/overview.html",
        {
            "instruments": Instrument.objects.restrict(user, "view"),
            "priorities": StrategicPriority.objects.restrict(user, "view").prefetch_related(
                "categories"
            ),
            "criteria": Criterion.objects.restrict(user, "view"),
            "levels": EngagementLevel.objects.restrict(user, "view").prefetch_related(
                "authorities__organisation"
            ),
            "bodies": Body.objects.restrict(user, "view")
            .select_related("organisation")
            .prefetch_related("responsibilities"),
            "reporting": ReportingAuthority.objects.restrict(user, "view").select_related(
                "organisation", "reports_to"
            ),
            "mechanisms": Mechanism.objects.restrict(user, "view"),
        },
    )


def diagram(request: HttpRequest) -> HttpResponse:
    return render(request, "framework/diagram.html", {"svg": framework_svg(request.user)})


class PublicMixin:
    login_required = False


class CategoryListView(PublicMixin, ObjectListView):
    model = Category
    detail_url_name = "framework:category_detail"
    filterset_class = CategoryFilterSet
    select_related = ("priority",)
    title = _("Categories of engagement")
    columns = [
        Column("code", _("Code"), link=True),
        Column("name", _("Name"), link=True),
        Column("priority", _("Strategic priority")),
        Column("objective", _("Objective")),
    ]


class CategoryDetailView(PublicMixin, ObjectDetailView):
    model = Category
    fields = [
        Column("code", _("Code")),
        Column("name", _("Name")),
        Column("priority", _("Strategic priority")),
        Column("objective", _("Objective")),
    ]
    edit_url_name = "framework:category_edit"
    history_url_name = "framework:category_history"

    def get_base_queryset(self) -> Any:
        return Category.objects.restrict(self.request.user, "view").select_related("priority")


class CategoryEditView(ObjectEditView):
    model = Category
    form_class = CategoryForm
    success_url_name = "framework:category_detail"
    reason_required = True


class CategoryHistoryView(PublicMixin, ObjectHistoryView):
    model = Category
    detail_url_name = "framework:category_detail"


class PartyListView(PublicMixin, ObjectListView):
    model = Party
    detail_url_name = "framework:party_detail"
    filterset_class = PartyFilterSet
    select_related = ("organisation",)
    title = _("Parties")
    columns = [
        Column("organisation__name", _("Name"), link=True),
        Column("iso3", _("ISO alpha-3")),
        Column("iso2", _("ISO alpha-2")),
        Column("organisation__get_side_display", _("Side")),
        Column("languages", _("Languages")),
        Column("currencies", _("Currencies")),
        Column("time_zone", _("Time zone")),
    ]


class PartyDetailView(PublicMixin, ObjectDetailView):
    model = Party
    template_name = "framework/party_detail.html"
    fields = [
        Column("organisation__name", _("Name")),
        Column("iso3", _("ISO alpha-3")),
        Column("iso2", _("ISO alpha-2")),
        Column("iso_numeric", _("ISO numeric")),
        Column("organisation__get_side_display", _("Side")),
        Column("caricom_status", _("CARICOM status")),
        Column("languages", _("Languages")),
        Column("currencies", _("Currencies")),
        Column("time_zone", _("Time zone")),
        Column("population", _("Population")),
    ]
    history_url_name = "framework:party_history"

    def get_base_queryset(self) -> Any:
        return (
            Party.objects.restrict(self.request.user, "view")
            .select_related("organisation")
            .prefetch_related("participations")
        )


class PartyHistoryView(PublicMixin, ObjectHistoryView):
    model = Party
    detail_url_name = "framework:party_detail"


class OrganisationListView(PublicMixin, ObjectListView):
    model = Organisation
    detail_url_name = "framework:organisation_detail"
    filterset_class = OrganisationFilterSet
    select_related = ("parent",)
    title = _("Organisations")
    columns = [
        Column("code", _("Code"), link=True),
        Column("name", _("Name"), link=True),
        Column("get_kind_display", _("Kind")),
        Column("get_side_display", _("Side")),
        Column("parent", _("Part of")),
    ]


class OrganisationDetailView(PublicMixin, ObjectDetailView):
    model = Organisation
    fields = [
        Column("code", _("Code")),
        Column("name", _("Name")),
        Column("short_name", _("Short name")),
        Column("get_kind_display", _("Kind")),
        Column("get_side_display", _("Side")),
        Column("parent", _("Part of")),
        Column("website", _("Website")),
        Column("iati_identifier", _("IATI organisation identifier")),
    ]
    edit_url_name = "framework:organisation_edit"
    history_url_name = "framework:organisation_history"

    def get_base_queryset(self) -> Any:
        return Organisation.objects.restrict(self.request.user, "view").select_related("parent")


class OrganisationEditView(ObjectEditView):
    model = Organisation
    form_class = OrganisationForm
    success_url_name = "framework:organisation_detail"
    reason_required = True


class OrganisationHistoryView(PublicMixin, ObjectHistoryView):
    model = Organisation
    detail_url_name = "framework:organisation_detail"


class BodyListView(PublicMixin, ObjectListView):
    model = Body
    detail_url_name = "framework:body_detail"
    filterset_class = BodyFilterSet
    select_related = ("organisation",)
    title = _("Bodies")
    columns = [
        Column("organisation__name", _("Name"), link=True),
        Column("get_body_type_display", _("Type")),
        Column("cadence", _("Cadence")),
        Column("meetings_per_year", _("Meetings a year (minimum)")),
        Column("get_venue_rule_display", _("Venue rule")),
    ]


class BodyDetailView(PublicMixin, ObjectDetailView):
    model = Body
    template_name = "framework/body_detail.html"
    fields = [
        Column("organisation__name", _("Name")),
        Column("get_body_type_display", _("Type")),
        Column("cadence", _("Cadence")),
        Column("meetings_per_year", _("Meetings a year (minimum)")),
        Column("get_venue_rule_display", _("Venue rule")),
        Column("mandate", _("Mandate")),
        Column("may_include_partners", _("May include international partners")),
        Column("may_include_ngos", _("May include non-governmental stakeholders")),
        Column("source", _("Source in the Framework")),
    ]
    history_url_name = "framework:body_history"

    def get_base_queryset(self) -> Any:
        return (
            Body.objects.restrict(self.request.user, "view")
            .select_related("organisation")
            .prefetch_related("responsibilities")
        )


class BodyHistoryView(PublicMixin, ObjectHistoryView):
    model = Body
    detail_url_name = "framework:body_detail"
