"""``seccoop meetings pack ID --format pdf|docx --out FILE``: a meeting's pack, written to a file.

``ID`` is the meeting's number in the database or its code (``COM-2026-1``). The pack is gathered
as ``--as USERNAME`` may see it (by default the platform's system account, which sees everything
but TLP:RED meetings it is not named on). Exit status 0 when the file was written; 1 with a message
naming the parameter when anything is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from seccoop.accounts.services import command_actor
from seccoop.meetings.models import Meeting
from seccoop.meetings.pack import FORMATS, gather

CODE = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9-]{1,31})-(?P<year>\d{4})-(?P<seq>\d{1,3})$")


def find_meeting(raw: str, user: Any) -> Meeting | None:
    meetings = Meeting.objects.restrict(user, "view").select_related(
        "body__organisation", "host__organisation"
    )
    if raw.isdigit() and len(raw) < 12:
        return meetings.filter(pk=int(raw)).first()
    match = CODE.match(raw.strip().upper())
    if match is None:
        return None
    from seccoop.meetings.models import PREFIXES

    numbered = meetings.filter(year=int(match["year"]), sequence=int(match["seq"]))
    types = [t for t, p in PREFIXES.items() if p == match["prefix"]]
    if types:
        return numbered.filter(body__body_type__in=types, body__parent__isnull=True).first()
    return numbered.filter(body__organisation__code=match["prefix"]).first()


class Command(BaseCommand):
    help = "Meetings: write a meeting's pack as PDF or DOCX."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pack = sub.add_parser("pack", help="write the meeting pack")
        pack.add_argument("meeting", help="the meeting's id or code (COM-2026-1)")
        pack.add_argument("--format", choices=sorted(FORMATS), default="pdf")
        pack.add_argument("--out", required=True, help="the file to write")
        pack.add_argument("--lang", default="en", choices=["en", "es", "fr", "nl"])
        pack.add_argument("--as", dest="username", help="gather the pack as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = command_actor(options.get("username"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        meeting = find_meeting(options["meeting"][:40], actor)
        if meeting is None:
            raise CommandError(f"meeting: no meeting {options['meeting'][:40]!r}.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: no folder {out.parent}.")
        render, _media = FORMATS[options["format"]]
        with translation.override(options["lang"]):
            data = render(gather(meeting, actor))
        out.write_bytes(data)
        self.stdout.write(f"wrote {out} ({len(data):,} bytes, {meeting.code})")
