"""Plan of Action services: seeding, adoption, the next version, diffs, and the changes made to a
measure across versions (content in a draft, status, milestones and benchmarks with a reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from seccoop.core.audit import record_event
from seccoop.framework.models import Category, Mechanism, Organisation

from .models import (
    CONTENT_FIELDS,
    Benchmark,
    Measure,
    MeasureVersion,
    Milestone,
    PlanVersion,
    content_attnames,
)

FIRST_VERSION_LABEL = "Plan of Action 2010"


def check_editable(version: PlanVersion) -> None:
    """An adopted or superseded version is frozen."""
    if version.is_frozen:
        raise ValidationError(
            _("{label} is {status} and frozen; start the next version to change it.").format(
                label=version.label, status=version.get_status_display().lower()
            )
        )


def check_open(measure: Measure) -> None:
    """A measure an adopted version ended keeps its record but takes no more changes."""
    if measure.ended_by_id is not None:
        raise ValidationError(
            _("{measure} was ended by {label}; its record is closed.").format(
                measure=measure, label=measure.ended_by
            )
        )


def _show(measure: Measure, entry: MeasureVersion) -> list[str]:
    """Copy ``entry``'s content onto its measure (not saved); the names of the fields changed."""
    changed = []
    for name in [*content_attnames(), "plan_id"]:
        if getattr(measure, name) != getattr(entry, name):
            setattr(measure, name, getattr(entry, name))
            changed.append(name)
    return changed


def add_measure(
    version: PlanVersion,
    measure: Measure,
    *,
    actor: Any,
    reason: str = "",
    seeding: bool = False,
) -> MeasureVersion:
    """A new measure (unsaved, with its content set) in a draft, or in the first version when
    ``seeding``: the measure and what ``version`` says about it."""
    if not seeding:
        check_editable(version)
    if version.entries.filter(code=measure.code).exists():
        raise ValidationError(
            {"code": [_("This plan version already has a measure with this code.")]}
        )
    with transaction.atomic():
        measure.plan = version
        measure._change_reason = reason or _("Proposed")
        measure._history_user = actor
        measure.save()  # the measure's content becomes what ``version`` says about it
    return MeasureVersion.objects.get(plan=version, measure=measure)


def change_content(
    entry: MeasureVersion, *, actor: Any, reason: str, **content: Any
) -> MeasureVersion:
    """Change what a draft says about a measure (code, title, description, category, order). An
    adopted version is frozen; the measure shows the change when it shows this version."""
    unknown = set(content) - {*content_attnames(), *CONTENT_FIELDS}
    if unknown:
        raise ValidationError(
            _("{fields}: not part of a measure's content in a version.").format(
                fields=", ".join(sorted(unknown))
            )
        )
    with transaction.atomic():
        locked = MeasureVersion.objects.select_for_update().get(pk=entry.pk)
        check_editable(PlanVersion.objects.get(pk=locked.plan_id))
        for name, value in content.items():
            setattr(locked, name, value)
        clash = (
            MeasureVersion.objects.filter(plan=locked.plan_id, code=locked.code)
            .exclude(pk=locked.pk)
            .exists()
        )
        if clash:
            raise ValidationError(
                {"code": [_("This plan version already has a measure with this code.")]}
            )
        locked.version += 1
        locked._change_reason = reason or _("Edited")
        locked._history_user = actor
        locked.save()
        measure = Measure.objects.select_for_update().get(pk=locked.measure_id)
        if measure.plan_id == locked.plan_id and _show(measure, locked):
            measure.version += 1
            measure._change_reason = locked._change_reason
            measure._history_user = actor
            measure.save()
    return locked


def set_measure_status(measure: Measure, *, actor: Any, status: str, reason: str) -> Measure:
    """Record a measure's status (on the plan in force or in a draft), with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for this change.")]})
    if status not in Measure.Status.values:
        raise ValidationError({"status": [_("Unknown status '{status}'.").format(status=status)]})
    with transaction.atomic():
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        check_open(locked)
        locked.status = status
        locked.version += 1
        locked._change_reason = reason.strip()[:250]
        locked._history_user = actor
        locked.save()
    return locked


def record_milestone(
    milestone: Milestone,
    *,
    actor: Any,
    completed_on: date | None,
    evidence: str = "",
    reason: str,
) -> Milestone:
    """Record (or withdraw) a milestone's completion, with the evidence and the reason."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for this change.")]})
    with transaction.atomic():
        locked = (
            Milestone.objects.select_for_update().select_related("measure").get(pk=milestone.pk)
        )
        check_open(locked.measure)
        locked.completed_on = completed_on
        if evidence:
            locked.evidence = evidence
        locked.version += 1
        locked._change_reason = reason.strip()[:250]
        locked._history_user = actor
        locked.save()
    return locked


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
        if version.entries.filter(measure__mechanism=mechanism).exists():
            continue
        first_category = mechanism.category_codes.split(",")[0] if mechanism.category_codes else ""
        measure = Measure(
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
        add_measure(
            version,
            measure,
            actor=None,
            reason="Seeded from section III.A of the Framework",
            seeding=True,
        )
    return version


# --- adoption: one path, a decision of a held Dialogue -----------------------------------------


@dataclass(frozen=True)
class AdoptingMeeting:
    """A meeting whose decision may adopt a plan version, as the plan's pages offer it."""

    id: int
    code: str
    label: str
    day: date


@dataclass(frozen=True)
class AdoptionHook:
    """What the meetings module registers (the plan may not import it): ``meetings(user)`` lists
    the held Dialogues ``user`` may record a decision for, newest first; ``adopt(version, actor=,
    meeting=, text=)`` records the adopting decision of ``meeting`` (its id or code) through the
    meetings service, which adopts the version, and returns the decision's code."""

    meetings: Callable[[Any], list[AdoptingMeeting]]
    adopt: Callable[..., str]


_adoption: list[AdoptionHook] = []


def register_adoption(hook: AdoptionHook) -> None:
    """The meetings module registers how a decision adopts a plan version (in its ready())."""
    _adoption[:] = [hook]


def adopting_meetings(user: Any) -> list[AdoptingMeeting]:
    """The held Dialogues whose decision ``user`` may record to adopt a version (none without the
    meetings module)."""
    return _adoption[0].meetings(user) if _adoption else []


def adopt_by_decision(
    version: PlanVersion, *, actor: Any, meeting: int | str, text: str = ""
) -> str:
    """Adopt ``version`` the only way the Framework allows: a decision of a Dialogue that has been
    held. The decision is recorded in ``meeting`` (its id or code) by the meetings service, which
    checks the meeting and adopts the version as of its first day; a refusal writes nothing.
    Without the meetings module nothing can adopt. Returns the decision's code."""
    if not _adoption:
        raise ValidationError(
            {
                "meeting": [
                    _(
                        "A plan version is adopted only by a decision of a Dialogue that has been "
                        "held, and no meetings module records decisions here."
                    )
                ]
            }
        )
    if meeting in (None, ""):
        raise ValidationError(
            {"meeting": [_("Name the held Dialogue whose decision adopts this version.")]}
        )
    return _adoption[0].adopt(version, actor=actor, meeting=meeting, text=text)


def adopt_plan_version(
    version: PlanVersion, *, actor: Any, adopted_on: date, body: Organisation, reason: str = ""
) -> PlanVersion:
    """Adopt a draft (freezing it); the version adopted before it is superseded. The step that
    ``meetings.services.record_decision`` runs for an adopting decision of a held Dialogue; pages,
    the API and the demo adopt through ``adopt_by_decision``, never by calling this directly."""
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
        _bring_into_force(locked, actor=actor)
        record_event(
            "plan.adopted",
            actor=actor,
            obj=locked,
            adopted_on=adopted_on.isoformat(),
            body=body.code,
        )
    return locked


def _bring_into_force(version: PlanVersion, *, actor: Any) -> None:
    """Each measure of the adopted ``version`` shows its content there; a measure an earlier
    adopted version held that ``version`` does not is ended by it (its record is kept)."""
    entries = version.entries.select_related("measure")
    in_force = Q(
        versions__plan__status__in=[PlanVersion.Status.ADOPTED, PlanVersion.Status.SUPERSEDED]
    )
    for entry in entries:
        measure = entry.measure
        if _show(measure, entry) or measure.ended_by_id is not None:
            measure.ended_by = None
            measure.version += 1
            measure._change_reason = _("In force with {label}").format(label=version.label)
            measure._history_user = actor
            measure.save()
    adopted_before = Measure.objects.filter(in_force, ended_by__isnull=True).values("pk")
    dropped = Measure.objects.filter(pk__in=adopted_before).exclude(versions__plan=version)
    for measure in dropped:
        measure.ended_by = version
        measure.version += 1
        measure._change_reason = _("Ended: {label} no longer holds it").format(label=version.label)
        measure._history_user = actor
        measure.save()


def start_next_version(version: PlanVersion, *, actor: Any, year: int, label: str) -> PlanVersion:
    """A new draft that holds what ``version`` says about each of its measures still running (a
    measure an adopted version ended is not carried over). The measures themselves, with their
    status, milestones, benchmarks, needs and funding, are the same ones."""
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
        names = content_attnames()
        reason = _("Copied from {label}").format(label=version.label)
        for old in version.entries.filter(measure__ended_by__isnull=True).prefetch_related(
            "releasable_to"
        ):
            new = MeasureVersion(
                plan=draft,
                measure_id=old.measure_id,
                owner_id=old.owner_id,
                tlp=old.tlp,
                **{name: getattr(old, name) for name in names},
            )
            new._change_reason = reason
            new._history_user = actor
            new.save()
            new.releasable_to.set(old.releasable_to.all())
        record_event("plan.next_version", actor=actor, obj=draft, based_on=version.label)
    return draft


def revise_benchmark(benchmark: Benchmark, *, actor: Any, value: str, reason: str) -> Benchmark:
    """Change a benchmark's value; the earlier value stays in its history with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for revising this benchmark.")]})
    with transaction.atomic():
        locked = Benchmark.objects.select_for_update().get(pk=benchmark.pk)
        check_open(locked.measure)
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


DIFF_FIELDS = ["code", "title", "description", "category", "order"]


def _snapshot(entry: MeasureVersion) -> dict[str, Any]:
    """What a version says about a measure, as the diff compares it."""
    return {
        "code": entry.code,
        "title": entry.title_en or entry.title,
        "description": entry.description_en or entry.description,
        "category": entry.category.code if entry.category_id else None,
        "order": entry.order,
    }


def entries_of(version: PlanVersion, user: Any) -> Any:
    """The measures ``version`` holds, as what it says about each, among those ``user`` may see."""
    return MeasureVersion.objects.restrict(user, "view").filter(
        plan=version, measure__in=Measure.objects.restrict(user, "view").values("pk")
    )


def _measures_for_diff(version: PlanVersion, user: Any) -> dict[int, MeasureVersion]:
    rows = entries_of(version, user).select_related("category")
    return {e.measure_id: e for e in rows}


def diff_versions(a: PlanVersion, b: PlanVersion, *, user: Any) -> dict[str, Any]:
    """What changed from version ``a`` to version ``b``: measures added, removed and changed (by
    field of their content), among the measures ``user`` may see. A measure is the same measure
    in both (matched by its identity, not by its code), so renumbering it is a change."""
    old, new = _measures_for_diff(a, user), _measures_for_diff(b, user)
    added = [{"code": m.code, "title": m.title, "id": k} for k, m in new.items() if k not in old]
    removed = [{"code": m.code, "title": m.title, "id": k} for k, m in old.items() if k not in new]
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
                    "id": key,
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
