"""Database upkeep the platform does itself, whichever database it runs on."""

from __future__ import annotations

from django.db import connection


def refresh_statistics() -> None:
    """Give the query planner fresh statistics after a bulk write (an import, the demo, a load).

    PostgreSQL's autovacuum analyses tables soon after large changes on its own. SQLite never does:
    without statistics its planner may scan a million-row table instead of using an index. Here
    ``ANALYZE`` samples at most 1,000 rows per index, so it costs milliseconds at any size.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
