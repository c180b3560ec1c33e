"""The meeting pack: the meeting's paper, gathered once and rendered as PDF or DOCX.

``gather`` reads everything the pack shows, through the access policy of the person asking, in a
fixed number of queries (whatever the size of the plan or of the history). It returns plain
strings, already formatted in the active language (numbers with the locale's grouping, dates with
its month names), so the two renderers only lay them out:

* ``render_pdf`` compiles ``pack.typ`` with typst. The data goes in as JSON through typst's
  ``sys.inputs``; the template reads it as values, never as markup, so nothing in a title can
  change the document's layout.
* ``render_docx`` writes the same cover, sections and annexes with python-docx, on A4.

Order: the cover (body, code, dates in the venue's time zone, venue, host, marking, the date the
figures are as of); the agenda; the delegations; the previous meeting's decisions and its action
items still open; this meeting's (draft) decisions and its minutes, if any; then the monitoring
and funding digest: implementation since the body's last meeting, overdue action items, off-track
indicators (monitoring), the funding gap by State (funding), upcoming deadlines. A section with
nothing in it says so rather than disappearing, so a reader can tell "nothing overdue" from "not
checked". A list longer than ``MAX_ROWS`` shows its first rows and says how many more follow in
an annex at the end of the document, which holds them: no list is ever cut silently.

Figures are as of the meeting's day (or today, for a meeting still ahead): values approved by
then, transactions with a value date up to then, milestones completed by then, action items open
then.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seccoop.core.formatting import day_text, number_text
from seccoop.core.markings import TLP, most_restrictive
from seccoop.core.markings import label as tlp_label
from seccoop.core.numbers import describe_progress
from seccoop.framework.models import Party
from seccoop.plan.models import Measure, Milestone
from seccoop.plan.services import current_version

from .models import ActionItem, AgendaItem, Decision, Meeting, PreparationTask

#: How far ahead "upcoming deadlines" looks, in days.
HORIZON = 90
#: A list longer than this shows its first rows; the others follow in an annex.
MAX_ROWS = 60


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = ""
    note: str = ""
    #: The indexes of the columns that hold numbers (aligned right).
    numeric: list[int] = field(default_factory=list)
    #: The relative widths of the columns (the same in both formats); equal when empty.
    widths: list[int] = field(default_factory=list)
    #: Paragraphs of running text (the minutes), shown instead of a table.
    text: list[str] = field(default_factory=list)
    #: When the list continues in an annex: "40 more rows follow in Annex A."
    more: str = ""


@dataclass
class Pack:
    code: str
    heading: str
    subtitle: str
    marking: str
    generated: str
    lang: str
    #: "Figures as of 12 June 2026."
    as_of: str
    #: The cover: (label, value) pairs.
    cover: list[list[str]]
    sections: list[Section]
    annexes: list[Section] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def previous_meeting(meeting: Meeting, user: Any) -> Meeting | None:
    return (
        Meeting.objects.restrict(user, "view")
        .filter(body_id=meeting.body_id, start__lt=meeting.start)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("body__organisation")
        .order_by("-start")
        .first()
    )


@dataclass
class _Context:
    """What every section is gathered against: the reader, the day the figures are as of (and
    the end of that day in the venue's time zone) and the markings of the records shown."""

    user: Any
    as_of: date
    cutoff: datetime
    markings: set[str] = field(default_factory=set)

    def shown(self, records: list[Any]) -> list[Any]:
        self.markings.update(str(r.tlp) for r in records)
        return records


def gather(meeting: Meeting, user: Any, today: date | None = None) -> Pack:
    """Everything the pack shows for ``meeting``, as ``user`` may see it."""
    today = today or timezone.localdate()
    day = meeting.local_start.date()
    # Figures are as of the meeting's day; for a meeting still ahead, as of today.
    as_of = min(day, today)
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=ZoneInfo(meeting.time_zone))
    ctx = _Context(user, as_of, cutoff, {str(meeting.tlp)})
    previous = previous_meeting(meeting, user)
    sections = [
        _agenda(meeting, ctx),
        _delegations(meeting, ctx),
        _previous_decisions(previous, ctx),
        _previous_actions(previous, ctx),
        _decisions(meeting, ctx),
    ]
    if meeting.minutes.strip():
        sections.append(
            Section(
                "minutes",
                _("Minutes"),
                [],
                text=[p.strip() for p in meeting.minutes.split("\n\n") if p.strip()],
            )
        )
    since = previous.local_start.date() if previous else None
    sections += [_implementation(ctx, since), _overdue(meeting, ctx)]
    if apps.is_installed("seccoop.monitoring"):
        sections.append(_off_track(ctx))
    if apps.is_installed("seccoop.funding"):
        from seccoop.funding.services import pack_section

        sections.append(Section(**pack_section(user, as_of=as_of)))
    sections.append(_upcoming(meeting, ctx))
    annexes = _annexes(sections)
    start, end = meeting.local_start, meeting.local_end
    when = _("{start} to {end} ({zone})").format(
        start=f"{day_text(start.date())} {formats.time_format(start, 'H:i')}",
        end=f"{day_text(end.date())} {formats.time_format(end, 'H:i')}",
        zone=meeting.time_zone,
    )
    marking = tlp_label(_marking(ctx.markings, sections))
    figures = _("Figures as of {day}").format(day=day_text(as_of))
    host = str(meeting.host or "")
    cover = [
        [_("Body"), str(meeting.body)],
        [_("Meeting"), meeting.code],
        [_("Dates"), when],
        [_("Venue"), meeting.venue_city or "—"],
        [_("Host"), host or "—"],
        [_("Marking"), marking],
    ]
    return Pack(
        code=meeting.code,
        heading=_("Meeting pack: {code} {title}").format(code=meeting.code, title=meeting.title),
        subtitle=" · ".join(x for x in (str(meeting.body), when, meeting.venue_city, host) if x),
        marking=marking,
        generated=_("Generated on {day}").format(day=day_text(today)),
        lang=(get_language() or "en")[:2],
        as_of=figures,
        cover=cover,
        sections=sections,
        annexes=annexes,
    )


def _annexes(sections: list[Section]) -> list[Section]:
    """Move the rows beyond ``MAX_ROWS`` of each list to an annex, and say so where the list is."""
    annexes: list[Section] = []
    for section in sections:
        if len(section.rows) <= MAX_ROWS:
            continue
        letter = chr(ord("A") + len(annexes))
        rest = section.rows[MAX_ROWS:]
        section.rows = section.rows[:MAX_ROWS]
        section.more = _("{n} more rows follow in Annex {annex}.").format(
            n=number_text(len(rest)), annex=letter
        )
        annexes.append(
            Section(
                f"annex_{section.key}",
                _("Annex {annex}: {title} (continued)").format(annex=letter, title=section.title),
                section.columns,
                rest,
                numeric=section.numeric,
                widths=section.widths,
            )
        )
    return annexes


def _marking(markings: set[str], sections: list[Section]) -> str:
    """The pack carries the most restrictive marking of what it contains: the meeting's, the
    records it lists, and at least TLP:AMBER when it shows figures drawn from needs or reported
    values (which are AMBER unless their owners chose otherwise)."""
    derived = set(markings)
    if any(s.rows for s in sections if s.key in ("off_track", "funding_gap")):
        derived.add(TLP.AMBER)
    return most_restrictive(derived)


def _agenda(meeting: Meeting, ctx: _Context) -> Section:
    items = ctx.shown(
        list(
            AgendaItem.objects.restrict(ctx.user, "view").filter(meeting=meeting).order_by("order")
        )
    )
    return Section(
        "agenda",
        _("Agenda"),
        [_("No."), _("Item"), _("Document")],
        [[number_text(i.order), i.title, i.document_url] for i in items],
        empty=_("No agenda item yet."),
        numeric=[0],
        widths=[1, 9, 5],
    )


def _delegations(meeting: Meeting, ctx: _Context) -> Section:
    parties = (
        Party.objects.restrict(ctx.user, "view")
        .filter(pk__in=meeting.delegations.values("pk"))
        .select_related("organisation")
        .order_by("organisation__code")
    )
    return Section(
        "delegations",
        _("Delegations"),
        [_("Delegation"), _("Code")],
        [[str(p), p.iso3] for p in parties],
        empty=_("No delegation is registered yet."),
        widths=[5, 1],
    )


#: Decision code, kind, text.
DECISION_WIDTHS = [2, 2, 8]


def _decision_rows(decisions: list[Decision]) -> list[list[str]]:
    return [[d.code, d.get_kind_display(), d.text] for d in decisions]


def _previous_decisions(previous: Meeting | None, ctx: _Context) -> Section:
    section = Section(
        "previous_decisions",
        _("Decisions of the previous meeting"),
        [_("Decision"), _("Kind"), _("Text")],
        empty=_("The previous meeting took no decision."),
        widths=DECISION_WIDTHS,
    )
    if previous is None:
        section.empty = _("This is the body's first meeting.")
        return section
    section.title = _("Decisions of the previous meeting ({code})").format(code=previous.code)
    decisions = (
        Decision.objects.restrict(ctx.user, "view")
        .filter(meeting=previous)
        .select_related("meeting__body__organisation")
        .order_by("number")
    )
    section.rows = _decision_rows(ctx.shown(list(decisions)))
    return section


def _open_then(items: Any, ctx: _Context) -> Any:
    """Action items that were open on the day the figures are as of: open now, or closed later."""
    return items.filter(
        Q(status=ActionItem.Status.OPEN) | Q(closed_on__gt=ctx.as_of),
        meeting__start__lt=ctx.cutoff,
    )


def _previous_actions(previous: Meeting | None, ctx: _Context) -> Section:
    section = Section(
        "previous_actions",
        _("Open action items of the previous meeting"),
        [_("Action"), _("Owner"), _("Due")],
        empty=_("No action item of the previous meeting is open."),
        widths=[6, 3, 2],
    )
    if previous is None:
        section.empty = _("This is the body's first meeting.")
        return section
    section.title = _("Open action items of the previous meeting ({code})").format(
        code=previous.code
    )
    items = _open_then(ActionItem.objects.restrict(ctx.user, "view").filter(meeting=previous), ctx)
    items = items.select_related(
        "owner_party__organisation", "owner_body__organisation", "owner_user"
    ).order_by("due", "pk")
    section.rows = [[a.title, a.owner_label, day_text(a.due)] for a in ctx.shown(list(items))]
    return section


def _decisions(meeting: Meeting, ctx: _Context) -> Section:
    decisions = (
        Decision.objects.restrict(ctx.user, "view")
        .filter(meeting=meeting)
        .select_related("meeting__body__organisation")
        .order_by("number")
    )
    held = meeting.status == Meeting.Status.HELD
    return Section(
        "decisions",
        _("Decisions of this meeting") if held else _("Draft decisions"),
        [_("Decision"), _("Kind"), _("Text")],
        _decision_rows(ctx.shown(list(decisions))),
        empty=_("No decision is drafted yet."),
        widths=DECISION_WIDTHS,
    )


def _implementation(ctx: _Context, since: date | None) -> Section:
    user = ctx.user
    plan = current_version(user)
    section = Section(
        "implementation",
        _("Implementation since the last meeting")
        if since
        else _("Implementation to date (first meeting of this body)"),
        [_("Measure"), _("Milestone"), _("Completed on")],
        empty=_("No milestone was completed in this period."),
        widths=[5, 4, 2],
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
        f"{labels[s]}: {number_text(n)}" for s, n in sorted(statuses.items(), key=lambda x: -x[1])
    )
    section.note = _("{plan}: {n} measures ({counts}).").format(
        plan=plan, n=number_text(sum(statuses.values())), counts=counts or "—"
    )
    done = (
        Milestone.objects.restrict(user, "view")
        .filter(
            measure__versions__plan=plan, completed_on__isnull=False, completed_on__lte=ctx.as_of
        )
        .filter(measure__in=Measure.objects.restrict(user, "view").values("pk"))
        .select_related("measure")
        .order_by("-completed_on", "pk")
    )
    if since is not None:
        done = done.filter(completed_on__gt=since)
        section.title = _("Implementation since the last meeting ({day})").format(
            day=day_text(since)
        )
    section.rows = [
        [f"{m.measure.code} {m.measure.title}", m.title, day_text(m.completed_on)]
        for m in ctx.shown(list(done))
    ]
    return section


def _overdue(meeting: Meeting, ctx: _Context) -> Section:
    items = _open_then(
        ActionItem.objects.restrict(ctx.user, "view").filter(
            meeting__body_id=meeting.body_id, due__lt=ctx.as_of
        ),
        ctx,
    )
    items = (
        items.select_related("meeting__body__organisation", "owner_party__organisation")
        .select_related("owner_body__organisation", "owner_user")
        .order_by("due", "pk")
    )
    return Section(
        "overdue",
        _("Overdue action items"),
        [_("Meeting"), _("Action"), _("Owner"), _("Due"), _("Days late")],
        [
            [
                a.meeting.code,
                a.title,
                a.owner_label,
                day_text(a.due),
                number_text((ctx.as_of - a.due).days),
            ]
            for a in ctx.shown(list(items))
        ],
        empty=_("No action item is overdue."),
        numeric=[4],
        widths=[2, 5, 3, 2, 1],
    )


def _off_track(ctx: _Context) -> Section:
    from seccoop.monitoring.services import off_track

    rows = off_track(ctx.user, limit=None, approved_before=ctx.cutoff)
    return Section(
        "off_track",
        _("Off-track indicators"),
        [_("Indicator"), _("State"), _("Period"), _("Value"), _("Target"), _("Progress")],
        [
            [
                f"{r.indicator.code} {r.indicator.name}",
                str(r.state),
                r.period,
                number_text(r.actual, r.indicator.decimals),
                number_text(r.target, r.indicator.decimals),
                # Progress outside 0-100 % reads as words, as on the dashboard.
                describe_progress(r.pct).text if r.pct is not None else "",
            ]
            for r in rows
        ],
        empty=_("No indicator is off track."),
        numeric=[3, 4, 5],
        widths=[5, 3, 2, 2, 2, 2],
    )


def _upcoming(meeting: Meeting, ctx: _Context) -> Section:
    user, today = ctx.user, ctx.as_of
    until = today + timedelta(days=HORIZON)
    entries: list[tuple[date, str, str, str]] = []
    items = _open_then(
        ActionItem.objects.restrict(user, "view").filter(
            meeting__body_id=meeting.body_id, due__gte=today, due__lte=until
        ),
        ctx,
    ).select_related("owner_party__organisation", "owner_body__organisation", "owner_user")
    entries += [
        (a.due, str(_("Action item")), a.title, a.owner_label) for a in ctx.shown(list(items))
    ]
    milestones = (
        Milestone.objects.restrict(user, "view")
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=today))
        .filter(due__gte=today, due__lte=until)
        .filter(measure__in=Measure.objects.restrict(user, "view").values("pk"))
        .select_related("measure")
        .order_by("due", "pk")
    )
    plan = current_version(user)
    if plan is not None:
        milestones = milestones.filter(measure__versions__plan=plan)
    entries += [
        (m.due, str(_("Milestone")), f"{m.measure.code}: {m.title}", "")
        for m in ctx.shown(list(milestones))
    ]
    tasks = (
        PreparationTask.objects.restrict(user, "view")
        .filter(Q(status=PreparationTask.Status.OPEN) | Q(done_on__gt=today))
        .filter(due__gte=today, due__lte=until)
        .select_related("meeting__body__organisation", "responsible")
    )
    entries += [
        (
            t.due,
            str(_("Dialogue preparation")),
            f"{t.meeting.code}: {t.title}",
            str(t.responsible or ""),
        )
        for t in ctx.shown(list(tasks))
    ]
    meetings = (
        Meeting.objects.restrict(user, "view")
        .filter(start__gte=ctx.cutoff - timedelta(days=1), status=Meeting.Status.PLANNED)
        .exclude(pk=meeting.pk)
        .select_related("body__organisation")
        .order_by("start")
    )
    entries += [
        (m.local_start.date(), str(_("Meeting")), f"{m.code} {m.title}", str(m.body))
        for m in ctx.shown([m for m in meetings if m.local_start.date() <= until])
    ]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    return Section(
        "upcoming",
        _("Upcoming deadlines (next {days} days)").format(days=HORIZON),
        [_("Date"), _("Kind"), _("What"), _("Who")],
        [[day_text(d), kind, what, who] for d, kind, what, who in entries],
        empty=_("Nothing is due in the next {days} days.").format(days=HORIZON),
        widths=[2, 2, 6, 3],
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
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, Twips

    document = Document()
    document.core_properties.title = pack.heading
    document.core_properties.subject = pack.marking
    document.core_properties.language = pack.lang
    page = document.sections[0]
    # A4 in Word's own unit (twentieths of a point), so the size reads back exactly.
    page.page_width, page.page_height = Twips(11906), Twips(16838)
    page.left_margin = page.right_margin = Mm(18)
    page.top_margin = page.bottom_margin = Mm(20)
    usable = page.page_width - page.left_margin - page.right_margin
    page.header.paragraphs[0].text = pack.marking
    page.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def table(
        header: list[str], rows: list[list[str]], widths: list[int], numeric: list[int]
    ) -> Any:
        grid = document.add_table(rows=0, cols=len(rows[0]) if rows else len(header))
        grid.style = "Table Grid"
        grid.autofit = False
        weights = widths or [1] * len(grid.columns)
        # Whole twips, rounded down, so the columns never add up to more than the page.
        sizes = [Twips(usable * w // sum(weights) // Twips(1)) for w in weights]
        for index, size in enumerate(sizes):
            grid.columns[index].width = size
        for bold, values in [*([(True, header)] if header else []), *((False, r) for r in rows)]:
            for index, (cell, text) in enumerate(zip(grid.add_row().cells, values, strict=True)):
                cell.width = sizes[index]
                paragraph = cell.paragraphs[0]
                paragraph.add_run(text).bold = bold
                if index in numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return grid

    document.add_heading(pack.heading, level=0)
    table([], pack.cover, [1, 3], [])
    document.add_paragraph().add_run(pack.as_of).bold = True
    document.add_paragraph(pack.generated).runs[0].font.size = Pt(8)
    for section in [*pack.sections, *pack.annexes]:
        document.add_heading(section.title, level=1)
        if section.note:
            document.add_paragraph(section.note)
        if section.text:
            for paragraph in section.text:
                document.add_paragraph(paragraph)
        elif not section.rows:
            document.add_paragraph(section.empty).runs[0].italic = True
        else:
            table(section.columns, section.rows, section.widths, section.numeric)
        if section.more:
            document.add_paragraph(section.more).runs[0].italic = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: format name: (renderer, media type)
FORMATS = {"pdf": (render_pdf, "application/pdf"), "docx": (render_docx, DOCX)}
