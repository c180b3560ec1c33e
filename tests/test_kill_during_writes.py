"""``kill -9`` during a plan adoption and during an IATI import leaves all or nothing.

Each write runs as its own process on a database of its own (SQLite, or a scratch PostgreSQL
database when ``DATABASE_URL`` names one), and is killed with SIGKILL at several moments of the
write: at its first save, half-way, at its last save, after its audit event or report, and just
before it commits (``tests/kill_helpers.py``). After each kill the database holds exactly what it
held before, table by table; the same write then runs whole, and the database holds all of it.

- The adoption is a decision of a held Dialogue adopting a draft plan version of 606 measures
  (``meetings.services.record_decision``, which calls ``plan.services.adopt_plan_version``): the
  version adopted before is superseded and each measure is brought into force, a save each.
- The IATI import is ``seccoop iati import`` of an IATI 2.03 file of 120 activities and 1,200
  transactions from a publisher the platform does not know yet: a partner, 120 proposed measures,
  their activities, the transactions with their recipient shares and the import report.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import kill_helpers as kill
from .test_backup import Database

MEASURES = 600  # besides the six of the first version
ACTIVITIES = 120
TRANSACTIONS = 10  # per activity

#: The world before the adoption: the first version (adopted) with MEASURES more measures, a
#: draft of the next version that says something new about each, and a Dialogue already held.
PLAN = """
from datetime import date, timedelta
from seccoop.accounts.services import command_actor
from seccoop.framework.models import Body, Category, Organisation, Party
from seccoop.meetings import services as meetings
from seccoop.meetings.models import Meeting
from seccoop.plan.models import Measure, MeasureVersion, content_attnames
from seccoop.plan.services import seed_first_version, start_next_version

actor = command_actor(None)
first = seed_first_version()
draft = start_next_version(first, actor=actor, year=2025, label="Plan of Action 2025")
commission = Organisation.objects.get(code="COMMISSION")
category = Category.objects.get(code="I.a")
measures = Measure.objects.bulk_create(
    Measure(
        plan=first, code=f"K-{i:04d}", title=f"Measure {i}", description="", category=category,
        order=10 + i, status=Measure.Status.IMPLEMENTATION, start=date(2010, 5, 27),
        owner=commission, tlp="CLEAR",
    )
    for i in range(int(sys.argv[1]))
)
measures = list(Measure.objects.filter(code__startswith="K-").order_by("code"))
for plan, title in ((first, "Measure {}"), (draft, "Measure {}, as revised in 2025")):
    entries = []
    for i, m in enumerate(measures):
        entry = MeasureVersion(plan=plan, measure=m, owner=commission, tlp="CLEAR")
        for name in content_attnames():
            setattr(entry, name, getattr(m, name))
        entry.title = title.format(i)
        entries.append(entry)
    MeasureVersion.objects.bulk_create(entries)
start = meetings.local_to_utc(date(2025, 6, 10), 10, 0, "America/Port_of_Spain")
meetings.schedule(
    Meeting(
        body=Body.objects.get(organisation__code="DIALOGUE"), title="High-Level Dialogue",
        start=start, end=start + timedelta(hours=8), time_zone="America/Port_of_Spain",
        venue_city="Port of Spain", host=Party.objects.get(iso3="TTO"),
        status=Meeting.Status.HELD, tlp="GREEN",
    ),
    actor=actor,
)
"""

#: The decision of the Dialogue that adopts the draft, as the meetings pages record it.
ADOPT = """
from seccoop.accounts.services import command_actor
from seccoop.meetings.models import Decision, Meeting
from seccoop.meetings.services import record_decision
from seccoop.plan.models import PlanVersion

record_decision(
    Decision(
        meeting=Meeting.objects.get(body__organisation__code="DIALOGUE"),
        text="The Dialogue adopts the Plan of Action 2025.",
        kind=Decision.Kind.ADOPT_PLAN,
        plan_version=PlanVersion.objects.get(label="Plan of Action 2025"),
    ),
    actor=command_actor(None),
)
"""

#: What the adoption changes besides adding rows.
ADOPTION_STATE = (
    "SELECT label, status, version, adopted_on FROM plan_planversion ORDER BY id",
    "SELECT plan_id, ended_by_id, COUNT(*), SUM(version) FROM plan_measure"
    " WHERE code LIKE 'K-%' OR code LIKE 'III.A-%'"
    " GROUP BY plan_id, ended_by_id ORDER BY plan_id, ended_by_id",
)

#: The seccoop iati import command, as an operator runs it.
IMPORT = """
from django.core.management import call_command
call_command("iati", "import", sys.argv[1])
"""

#: What the import changes besides adding rows.
IMPORT_STATE = (
    "SELECT COUNT(*), SUM(amount), SUM(version) FROM funding_transaction",
    "SELECT id, status, version FROM plan_planversion ORDER BY id",
)


def iati_file(activities: int, transactions: int) -> bytes:
    """An IATI 2.03 activity file of a publisher the platform does not know yet."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">']
    for a in range(activities):
        parts.append(
            f"""<iati-activity default-currency="USD">
 <iati-identifier>XM-DAC-KILL-A{a:04d}</iati-identifier>
 <reporting-org ref="XM-DAC-KILL" type="10"><narrative>Killed Donor</narrative></reporting-org>
 <title><narrative>Activity {a}</narrative></title>
 <activity-status code="2"/>
 <recipient-country code="JM" percentage="60"/>
 <recipient-country code="TT" percentage="40"/>
 <sector vocabulary="99" code="I.a"><narrative>I.a</narrative></sector>"""
        )
        for t in range(transactions):
            parts.append(
                f"""<transaction ref="KILL-{a:04d}-{t:02d}">
  <transaction-type code="{2 if t == 0 else 3}"/>
  <transaction-date iso-date="2024-{1 + t % 12:02d}-15"/>
  <value currency="USD" value-date="2024-{1 + t % 12:02d}-15">{1000 + a * 10 + t}</value>
  <provider-org ref="XM-DAC-KILL"><narrative>Killed Donor</narrative></provider-org>
 </transaction>"""
            )
        parts.append("</iati-activity>")
    parts.append("</iati-activities>\n")
    return "\n".join(parts).encode()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One database for both writes (each compares what it finds before and after it)."""
    db = Database(tmp_path_factory.mktemp("kill"), "killed")
    try:
        db.run("migrate", "--verbosity", "0")
        db.run("load-framework")
        # The command line acts as the system account; it exists before the writes under test.
        db.run("shell", "-c", "from seccoop.accounts.services import command_actor as a; a(None)")
        yield db
    finally:
        db.drop()


def kill_everywhere(
    db: Database, job: str, moments: list[str], queries: tuple[str, ...], *args: str
) -> dict[str, Any]:
    """Kill ``job`` at each moment: each time the database is as before. Then run it whole and
    return the state it leaves, which must differ from the state before."""
    before = kill.state(db, *queries)
    for where in moments:
        kill.kill_at(db, job, where, *args)
        left = kill.difference(before, kill.state(db, *queries))
        assert not left, f"killed at {where}, the database kept a part of the write: {left}"
    kill.run(db, job, *args)
    after = kill.state(db, *queries)
    assert kill.difference(before, after)
    return after


def test_a_killed_plan_adoption_leaves_all_or_nothing(database: Database) -> None:
    kill.run(database, PLAN, str(MEASURES))
    measures = MEASURES + 6
    moments = [
        "plan.PlanVersion:1",  # the version adopted before is superseded
        "plan.PlanVersion:2",  # the draft is adopted
        "plan.Measure:1",  # the first measure brought into force
        f"plan.Measure:{measures // 2}",
        f"plan.Measure:{measures}",  # the last one
        "core.AuditEvent:1",  # plan.adopted
        "meetings.Decision:1",  # the decision, the last row written
        "commit",
    ]
    after = kill_everywhere(database, ADOPT, moments, ADOPTION_STATE)
    # All of it: the draft adopted, the first version superseded, every measure in force with it.
    versions = {label: (status, n) for label, status, n, _on in after[ADOPTION_STATE[0]]}
    assert versions["Plan of Action 2010"] == ("superseded", 2)
    assert versions["Plan of Action 2025"] == ("adopted", 2)
    draft_id = database.query("SELECT id FROM plan_planversion WHERE label = 'Plan of Action 2025'")
    assert after[ADOPTION_STATE[1]] == [(draft_id[0][0], None, measures, 2 * measures)]
    assert after["meetings_decision"] == 1
    assert database.query("SELECT COUNT(*) FROM core_auditevent WHERE action = 'plan.adopted'") == [
        (1,)
    ]


def test_a_killed_iati_import_leaves_all_or_nothing(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "activities.xml"
    path.write_bytes(iati_file(ACTIVITIES, TRANSACTIONS))
    rows = ACTIVITIES * TRANSACTIONS
    moments = [
        "framework.Organisation:1",  # the unknown publisher becomes a partner
        "plan.PlanVersion:1",  # the draft the proposed measures go to
        "plan.Measure:1",  # the first proposed measure
        "funding.Transaction:1",
        f"funding.Transaction:{rows // 2}",
        f"funding.Transaction:{rows}",  # the last one
        "funding.ImportReport:1",  # the report, the last row written
        "commit",
    ]
    after = kill_everywhere(database, IMPORT, moments, IMPORT_STATE, str(path))
    assert after["funding_transaction"] == rows
    assert after["funding_activity"] == ACTIVITIES
    assert after["funding_recipientshare"] == 2 * rows
    assert after["funding_importreport"] == 1
    assert database.query(
        "SELECT COUNT(*) FROM framework_organisation WHERE iati_identifier = 'XM-DAC-KILL'"
    ) == [(1,)]
