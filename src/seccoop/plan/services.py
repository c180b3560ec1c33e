"""Plan of Action services: seeding, adoption, the next version, diffs and benchmark revisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from seccoop.core.audit import record_event
from seccoop.framework.models import Category, Mechanism, Organisation
from seccoop.needs.models import Need

from .models import Benchmark, Measure, Milestone, PlanVersion

FIRST_VERSION_LABEL = "Plan of Action 2010"


def check_editable(version: PlanVersion) -> None:
    """An adopted or superseded version is frozen."""
    if version.is_frozen:
        raise ValidationError(
            _("{label} is {status} and frozen; start the next version to change it.").format(
                label=version.label, status=version.get_status_display().lower()
            )
        )


def current_version(user: Any, *, adopted_only: bool = False) -> PlanVersion | None:
    """The Plan of Action version in force as ``user`` sees it: the latest adopted one, or (unless
    ``adopted_only``) the latest version of any status when none is adopted yet."""
    versions = PlanVersion.objects.restrict(user, "view")
    adopted = (
        versions.filter(status=PlanVersion.Status.ADOPTED).order_by("-adopted_on", "-pk").first()
    )
    if adopted is not None or adopted_only:
        return adopted
    return versions.order_by("-year", "-pk").first()


def seed_first_version() -> PlanVersion:
    """The first version, adopted at the inaugural Dialogue (27 May 2010), with the six mechanisms of
    section III.A as institutional measures, so their establishment is tracked like any measure."""
    version = PlanVersion.objects.filter(label=FIRST_VERSION_LABEL).first()
    commission = Organisation.objects.get(code="COMMISSION")
    if version is None:
        version = PlanVersion(
            year=2010,
            label=FIRST_VERSION_LABEL,
            status=PlanVersion.Status.ADOPTED,
            adopted_on=date(2010, 5, 27),
            adopted_by=Organisation.objects.get(code="DIALOGUE"),
            owner=commission,
            tlp="CLEAR",
            notes="Framework adopted at the Caribbean-U.S. Security Cooperation Dialogue, "
            "Washington, D.C., 27 May 2010.",
        )
        version._change_reason = "Seeded from the Framework"
        version.save()
    leads = {1: "COMMISSION", 2: "TWG", 3: "CARICOM-SEC", 4: "CCC", 5: "CARICOM-SEC", 6: "IMPACS"}
    categories = {c.code: c for c in Category.objects.all()}
    for order, mechanism in enumerate(Mechanism.objects.order_by("number"), start=1):
        if version.measures.filter(mechanism=mechanism).exists():
            continue
        first_category = mechanism.category_codes.split(",")[0] if mechanism.category_codes else ""
        measure = Measure(
            plan=version,
            code=f"III.A-{mechanism.number}",
            title=mechanism.title_en or mechanism.title,
            description=mechanism.text_en or mechanism.text,
            category=categories.get(first_category),
            kind=Measure.Kind.INSTITUTIONAL,
            mechanism=mechanism,
            order=order,
            lead=Organisation.objects.filter(code=leads[mechanism.number]).first(),
            status=Measure.Status.IMPLEMENTATION,
            start=date(2010, 5, 27),
            owner=commission,
            tlp="CLEAR",
        )
        for lang in ("es", "fr", "nl"):
            setattr(measure, f"title_{lang}", getattr(mechanism, f"title_{lang}", "") or "")
            setattr(measure, f"description_{lang}", getattr(mechanism, f"text_{lang}", "") or "")
        measure._change_reason = "Seeded from section III.A of the Framework"
        measure.save()
    return version


def adopt_plan_version(
    version: PlanVersion, *, actor: Any, adopted_on: date, body: Organisation, reason: str = ""
) -> PlanVersion:
    """Adopt a draft (freezing it); the version adopted before it is superseded."""
    with transaction.atomic():
        locked = PlanVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != PlanVersion.Status.DRAFT:
            raise ValidationError(
                _("{label} is already {status}; only a draft can be adopted.").format(
                    label=locked.label, status=locked.get_status_display().lower()
                )
            )
        if body.kind != Organisation.Kind.BODY:
            raise ValidationError(
                {"adopted_by": [_("A plan version is adopted by a body of the Framework.")]}
            )
        for previous in PlanVersion.objects.select_for_update().filter(
            status=PlanVersion.Status.ADOPTED
        ):
            previous.status = PlanVersion.Status.SUPERSEDED
            previous.version += 1
            previous._change_reason = _("Superseded by {label}").format(label=locked.label)
            previous._history_user = actor
            previous.save()
        locked.status = PlanVersion.Status.ADOPTED
        locked.adopted_on = adopted_on
        locked.adopted_by = body
        locked.version += 1
        locked._change_reason = reason or _("Adopted by {body}").format(body=body)
        locked._history_user = actor
        locked.save()
        record_event(
            "plan.adopted",
            actor=actor,
            obj=locked,
            adopted_on=adopted_on.isoformat(),
            body=body.code,
        )
    return locked


def start_next_version(version: PlanVersion, *, actor: Any, year: int, label: str) -> PlanVersion:
    """A new draft that copies ``version``: measures (same lineage), links, milestones, benchmarks."""
    if PlanVersion.objects.filter(label=label).exists():
        raise ValidationError(
            {"label": [_("A plan version is already called '{label}'.").format(label=label)]}
        )
    with transaction.atomic():
        draft = PlanVersion(
            year=year,
            label=label,
            status=PlanVersion.Status.DRAFT,
            based_on=version,
            owner=version.owner,
            tlp=version.tlp,
        )
        draft._change_reason = _("Started from {label}").format(label=version.label)
        draft._history_user = actor
        draft.save()
        measures = list(
            version.measures.prefetch_related(
                "implementing_agencies",
                "partners",
                "participating_states",
                "needs",
                "milestones",
                "benchmarks",
                "releasable_to",
            )
        )
        copies: dict[int, Measure] = {}
        for old in measures:
            new = Measure.objects.get(pk=old.pk)
            new.pk = None
            new.id = None
            new._state.adding = True
            new.plan = draft
            new.parent = None
            new.version = 1  # the record version of the copy starts again
            new._change_reason = _("Copied from {label}").format(label=version.label)
            new._history_user = actor
            new.save()
            copies[old.pk] = new
            new.implementing_agencies.set(old.implementing_agencies.all())
            new.partners.set(old.partners.all())
            new.participating_states.set(old.participating_states.all())
            new.needs.set(old.needs.all())
            new.releasable_to.set(old.releasable_to.all())
            for m in old.milestones.all():
                Milestone.objects.create(
                    measure=new,
                    title=m.title,
                    due=m.due,
                    completed_on=m.completed_on,
                    evidence=m.evidence,
                    owner_id=m.owner_id,
                    tlp=m.tlp,
                )
            for b in old.benchmarks.all():
                Benchmark.objects.create(
                    measure=new,
                    description=b.description,
                    value=b.value,
                    proposed_by_id=b.proposed_by_id,
                    status=b.status,
                    owner_id=b.owner_id,
                    tlp=b.tlp,
                )
        for old in measures:
            if old.parent_id and old.parent_id in copies:
                Measure.objects.filter(pk=copies[old.pk].pk).update(parent=copies[old.parent_id])
        record_event("plan.next_version", actor=actor, obj=draft, based_on=version.label)
    return draft


def revise_benchmark(benchmark: Benchmark, *, actor: Any, value: str, reason: str) -> Benchmark:
    """Change a benchmark's value; the earlier value stays in its history with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for revising this benchmark.")]})
    check_editable(benchmark.measure.plan)
    with transaction.atomic():
        locked = Benchmark.objects.select_for_update().get(pk=benchmark.pk)
        locked.value = value
        locked.version += 1
        locked._change_reason = reason.strip()[:250]
        locked._history_user = actor
        locked.save()
    return locked


def with_progress(measures: Any) -> Any:
    """Annotate milestone counts; progress = completed / total milestones (measures without any: none)."""
    return measures.annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__completed_on__isnull=False), distinct=True
        ),
    )


def milestone_progress(measure: Any) -> int | None:
    total = getattr(measure, "milestones_total", None)
    if total is None:
        total = measure.milestones.count()
        done = measure.milestones.filter(completed_on__isnull=False).count()
    else:
        done = measure.milestones_done
    return round(100 * done / total) if total else None


#: Other modules' contributions to a measure's progress: (user, measure ids) -> {id: 0-100}.
_progress_sources: list[Callable[[Any, list[int]], dict[int, float]]] = []


def register_progress_source(source: Callable[[Any, list[int]], dict[int, float]]) -> None:
    """Monitoring registers the indicator part of measure progress here (plan cannot import it)."""
    if source not in _progress_sources:
        _progress_sources.append(source)


def blend(milestones: float | None, others: float | None) -> int | None:
    """A measure's progress: the mean of the milestone part and the indicator part when both
    exist, otherwise whichever exists (see the monitoring guide)."""
    parts = [p for p in (milestones, others) if p is not None]
    return round(sum(parts) / len(parts)) if parts else None


def attach_progress(measures: list[Any], user: Any) -> list[Any]:
    """Set ``blended_progress`` on each measure (one query per registered source, not per measure)."""
    ids = [m.pk for m in measures]
    extra: dict[int, list[float]] = {}
    for source in _progress_sources:
        for pk, value in source(user, ids).items():
            extra.setdefault(pk, []).append(value)
    for m in measures:
        others = extra.get(m.pk)
        m.blended_progress = blend(
            milestone_progress(m), sum(others) / len(others) if others else None
        )
    return measures


def progress_of(measure: Any, user: Any = None) -> int | None:
    if not hasattr(measure, "blended_progress"):
        attach_progress([measure], user)
    progress: int | None = measure.blended_progress
    return progress


DIFF_FIELDS = [
    "code",
    "title",
    "description",
    "category",
    "kind",
    "lead",
    "twg",
    "status",
    "start",
    "end",
    "parent",
    "order",
]


def _snapshot(measure: Measure) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "code": measure.code,
        "title": measure.title_en or measure.title,
        "description": measure.description_en or measure.description,
        "category": measure.category.code if measure.category_id else None,
        "kind": measure.kind,
        "lead": measure.lead.code if measure.lead_id else None,
        "twg": measure.twg.code if measure.twg_id else None,
        "status": measure.status,
        "start": measure.start.isoformat() if measure.start else None,
        "end": measure.end.isoformat() if measure.end else None,
        "parent": measure.parent.code if measure.parent_id else None,
        "order": measure.order,
        "participating_states": sorted(p.iso3 for p in measure.participating_states.all()),
        "partners": sorted(o.code for o in measure.partners.all()),
        "implementing_agencies": sorted(o.code for o in measure.implementing_agencies.all()),
        "needs": sorted(str(n.pk) for n in measure.needs.all()),
        "milestones": sorted(
            f"{m.due.isoformat()} {m.title}{' (done)' if m.completed_on else ''}"
            for m in measure.milestones.all()
        ),
        "benchmarks": sorted(f"{b.description}: {b.value}" for b in measure.benchmarks.all()),
    }
    return snap


def _measures_for_diff(version: PlanVersion, user: Any) -> dict[Any, Measure]:
    rows = (
        Measure.objects.restrict(user, "view")
        .filter(plan=version)
        .select_related("category", "lead", "twg", "parent")
        .prefetch_related(
            "participating_states",
            "partners",
            "implementing_agencies",
            Prefetch("needs", queryset=Need.objects.restrict(user, "view")),
            Prefetch("milestones", queryset=Milestone.objects.restrict(user, "view")),
            Prefetch("benchmarks", queryset=Benchmark.objects.restrict(user, "view")),
        )
    )
    return {m.lineage: m for m in rows}


def diff_versions(a: PlanVersion, b: PlanVersion, *, user: Any) -> dict[str, Any]:
    """What changed from version ``a`` to version ``b``: measures added, removed and changed (by field),
    among the measures ``user`` may see."""
    old, new = _measures_for_diff(a, user), _measures_for_diff(b, user)
    added = [{"code": m.code, "title": m.title, "id": m.pk} for k, m in new.items() if k not in old]
    removed = [
        {"code": m.code, "title": m.title, "id": m.pk} for k, m in old.items() if k not in new
    ]
    changed = []
    for key in old.keys() & new.keys():
        before, after = _snapshot(old[key]), _snapshot(new[key])
        fields = [
            {"field": f, "from": before[f], "to": after[f]} for f in before if before[f] != after[f]
        ]
        if fields:
            changed.append(
                {
                    "code": new[key].code,
                    "title": new[key].title,
                    "id": new[key].pk,
                    "changes": fields,
                }
            )
    by_code = lambda row: row["code"]  # noqa: E731 - a sort key, named for readability
    return {
        "from": {"id": a.pk, "label": a.label, "status": a.status},
        "to": {"id": b.pk, "label": b.label, "status": b.status},
        "added": sorted(added, key=by_code),
        "removed": sorted(removed, key=by_code),
        "changed": sorted(changed, key=by_code),
        "unchanged": len(old.keys() & new.keys()) - len(changed),
    }
