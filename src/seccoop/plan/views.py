"""Plan of Action pages: versions, the measure tree, measures, adoption, the next version, diffs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from seccoop.core.policy import get_policy
from seccoop.core.views import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    add_service_errors,
    get_restricted_object,
)
from seccoop.framework.models import Organisation, StrategicPriority

from .filters import MeasureFilterSet, PlanVersionFilterSet
from .forms import (
    AdoptForm,
    BenchmarkForm,
    DiffForm,
    MeasureAddForm,
    MeasureForm,
    MeasureVersionForm,
    MilestoneForm,
    NextVersionForm,
    ended_message,
)
from .models import Benchmark, Measure, MeasureVersion, Milestone, PlanVersion
from .services import (
    add_measure,
    adopt_by_decision,
    attach_progress,
    change_content,
    diff_versions,
    entries_of,
    progress_of,
    start_next_version,
    with_progress,
)


class PlanVersionListView(ObjectListView):
    login_required = False
    model = PlanVersion
    filterset_class = PlanVersionFilterSet
    select_related = ("adopted_by", "based_on")
    title = gettext_lazy("Plan of Action versions")
    detail_url_name = "plan:version_detail"
    columns = [
        Column("label", gettext_lazy("Version"), link=True),
        Column("year", gettext_lazy("Year")),
        Column("get_status_display", gettext_lazy("Status")),
        Column("adopted_on", gettext_lazy("Adopted on")),
        Column("adopted_by", gettext_lazy("Adopted by")),
        Column("based_on", gettext_lazy("Based on")),
    ]


class PlanVersionDetailView(ObjectDetailView):
    """The measure tree of one version, by strategic priority and category."""

    login_required = False
    model = PlanVersion
    template_name = "plan/version_detail.html"
    history_url_name = "plan:version_history"
    fields = [
        Column("year", gettext_lazy("Year")),
        Column("get_status_display", gettext_lazy("Status")),
        Column("adopted_on", gettext_lazy("Adopted on")),
        Column("adopted_by", gettext_lazy("Adopted by")),
        Column("based_on", gettext_lazy("Based on")),
        Column("notes", gettext_lazy("Notes")),
    ]

    def get_base_queryset(self) -> Any:
        return PlanVersion.objects.restrict(self.request.user, "view").select_related(
            "adopted_by", "based_on"
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        entries = {e.measure_id: e for e in entries_of(obj, user).select_related("category")}
        measures = list(
            with_progress(
                Measure.objects.restrict(user, "view").filter(pk__in=list(entries))
            ).select_related("lead")
        )
        by_category: dict[int | None, list[Any]] = {}
        attach_progress(measures, user)
        for m in measures:
            # The page shows what this version says about each measure (frozen once adopted).
            entry = entries[m.pk]
            m.progress = m.blended_progress
            m.code, m.title, m.order, m.category_id = (
                entry.code,
                entry.title,
                entry.order,
                entry.category_id,
            )
            m.entry = entry
        measures.sort(key=lambda m: (m.order, m.code))
        for m in measures:
            by_category.setdefault(m.category_id, []).append(m)
        institutional = [m for m in measures if m.kind == Measure.Kind.INSTITUTIONAL]
        tree = []
        for priority in StrategicPriority.objects.restrict(user, "view").prefetch_related(
            "categories"
        ):
            cats = [
                (c, [m for m in by_category.get(c.pk, []) if m.kind != Measure.Kind.INSTITUTIONAL])
                for c in priority.categories.all()
            ]
            tree.append((priority, cats))
        can_manage = PlanVersion.objects.restrict(user, "change").filter(pk=obj.pk).exists()
        return {
            "tree": tree,
            "institutional": institutional,
            "measure_count": len(measures),
            "can_adopt": can_manage and obj.status == PlanVersion.Status.DRAFT,
            "can_add_measure": obj.status == PlanVersion.Status.DRAFT
            and get_policy().can_add(Measure, user),
            "can_start_next": can_manage and obj.status != PlanVersion.Status.DRAFT,
            "adopt_form": AdoptForm(user=user),
            "next_form": NextVersionForm(base=obj),
            "others": PlanVersion.objects.restrict(user, "view").exclude(pk=obj.pk),
            "ended": Measure.objects.restrict(user, "view").filter(ended_by=obj).order_by("code"),
            # Decisions of meetings that adopted this version (the meetings module adds them).
            "adopting_decisions": obj.decisions.restrict(user, "view").select_related(
                "meeting__body__organisation"
            )
            if hasattr(obj, "decisions")
            else [],
        }


class PlanVersionHistoryView(ObjectHistoryView):
    login_required = False
    model = PlanVersion
    detail_url_name = "plan:version_detail"


class MeasureListView(ObjectListView):
    login_required = False
    model = Measure
    filterset_class = MeasureFilterSet
    select_related = ("plan", "category", "lead", "ended_by")
    title = gettext_lazy("Measures")
    detail_url_name = "plan:measure_detail"
    columns = [
        Column("code", gettext_lazy("Code"), link=True),
        Column("title", gettext_lazy("Title"), link=True),
        Column("plan", gettext_lazy("Plan version shown")),
        Column("ended_by", gettext_lazy("Ended by")),
        Column("category__code", gettext_lazy("Category")),
        Column("get_kind_display", gettext_lazy("Kind")),
        Column("lead", gettext_lazy("Lead body")),
        Column("get_status_display", gettext_lazy("Status")),
    ]


class MeasureDetailView(ObjectDetailView):
    login_required = False
    model = Measure
    template_name = "plan/measure_detail.html"
    edit_url_name = "plan:measure_edit"
    history_url_name = "plan:measure_history"
    fields = [
        Column("code", gettext_lazy("Code")),
        Column("plan", gettext_lazy("Plan version shown")),
        Column("ended_by", gettext_lazy("Ended by")),
        Column("category", gettext_lazy("Category")),
        Column("get_kind_display", gettext_lazy("Kind")),
        Column("mechanism", gettext_lazy("Mechanism (section III.A)")),
        Column("lead", gettext_lazy("Lead body")),
        Column("twg", gettext_lazy("Technical Working Group")),
        Column("implementing_agencies", gettext_lazy("Implementing agencies")),
        Column("partners", gettext_lazy("Partners")),
        Column("participating_states", gettext_lazy("Participating states")),
        Column("start", gettext_lazy("Start")),
        Column("end", gettext_lazy("End")),
        Column("get_status_display", gettext_lazy("Status")),
        Column("parent", gettext_lazy("Part of")),
        Column("description", gettext_lazy("Description")),
    ]

    def get_base_queryset(self) -> Any:
        return (
            Measure.objects.restrict(self.request.user, "view")
            .select_related("plan", "ended_by", "category", "mechanism", "lead", "twg", "parent")
            .prefetch_related(
                "implementing_agencies", "partners", "participating_states__organisation"
            )
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        needs = obj.needs.restrict(user, "view").select_related("state", "category", "cycle")
        can_change = Measure.objects.restrict(user, "change").filter(pk=obj.pk).exists()
        versions = (
            MeasureVersion.objects.restrict(user, "view")
            .filter(measure=obj)
            .select_related("plan", "category")
            .order_by("-plan__year", "-plan_id")
        )
        ending = (
            obj.ended_by.decisions.restrict(user, "view")
            if obj.ended_by_id is not None and hasattr(obj.ended_by, "decisions")
            else []
        )
        return {
            "needs": needs,
            "milestones": obj.milestones.restrict(user, "view"),
            # The focal points of a State leading the measure record its milestones too.
            "editable_milestones": set()
            if obj.ended_by_id is not None
            else set(obj.milestones.restrict(user, "change").values_list("pk", flat=True)),
            "benchmarks": obj.benchmarks.restrict(user, "view").select_related("proposed_by"),
            "progress": progress_of(obj, user),
            "ended": obj.ended_by_id is not None,
            "ending_decisions": ending,
            "versions": versions,
            **({"edit_url": None} if obj.ended_by_id is not None else {}),
            "can_change": can_change and obj.ended_by_id is None,
            "can_change_content": can_change,
            "milestone_form": MilestoneForm(user=user, instance=Milestone(measure=obj)),
        }


class MeasureHistoryView(ObjectHistoryView):
    login_required = False
    model = Measure
    detail_url_name = "plan:measure_detail"


class MeasureEditView(ObjectEditView):
    """What happens to a measure (status, dates, bodies, needs): open on the plan in force and in
    a draft, with the reason kept in its history; closed once a version ended the measure."""

    model = Measure
    form_class = MeasureForm
    success_url_name = "plan:measure_detail"
    reason_required = True


class MeasureContentEditView(ObjectEditView):
    """What a draft says about a measure; an adopted version's content is frozen."""

    model = MeasureVersion
    form_class = MeasureVersionForm

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        entry = form.instance
        return change_content(
            entry,
            actor=self.request.user,
            reason=reason,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        )

    def success_url(self, obj: Any) -> str:
        return reverse("plan:measure_detail", args=[obj.measure_id])


@login_required
@require_POST
def adopt_version(request: HttpRequest, pk: Any) -> HttpResponse:
    """Adopt a draft by recording the decision of a held Dialogue (through the meetings service,
    the one path that adopts)."""
    version = get_restricted_object(request, PlanVersion, pk, "change")
    form = AdoptForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            code = adopt_by_decision(
                version,
                actor=request.user,
                meeting=form.cleaned_data["meeting"],
                text=form.cleaned_data["text"],
            )
            messages.success(
                request,
                _("{label} is adopted by decision {code}.").format(label=version.label, code=code),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose the held Dialogue whose decision adopts this version."))
    return HttpResponseRedirect(reverse("plan:version_detail", args=[version.pk]))


@login_required
@require_POST
def next_version(request: HttpRequest, pk: Any) -> HttpResponse:
    version = get_restricted_object(request, PlanVersion, pk, "change")
    form = NextVersionForm(request.POST, base=version)
    if not form.is_valid():
        messages.error(request, _("Give the year and a label for the next version."))
        return HttpResponseRedirect(reverse("plan:version_detail", args=[version.pk]))
    try:
        draft = start_next_version(
            version,
            actor=request.user,
            year=form.cleaned_data["year"],
            label=form.cleaned_data["label"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("plan:version_detail", args=[version.pk]))
    messages.success(
        request,
        _("{label} is started as a draft copy of {base}.").format(
            label=draft.label, base=version.label
        ),
    )
    return HttpResponseRedirect(reverse("plan:version_detail", args=[draft.pk]))


def diff_view(request: HttpRequest) -> HttpResponse:
    form = DiffForm(request.GET or None, user=request.user)
    diff = None
    if form.is_bound:
        if not form.is_valid():
            return render(request, "plan/diff.html", {"form": form}, status=400)
        diff = diff_versions(form.cleaned_data["a"], form.cleaned_data["b"], user=request.user)
    return render(request, "plan/diff.html", {"form": form, "diff": diff})


class MilestoneEditView(ObjectEditView):
    """Record a milestone's completion on the plan in force (or a draft), with the reason."""

    model = Milestone
    form_class = MilestoneForm
    reason_required = True

    def success_url(self, obj: Any) -> str:
        return reverse("plan:measure_detail", args=[obj.measure_id])


class BenchmarkEditView(ObjectEditView):
    """Revising a benchmark requires a reason; the earlier value stays in its history."""

    model = Benchmark
    form_class = BenchmarkForm
    reason_required = True

    def success_url(self, obj: Any) -> str:
        return reverse("plan:measure_detail", args=[obj.measure_id])


@login_required
@require_POST
def add_milestone(request: HttpRequest, pk: Any) -> HttpResponse:
    """Add a milestone to a measure of a draft version (the milestone inherits its marking)."""
    measure = get_restricted_object(request, Measure, pk, "change")
    form = MilestoneForm(request.POST, user=request.user, instance=Milestone(measure=measure))
    if measure.ended_by_id is not None:
        messages.error(request, ended_message(measure))
    elif form.is_valid():
        milestone = form.save(commit=False)
        milestone.owner_id, milestone.tlp = measure.owner_id, measure.tlp
        milestone._change_reason = _("Added")
        milestone.save()
        messages.success(request, _("Milestone added."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return HttpResponseRedirect(reverse("plan:measure_detail", args=[measure.pk]))


class MeasureAddView(ObjectEditView):
    """Propose a new measure in a draft version (the secretariat, or a TWG member for their TWG)."""

    model = Measure
    form_class = MeasureAddForm
    success_url_name = "plan:measure_detail"

    def get_instance(self, request: HttpRequest, pk: Any) -> Any:
        version = get_restricted_object(request, PlanVersion, pk, "view")
        if version.is_frozen:
            raise PermissionDenied
        twg = next(
            (
                o
                for o in get_policy().allowed_owners(Measure, request.user)
                if o.kind == Organisation.Kind.BODY and o.code != version.owner.code
            ),
            None,
        )
        can_plan = (
            PlanVersion.objects.restrict(request.user, "change").filter(pk=version.pk).exists()
        )
        if not can_plan and twg is None:
            raise PermissionDenied
        order = (
            version.entries.order_by("-order").values_list("order", flat=True).first() or 0
        ) + 1
        return Measure(
            plan=version, owner_id=version.owner_id, tlp=version.tlp, twg=twg, order=order
        )

    def get(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        instance = self.get_instance(request, pk)
        return self.render_form(request, self.get_form(request, instance), instance)

    def post(self, request: HttpRequest, pk: Any = None) -> HttpResponse:
        return self._save_new(request, self.get_instance(request, pk))

    def _save_new(self, request: HttpRequest, instance: Any) -> HttpResponse:
        form = self.get_form(request, instance, data=request.POST)
        if not form.is_valid():
            return self.render_form(request, form, instance, status=400)
        measure = form.save(commit=False)
        try:
            with transaction.atomic():
                add_measure(instance.plan, measure, actor=request.user, reason=_("Proposed"))
                form.save_m2m()
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(request, form, instance, status=400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("plan:measure_detail", args=[measure.pk]))
