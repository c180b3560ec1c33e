"""The meeting pack: what a body needs in front of it, gathered once and rendered as PDF or DOCX.

``gather`` reads everything the pack shows, through the access policy of the person asking, in a
fixed number of queries (whatever the size of the plan or of the history). It returns plain
strings, already formatted in the active language, so the two renderers only lay them out:

* ``render_pdf`` compiles ``pack.typ`` with typst. The data goes in as JSON through typst's
  ``sys.inputs``; the template reads it as values, never as markup, so nothing in a title can
  change the document's layout.
* ``render_docx`` writes the same sections with python-docx.

Sections: implementation since the body's last meeting; overdue action items; off-track
indicators (monitoring); the funding gap (when the funding module is installed); upcoming
deadlines. A section with nothing in it says so rather than disappearing, so a reader can tell
"nothing overdue" from "not checked".
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seccoop.core.markings import TLP, most_restrictive
from seccoop.core.markings import label as tlp_label
from seccoop.plan.models import Measure, Milestone
from seccoop.plan.services import current_version

from .models import ActionItem, Meeting, PreparationTask

#: How far ahead "upcoming deadlines" looks, in days.
HORIZON = 90
#: At most this many rows per section (the pack is for reading, not a data export).
MAX_ROWS = 60


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = ""
    note: str = ""


@dataclass
class Pack:
    code: str
    heading: str
    subtitle: str
    marking: str
    generated: str
    lang: str
    sections: list[Section]

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def _d(day: date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def previous_meeting(meeting: Meeting, user: Any) -> Meeting | None:
    return (
        Meeting.objects.restrict(user, "view")
        .filter(body_id=meeting.body_id, start__lt=meeting.start)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("-start")
        .first()
    )


def gather(meeting: Meeting, user: Any, today: date | None = None) -> Pack:
    """Everything the pack shows for ``meeting``, as ``user`` may see it."""
    today = today or timezone.localdate()
    day = meeting.local_start.date()
    # A pack is as of today, or as of the meeting's day for a meeting already past.
    ref = min(day, today)
    previous = previous_meeting(meeting, user)
    since = previous.local_start.date() if previous else None
    sections = [
        _implementation(user, since, day),
        _overdue(meeting, user, ref),
    ]
    if apps.is_installed("seccoop.monitoring"):
        sections.append(_off_track(user))
    if apps.is_installed("seccoop.funding"):
        from seccoop.funding.services import pack_section

        sections.append(Section(**pack_section(user)))
    sections.append(_upcoming(meeting, user, ref))
    when = _("{start} to {end} ({zone})").format(
        start=f"{meeting.local_start:%Y-%m-%d %H:%M}",
        end=f"{meeting.local_end:%Y-%m-%d %H:%M}",
        zone=meeting.time_zone,
    )
    venue = ", ".join(x for x in (meeting.venue_city, str(meeting.host or "")) if x)
    return Pack(
        code=meeting.code,
        heading=_("Meeting pack: {code} {title}").format(code=meeting.code, title=meeting.title),
        subtitle=" · ".join(x for x in (str(meeting.body), when, venue) if x),
        marking=tlp_label(_marking(meeting, sections)),
        generated=_("Generated on {day}").format(day=_d(today)),
        lang=(get_language() or "en")[:2],
        sections=sections,
    )


def _marking(meeting: Meeting, sections: list[Section]) -> str:
    """The pack carries the most restrictive marking of what it contains: the meeting's, and at
    least TLP:AMBER when it shows figures drawn from needs or reported values (which are AMBER
    unless their owners chose otherwise)."""
    derived = [str(meeting.tlp)]
    if any(s.rows for s in sections if s.key in ("off_track", "funding_gap")):
        derived.append(TLP.AMBER)
    return most_restrictive(derived)


def _implementation(user: Any, since: date | None, until: date) -> Section:
    plan = current_version(user)
    section = Section(
        "implementation",
        _("Implementation since the last meeting")
        if since
        else _("Implementation to date (first meeting of this body)"),
        [_("Measure"), _("Milestone"), _("Completed on")],
        empty=_("No milestone was completed in this period."),
    )
    if plan is None:
        section.note = _("No Plan of Action version yet.")
        return section
    statuses = Counter(
        Measure.objects.restrict(user, "view")
        .filter(versions__plan=plan)
        .values_list("status", flat=True)
    )
    labels = dict(Measure.Status.choices)
    counts = ", ".join(
        f"{labels[s]}: {n}" for s, n in sorted(statuses.items(), key=lambda x: -x[1])
    )
    section.note = _("{plan}: {n} measures ({counts}).").format(
        plan=plan, n=sum(statuses.values()), counts=counts or "—"
    )
    done = (
        Milestone.objects.restrict(user, "view")
        .filter(measure__versions__plan=plan, completed_on__isnull=False, completed_on__lte=until)
        .filter(measure__in=Measure.objects.restrict(user, "view").values("pk"))
        .select_related("measure")
        .order_by("-completed_on", "pk")
    )
    if since is not None:
        done = done.filter(completed_on__gt=since)
        section.title = _("Implementation since the last meeting ({day})").format(day=_d(since))
    section.rows = [
        [f"{m.measure.code} {m.measure.title}", m.title, _d(m.completed_on)]
        for m in done[:MAX_ROWS]
    ]
    return section


def _overdue(meeting: Meeting, user: Any, today: date) -> Section:
    items = (
        ActionItem.objects.restrict(user, "view")
        .filter(meeting__body_id=meeting.body_id, status=ActionItem.Status.OPEN, due__lt=today)
        .select_related("meeting__body__organisation", "owner_party__organisation")
        .select_related("owner_body__organisation", "owner_user")
        .order_by("due", "pk")
    )
    return Section(
        "overdue",
        _("Overdue action items"),
        [_("Meeting"), _("Action"), _("Owner"), _("Due"), _("Days late")],
        [
            [a.meeting.code, a.title, a.owner_label, _d(a.due), str((today - a.due).days)]
            for a in items[:MAX_ROWS]
        ],
        empty=_("No action item is overdue."),
    )


def _off_track(user: Any) -> Section:
    from seccoop.monitoring.services import off_track

    rows = off_track(user, limit=MAX_ROWS)
    return Section(
        "off_track",
        _("Off-track indicators"),
        [_("Indicator"), _("State"), _("Period"), _("Value"), _("Target"), _("Progress")],
        [
            [
                f"{r.indicator.code} {r.indicator.name}",
                r.state.iso3,
                r.period,
                _figure(r.actual, r.indicator.decimals),
                _figure(r.target, r.indicator.decimals),
                # Progress below the baseline reads as 0 % (as on the dashboard's scale).
                f"{max(0.0, r.pct):.0f} %" if r.pct is not None else "",
            ]
            for r in rows
        ],
        empty=_("No indicator is off track."),
    )


def _figure(value: Any, decimals: int | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.{decimals or 0}f}"


def _upcoming(meeting: Meeting, user: Any, today: date) -> Section:
    until = today + timedelta(days=HORIZON)
    entries: list[tuple[date, str, str, str]] = []
    items = (
        ActionItem.objects.restrict(user, "view")
        .filter(meeting__body_id=meeting.body_id, status=ActionItem.Status.OPEN)
        .filter(due__gte=today, due__lte=until)
        .select_related("owner_party__organisation", "owner_body__organisation", "owner_user")
    )
    entries += [(a.due, str(_("Action item")), a.title, a.owner_label) for a in items[:MAX_ROWS]]
    milestones = (
        Milestone.objects.restrict(user, "view")
        .filter(completed_on__isnull=True, due__gte=today, due__lte=until)
        .filter(measure__in=Measure.objects.restrict(user, "view").values("pk"))
        .select_related("measure")
        .order_by("due", "pk")
    )
    plan = current_version(user)
    if plan is not None:
        milestones = milestones.filter(measure__versions__plan=plan)
    entries += [
        (m.due, str(_("Milestone")), f"{m.measure.code}: {m.title}", "")
        for m in milestones[:MAX_ROWS]
    ]
    tasks = (
        PreparationTask.objects.restrict(user, "view")
        .filter(status=PreparationTask.Status.OPEN, due__lte=until)
        .filter(due__gte=today)
        .select_related("meeting__body__organisation", "responsible")
    )
    entries += [
        (
            t.due,
            str(_("Dialogue preparation")),
            f"{t.meeting.code}: {t.title}",
            str(t.responsible or ""),
        )
        for t in tasks[:MAX_ROWS]
    ]
    meetings = (
        Meeting.objects.restrict(user, "view")
        .filter(start__date__gte=today, status=Meeting.Status.PLANNED)
        .exclude(pk=meeting.pk)
        .select_related("body__organisation")
        .order_by("start")
    )
    entries += [
        (m.local_start.date(), str(_("Meeting")), f"{m.code} {m.title}", str(m.body))
        for m in meetings
        if m.local_start.date() <= until
    ][:MAX_ROWS]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    return Section(
        "upcoming",
        _("Upcoming deadlines (next {days} days)").format(days=HORIZON),
        [_("Date"), _("Kind"), _("What"), _("Who")],
        [[_d(d), kind, what, who] for d, kind, what, who in entries[:MAX_ROWS]],
        empty=_("Nothing is due in the next {days} days.").format(days=HORIZON),
    )


# --- rendering ------------------------------------------------------------------------------


def render_pdf(pack: Pack) -> bytes:
    import typst

    template = resources.files("seccoop.meetings").joinpath("pack.typ").read_bytes()
    result = typst.compile(template, format="pdf", sys_inputs={"data": pack.as_json()})
    assert isinstance(result, bytes)  # one document in, one PDF out
    return result


def render_docx(pack: Pack) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = pack.heading
    document.core_properties.subject = pack.marking
    document.core_properties.language = pack.lang
    header = document.sections[0].header.paragraphs[0]
    header.text = pack.marking
    document.add_heading(pack.heading, level=0)
    document.add_paragraph(pack.subtitle)
    document.add_paragraph(pack.generated).runs[0].font.size = Pt(8)
    for section in pack.sections:
        document.add_heading(section.title, level=1)
        if section.note:
            document.add_paragraph(section.note)
        if not section.rows:
            document.add_paragraph(section.empty).runs[0].italic = True
            continue
        table = document.add_table(rows=1, cols=len(section.columns))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, section.columns, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in section.rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: format name: (renderer, media type)
FORMATS = {"pdf": (render_pdf, "application/pdf"), "docx": (render_docx, DOCX)}
