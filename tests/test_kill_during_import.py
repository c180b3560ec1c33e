"""``kill -9`` of a needs import leaves no partial rows: the import writes in one transaction.

The command runs as its own process on a database of its own (see ``tests/test_backup.py``),
importing a workbook of 20,000 needs, and is killed with SIGKILL at several moments: while it
starts, while it reads and checks the file, and while it writes. Each time the database holds
either none of the file's needs or all of them, never a part; the same file then imports whole.
``tests/test_kill_during_writes.py`` does the same for a plan adoption and an IATI import.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import kill_helpers as kill
from . import needs_helpers as nh
from .test_backup import Database

ROWS = 20_000
CATEGORIES = ["I.a", "I.b", "I.c", "I.d", "II.a", "II.b", "II.c", "II.d", "II.e", "III.a"]
CYCLE = """
from seccoop.framework.models import Organisation
from seccoop.needs.models import AssessmentCycle
AssessmentCycle.objects.create(
    year=2030, status="open", owner=Organisation.objects.get(code="COMMISSION"), tlp="CLEAR"
)
"""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path, "killed")
    try:
        db.run("migrate", "--verbosity", "0")
        db.run("load-framework")
        db.run("shell", "-c", CYCLE)
        yield db
    finally:
        db.drop()


def needs_count(db: Database) -> int:
    (count,) = db.query("SELECT COUNT(*) FROM needs_need")[0]
    return int(count)


def test_a_killed_import_leaves_all_or_nothing(database: Database, tmp_path: Path) -> None:
    rows = [
        nh.row(
            category=CATEGORIES[i % len(CATEGORIES)],
            reference=f"JAM-K{i:05d}",
            description=f"Need {i}",
            amount=1000 + i,
        )
        for i in range(ROWS)
    ]
    workbook = tmp_path / "needs.xlsx"
    workbook.write_bytes(nh.workbook_bytes(rows))
    command = ["needs", "import", str(workbook), "--cycle", "2030"]
    outcomes = []
    for delay in (0.5, 2.0, 4.0, 7.0):
        finished = kill.kill_after(database, command, delay)
        count = needs_count(database)
        assert count in (0, ROWS), f"killed after {delay} s: {count} of {ROWS} needs written"
        outcomes.append((delay, finished, count))
        if count == ROWS:
            break
    # At least one kill landed before the import committed, and nothing of it was left.
    assert any(not finished and count == 0 for _d, finished, count in outcomes), outcomes
    if needs_count(database) == 0:
        database.run("needs", "import", str(workbook), "--cycle", "2030")
    assert needs_count(database) == ROWS
