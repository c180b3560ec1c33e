"""The SQL floors' common parts: the access policy's read rule as SQL, table names, figures.

A floor is the same answer as the platform's, computed by hand-written SQL through
``connection.cursor()`` on the same database in the same run, with the same visibility for the
same user. Every floor writes the TLP read rule of ``seccoop.accounts.policy`` with ``tlp_sql``,
so a change of the rule is made here once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def table(model: Any) -> str:
    """The model's table name, quoted for the database."""
    from django.db import connection

    return str(connection.ops.quote_name(model._meta.db_table))


def tlp_sql(
    model: Any,
    alias: str,
    *,
    user_id: int,
    member: bool,
    release: list[int],
    orgs: list[int],
) -> tuple[str, list[Any]]:
    """The TLP read rule of ``seccoop.accounts.policy`` for one user who is not a superuser, as an
    SQL condition on ``alias`` (a row of ``model``) and its parameters.

    ``member``: the user holds a membership (GREEN); ``release``: the organisations AMBER records
    may be owned by or released to (the user's, and those above them); ``orgs``: the user's own
    organisations (AMBER+STRICT). RED: the user is a named recipient.
    """
    from django.db import connection

    assert not getattr(model, "assignee_field", None), "the rule below has no assignee"
    qn = connection.ops.quote_name
    rel = model._meta.get_field("releasable_to")
    rec = model._meta.get_field("recipients")
    parts = [f"{alias}.tlp IN ('CLEAR', 'GREEN')" if member else f"{alias}.tlp = 'CLEAR'"]
    params: list[Any] = []
    if release:
        marks = ", ".join(["%s"] * len(release))
        parts.append(
            f"""({alias}.tlp = 'AMBER' AND ({alias}.owner_id IN ({marks}) OR EXISTS (
            SELECT 1 FROM {qn(rel.m2m_db_table())} r WHERE r.{qn(rel.m2m_column_name())} = {alias}.id
            AND r.{qn(rel.m2m_reverse_name())} IN ({marks}))))"""  # noqa: S608 - names from the model, values are parameters
        )
        params += [*release, *release]
    if orgs:
        marks = ", ".join(["%s"] * len(orgs))
        parts.append(f"({alias}.tlp = 'AMBER+STRICT' AND {alias}.owner_id IN ({marks}))")
        params += orgs
    parts.append(
        f"""({alias}.tlp = 'RED' AND EXISTS (SELECT 1 FROM {qn(rec.m2m_db_table())} u
        WHERE u.{qn(rec.m2m_column_name())} = {alias}.id AND u.{qn(rec.m2m_reverse_name())} = %s))"""  # noqa: S608 - names from the model, values are parameters
    )
    params.append(user_id)
    return "(" + " OR ".join(parts) + ")", params


def visible_sql(model: Any, alias: str, user: Any) -> tuple[str, list[Any]]:
    """``tlp_sql`` for a signed-in member, with the scope the policy reads for them."""
    from seccoop.accounts.policy import user_scope

    scope = user_scope(user)
    assert scope.member and not user.is_superuser, "the SQL is the rule for a member"
    return tlp_sql(
        model,
        alias,
        user_id=user.pk,
        member=True,
        release=sorted(scope.release_orgs),
        orgs=sorted(scope.orgs),
    )


def fetch_all(sql: str, params: list[Any]) -> list[Any]:
    """The rows of one floor query, through ``connection.cursor()``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_decimal(x: Any) -> Decimal:
    """A figure from a floor as a Decimal: SQLite hands back sums of decimals as binary floating
    point (it stores them as REAL), PostgreSQL as ``numeric``."""
    if x is None:
        return Decimal(0)
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
