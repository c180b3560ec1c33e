"""Database upkeep the platform does itself, whichever database it runs on."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def refresh_statistics(*models: type[Model]) -> None:
    """Give the query planner fresh statistics after a bulk write (an import, the demo, a load):
    for the tables of ``models``, or for every table when none is named.

    SQLite never analyses on its own: without statistics its planner may scan a million-row table
    instead of using an index. There ``ANALYZE`` samples at most 1,000 rows per index, so it costs
    milliseconds at any size. PostgreSQL's autovacuum analyses tables after large changes when it
    is on, but not at once (and not at all where it is off), so the tables written are analysed
    here too; PostgreSQL samples a fixed number of rows, so this also stays cheap.
    """
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            for table in tables or [""]:
                cursor.execute(f"ANALYZE {table}".strip())  # noqa: S608 - table names from the models
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}".strip())  # noqa: S608 - table names from the models
