"""The meeting benchmark's floor: the pack's data in plain SQL, checked equal to ``gather``'s.

``Floor.run`` computes, through ``connection.cursor()``, what ``pack_data`` extracts from a pack
gathered by ``seccoop.meetings.pack.gather``, for one meeting and one member; ``check_equal``
compares the two section by section. See ``bench_meetings``'s docstring for what the floor
follows of gather's rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from floors import as_decimal, table, tlp_sql

MAX_ROWS = 60  # seccoop.meetings.pack.MAX_ROWS, checked at start-up
HORIZON = 90  # seccoop.meetings.pack.HORIZON, checked at start-up


class Floor:
    """The pack's data for one meeting and one member, in plain SQL (see the module docstring).

    ``run`` returns what ``pack_data`` extracts from a gathered pack, built from cursor rows.
    """

    def __init__(self, meeting_id: int, user_id: int, today: date) -> None:
        from django.apps import apps
        from django.db import connection

        from seccoop.accounts.models import Membership, User
        from seccoop.framework.models import Body, Organisation, Party
        from seccoop.meetings.models import PREFIXES, ActionItem, Meeting, PreparationTask
        from seccoop.monitoring.models import Baseline, Indicator, Target, Value
        from seccoop.plan.models import Measure, Milestone, PlanVersion

        self.connection = connection
        self.ops = connection.ops
        self.meeting_id, self.user_id, self.today = meeting_id, user_id, today
        self.prefixes = PREFIXES
        self.status_labels = {k: str(v) for k, v in Measure.Status.choices}
        self.value_places = Decimal(1).scaleb(-Value._meta.get_field("value").decimal_places)
        self.target_places = Decimal(1).scaleb(-Target._meta.get_field("value").decimal_places)
        self.models: dict[str, Any] = {
            "membership": Membership,
            "user": User,
            "org": Organisation,
            "party": Party,
            "body": Body,
            "meeting": Meeting,
            "item": ActionItem,
            "task": PreparationTask,
            "plan": PlanVersion,
            "measure": Measure,
            "milestone": Milestone,
            "value": Value,
            "target": Target,
            "baseline": Baseline,
            "indicator": Indicator,
        }
        self.funding = apps.is_installed("seccoop.funding")
        if self.funding:
            from seccoop.funding.models import RecipientShare, Transaction
            from seccoop.needs.models import AssessmentCycle, Need

            for name, model in (
                ("cycle", AssessmentCycle),
                ("need", Need),
                ("transaction", Transaction),
                ("share", RecipientShare),
            ):
                self.models[name] = model
        self.t = {name: table(model) for name, model in self.models.items()}
        self.queries = 0
        # The user's scope, read by ``run`` (as ``user_scope`` reads it once per request).
        self.member = False
        self.orgs: list[int] = []
        self.release: list[int] = []

    # helpers -----------------------------------------------------------------------------

    def fetch(self, cursor: Any, sql: str, params: list[Any]) -> list[Any]:
        self.queries += 1
        cursor.execute(sql, params)
        return cursor.fetchall()

    def day(self, x: date) -> Any:
        return self.ops.adapt_datefield_value(x)

    def instant(self, x: datetime) -> Any:
        return self.ops.adapt_datetimefield_value(x)

    @staticmethod
    def as_date(x: Any) -> date:
        return date.fromisoformat(x) if isinstance(x, str) else x

    @staticmethod
    def as_utc(x: Any) -> datetime:
        if isinstance(x, str):
            x = datetime.fromisoformat(x)
        return x if x.tzinfo is not None else x.replace(tzinfo=UTC)

    @staticmethod
    def dec(x: Any, places: Decimal) -> Decimal:
        """A stored decimal as Django reads it (SQLite hands back a float, 15 digits kept)."""
        if isinstance(x, float):
            return Context(prec=15).create_decimal_from_float(x).quantize(places)
        return Decimal(x).quantize(places)

    def visible(self, name: str, alias: str) -> tuple[str, list[Any]]:
        """The TLP read rule for the member, with the scope ``run`` read (as the policy does)."""
        return tlp_sql(
            self.models[name],
            alias,
            user_id=self.user_id,
            member=self.member,
            release=self.release,
            orgs=self.orgs,
        )

    def code(self, body_type: str, body_code: str, year: int, sequence: int) -> str:
        return f"{self.prefixes.get(body_type, body_code[:3].upper())}-{year}-{sequence}"

    # the pack ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from django.utils import timezone

        from seccoop.core.markings import most_restrictive

        self.queries = 0
        t, qn = self.t, self.ops.quote_name
        today, d = self.today, self.day
        with self.connection.cursor() as cur:
            # The user's scope: active memberships, their organisations and two levels up.
            now = timezone.localdate()
            rows = self.fetch(
                cur,
                f"""SELECT m.organisation_id, o.parent_id, p.parent_id FROM {t["membership"]} m
                JOIN {t["org"]} o ON o.id = m.organisation_id
                LEFT JOIN {t["org"]} p ON p.id = o.parent_id
                WHERE m.user_id = %s AND m.{qn("start")} <= %s
                    AND (m.{qn("end")} IS NULL OR m.{qn("end")} >= %s)""",  # noqa: S608 - table names from the models
                [self.user_id, d(now), d(now)],
            )
            self.member = bool(rows)
            self.orgs = sorted({r[0] for r in rows})
            self.release = sorted({x for r in rows for x in r if x})

            # The meeting's heading.
            (
                (year, seq, btype, bcode, bname, title, start, end, zone, city, tlp, host, body_id),
            ) = self.fetch(
                cur,
                f"""SELECT mt.year, mt.sequence, b.body_type, bo.code, bo.name_en, mt.title,
                        mt.{qn("start")}, mt.{qn("end")}, mt.time_zone, mt.venue_city, mt.tlp,
                        ho.name_en, mt.body_id
                    FROM {t["meeting"]} mt JOIN {t["body"]} b ON b.id = mt.body_id
                    JOIN {t["org"]} bo ON bo.id = b.organisation_id
                    LEFT JOIN {t["party"]} h ON h.id = mt.host_id
                    LEFT JOIN {t["org"]} ho ON ho.id = h.organisation_id
                    WHERE mt.id = %s""",  # noqa: S608 - table names from the models
                [self.meeting_id],
            )
            tz = ZoneInfo(zone)
            local_start, local_end = (
                self.as_utc(start).astimezone(tz),
                self.as_utc(end).astimezone(tz),
            )
            code = self.code(btype, bcode, year, seq)
            when = f"{local_start:%Y-%m-%d %H:%M} to {local_end:%Y-%m-%d %H:%M} ({zone})"
            venue = ", ".join(x for x in (city, host or "") if x)
            header = [
                code,
                f"Meeting pack: {code} {title}",
                " · ".join(x for x in (bname or "", when, venue) if x),
                tlp,  # the pack's marking, derived below
            ]
            meeting_day = local_start.date()
            ref = min(meeting_day, today)

            # The previous meeting of the same body.
            vis, vp = self.visible("meeting", "mt")
            prev = self.fetch(
                cur,
                f"""SELECT mt.{qn("start")}, mt.time_zone FROM {t["meeting"]} mt
                WHERE mt.body_id = %s AND mt.{qn("start")} < %s AND mt.status <> 'cancelled'
                    AND {vis}
                ORDER BY mt.{qn("start")} DESC LIMIT 1""",  # noqa: S608 - table names from the models
                [body_id, self.instant(self.as_utc(start)), *vp],
            )
            since = (
                self.as_utc(prev[0][0]).astimezone(ZoneInfo(prev[0][1])).date() if prev else None
            )

            # The current plan: the latest adopted version, else the latest by year.
            vis, vp = self.visible("plan", "pv")
            plan = self.fetch(
                cur,
                f"""SELECT pv.id, pv.label FROM {t["plan"]} pv WHERE {vis}
                ORDER BY CASE WHEN pv.status = 'adopted' THEN 0 ELSE 1 END,
                    CASE WHEN pv.status = 'adopted' THEN pv.adopted_on END DESC,
                    CASE WHEN pv.status = 'adopted' THEN pv.id END DESC,
                    pv.year DESC, pv.id DESC
                LIMIT 1""",  # noqa: S608 - table names from the models
                vp,
            )
            plan_id = plan[0][0] if plan else None
            out: dict[str, Any] = {"header": header, "rows": {}, "titles": {}}

            # 1. Implementation since the last meeting.
            if plan_id is None:
                out["note"] = "No Plan of Action version yet."
                out["rows"]["implementation"] = []
            else:
                vis, vp = self.visible("measure", "m")
                counts = self.fetch(
                    cur,
                    f"""SELECT m.status, COUNT(*), MIN(m.{qn("order")}) FROM {t["measure"]} m
                    WHERE m.plan_id = %s AND {vis} GROUP BY m.status
                    ORDER BY 2 DESC, 3""",  # noqa: S608 - table names from the models
                    [plan_id, *vp],
                )
                text = ", ".join(f"{self.status_labels[s]}: {c}" for s, c, _first in counts)
                total = sum(c for _s, c, _first in counts)
                out["note"] = f"{plan[0][1]}: {total} measures ({text or '—'})."
                vis, vp = self.visible("milestone", "ms")
                vm, pm = self.visible("measure", "m")
                window = "AND ms.completed_on > %s" if since is not None else ""
                rows = self.fetch(
                    cur,
                    f"""SELECT m.code, m.title_en, ms.title, ms.completed_on
                    FROM {t["milestone"]} ms JOIN {t["measure"]} m ON m.id = ms.measure_id
                    WHERE m.plan_id = %s AND ms.completed_on IS NOT NULL
                        AND ms.completed_on <= %s {window} AND {vis} AND {vm}
                    ORDER BY ms.completed_on DESC, ms.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                    [plan_id, d(meeting_day), *([d(since)] if since else []), *vp, *pm],
                )
                out["rows"]["implementation"] = [
                    [f"{c} {mt or ''}", ms, f"{self.as_date(on):%Y-%m-%d}"]
                    for c, mt, ms, on in rows
                ]
            out["titles"]["implementation"] = (
                f"Implementation since the last meeting ({since:%Y-%m-%d})"
                if since
                else "Implementation to date (first meeting of this body)"
            )

            # 2. Overdue action items of this body.
            vis, vp = self.visible("item", "a")
            owner_cols = "u.id, u.first_name, u.last_name, u.username, p.id, po.name_en, bo.name_en"
            owner_joins = f"""LEFT JOIN {t["user"]} u ON u.id = a.owner_user_id
                LEFT JOIN {t["party"]} p ON p.id = a.owner_party_id
                LEFT JOIN {t["org"]} po ON po.id = p.organisation_id
                LEFT JOIN {t["body"]} b ON b.id = a.owner_body_id
                LEFT JOIN {t["org"]} bo ON bo.id = b.organisation_id"""
            rows = self.fetch(
                cur,
                f"""SELECT mt.year, mt.sequence, a.title, a.due, {owner_cols}
                FROM {t["item"]} a JOIN {t["meeting"]} mt ON mt.id = a.meeting_id {owner_joins}
                WHERE mt.body_id = %s AND a.status = 'open' AND a.due < %s AND {vis}
                ORDER BY a.due, a.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [body_id, d(ref), *vp],
            )
            overdue = []
            for y, s, title_, due, *owner in rows:
                due = self.as_date(due)
                overdue.append(
                    [
                        self.code(btype, bcode, y, s),
                        title_,
                        self.owner(*owner),
                        f"{due:%Y-%m-%d}",
                        str((ref - due).days),
                    ]
                )
            out["rows"]["overdue"] = overdue

            # 3. Off-track indicators: per indicator x State, the latest approved total with a
            # target (baseline if any), its progress, the worst 60.
            vv, pv_ = self.visible("value", "v")
            vt, pt = self.visible("target", "t")
            vb, pb = self.visible("baseline", "b")
            vi, pi = self.visible("indicator", "i")
            a_, t_, b_ = (f"CAST({x}.value AS DOUBLE PRECISION)" for x in ("v", "t", "b"))
            rows = self.fetch(
                cur,
                f"""WITH figures AS (
                    SELECT v.indicator_id AS ind, v.state_id AS st, v.period AS period,
                        v.value AS actual, t.value AS target, i.direction AS dir,
                        {a_} AS a, {t_} AS tg, {b_} AS bl,
                        ROW_NUMBER() OVER (PARTITION BY v.indicator_id, v.state_id
                                           ORDER BY v.period_start DESC) AS rn
                    FROM {t["value"]} v
                    JOIN {t["indicator"]} i ON i.id = v.indicator_id
                    JOIN {t["target"]} t ON t.indicator_id = v.indicator_id
                        AND t.state_id = v.state_id AND t.period = v.period AND {vt}
                    LEFT JOIN {t["baseline"]} b ON b.indicator_id = v.indicator_id
                        AND b.state_id = v.state_id AND {vb}
                    WHERE v.status = 'approved' AND v.disaggregation = '' AND {vv} AND {vi}
                ), scored AS (
                    SELECT ind, st, period, actual, target, CASE
                        WHEN bl IS NOT NULL THEN CASE
                            WHEN tg = bl THEN CASE WHEN (dir = 'increase' AND a >= tg)
                                OR (dir <> 'increase' AND a <= tg) THEN 100.0 ELSE 0.0 END
                            ELSE (a - bl) / (tg - bl) * 100 END
                        WHEN dir = 'increase' THEN CASE
                            WHEN tg <> 0 THEN a / tg * 100 WHEN a >= tg THEN 100.0 ELSE 0.0 END
                        WHEN a <= 0 THEN 100.0
                        ELSE tg / a * 100 END AS pct
                    FROM figures WHERE rn = 1
                )
                SELECT i.code, i.name_en, p.iso3, s.period, s.actual, s.target, s.pct, i.decimals
                FROM scored s JOIN {t["indicator"]} i ON i.id = s.ind
                JOIN {t["party"]} p ON p.id = s.st
                WHERE s.pct < 60
                ORDER BY s.pct, s.ind, s.st LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [*pt, *pb, *pv_, *pi],
            )
            out["rows"]["off_track"] = [
                [
                    f"{c} {name or ''}",
                    iso3,
                    period,
                    f"{self.dec(actual, self.value_places):,.{places or 0}f}",
                    f"{self.dec(target, self.target_places):,.{places or 0}f}",
                    f"{max(0.0, pct):.0f} %",  # below the baseline reads as 0 %
                ]
                for c, name, iso3, period, actual, target, pct, places in rows
            ]

            if self.funding:
                self.funding_gap(cur, out)

            # 4. Upcoming deadlines in the next 90 days: four sources, 60 each, merged.
            until = ref + timedelta(days=HORIZON)
            entries: list[tuple[date, str, str, str]] = []
            vis, vp = self.visible("item", "a")
            rows = self.fetch(
                cur,
                f"""SELECT a.due, a.title, {owner_cols}
                FROM {t["item"]} a JOIN {t["meeting"]} mt ON mt.id = a.meeting_id {owner_joins}
                WHERE mt.body_id = %s AND a.status = 'open' AND a.due >= %s AND a.due <= %s
                    AND {vis}
                ORDER BY a.due, a.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [body_id, d(ref), d(until), *vp],
            )
            entries += [
                (self.as_date(due), "Action item", ti, self.owner(*o)) for due, ti, *o in rows
            ]
            vis, vp = self.visible("milestone", "ms")
            vm, pm = self.visible("measure", "m")
            # The soonest first.
            order, join = "ms.due, ms.id", ""
            scope_sql = "AND m.plan_id = %s" if plan_id is not None else ""
            rows = self.fetch(
                cur,
                f"""SELECT ms.due, m.code, ms.title
                FROM {t["milestone"]} ms JOIN {t["measure"]} m ON m.id = ms.measure_id {join}
                WHERE ms.completed_on IS NULL AND ms.due >= %s AND ms.due <= %s AND {vis}
                    AND {vm} {scope_sql}
                ORDER BY {order} LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [d(ref), d(until), *vp, *pm, *([plan_id] if plan_id is not None else [])],
            )
            entries += [(self.as_date(due), "Milestone", f"{c}: {ti}", "") for due, c, ti in rows]
            vis, vp = self.visible("task", "tk")
            rows = self.fetch(
                cur,
                f"""SELECT tk.due, b.body_type, bo.code, mt.year, mt.sequence, tk.title,
                    ro.short_name_en, ro.name_en
                FROM {t["task"]} tk JOIN {t["meeting"]} mt ON mt.id = tk.meeting_id
                JOIN {t["body"]} b ON b.id = mt.body_id
                JOIN {t["org"]} bo ON bo.id = b.organisation_id
                LEFT JOIN {t["org"]} ro ON ro.id = tk.responsible_id
                WHERE tk.status = 'open' AND tk.due <= %s AND tk.due >= %s AND {vis}
                ORDER BY tk.due, tk.id LIMIT {MAX_ROWS}""",  # noqa: S608 - table names from the models
                [d(until), d(ref), *vp],
            )
            entries += [
                (
                    self.as_date(due),
                    "Dialogue preparation",
                    f"{self.code(bt, bc, y, s)}: {ti}",
                    (short or "") or (name or ""),
                )
                for due, bt, bc, y, s, ti, short, name in rows
            ]
            vis, vp = self.visible("meeting", "mt")
            # ``start__date__gte=ref``: the start's date in the current time zone.
            current = timezone.get_current_timezone()
            lower = datetime(ref.year, ref.month, ref.day, tzinfo=current)
            upper = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=2)
            rows = self.fetch(
                cur,
                f"""SELECT mt.{qn("start")}, mt.time_zone, b.body_type, bo.code, mt.year,
                    mt.sequence, mt.title, bo.name_en
                FROM {t["meeting"]} mt JOIN {t["body"]} b ON b.id = mt.body_id
                JOIN {t["org"]} bo ON bo.id = b.organisation_id
                WHERE mt.{qn("start")} >= %s AND mt.{qn("start")} < %s
                    AND mt.status = 'planned' AND mt.id <> %s AND {vis}
                ORDER BY mt.{qn("start")}""",  # noqa: S608 - table names from the models
                [self.instant(lower), self.instant(upper), self.meeting_id, *vp],
            )
            meetings = []
            for st, zn, bt, bc, y, s, ti, name in rows:
                local = self.as_utc(st).astimezone(ZoneInfo(zn)).date()
                if local <= until:
                    meetings.append(
                        (local, "Meeting", f"{self.code(bt, bc, y, s)} {ti}", name or "")
                    )
            entries += meetings[:MAX_ROWS]
            entries.sort(key=lambda e: (e[0], e[1], e[2]))
            out["rows"]["upcoming"] = [
                [f"{e[0]:%Y-%m-%d}", e[1], e[2], e[3]] for e in entries[:MAX_ROWS]
            ]
        # The pack's marking: the meeting's, at least TLP:AMBER with figures from reported values
        # or needs in it (as ``pack._marking`` derives it).
        figures = any(out["rows"].get(k) for k in ("off_track", "funding_gap"))
        header[3] = f"TLP:{most_restrictive([tlp, *(['AMBER'] if figures else [])])}"
        return out

    def funding_gap(self, cur: Any, out: dict[str, Any]) -> None:
        """The funding section: requirements (the latest cycle's needs) and what is committed
        under the counting rule (``funding.services``), by State, for the States with needs."""
        t, d = self.t, self.day
        vis, vp = self.visible("cycle", "cy")
        rows = self.fetch(
            cur,
            f"""SELECT cy.year FROM {t["cycle"]} cy WHERE {vis}
            ORDER BY cy.year DESC LIMIT 1""",  # noqa: S608 - table names from the models
            vp,
        )
        cycle = rows[0][0] if rows else None
        vn, pn = self.visible("need", "n")
        vt, pt = self.visible("transaction", "tx")
        if cycle is None:
            of_cycle, cycle_params, in_year, year_params = "", [], "", []
        else:
            of_cycle = f"AND n.cycle_id IN (SELECT id FROM {t['cycle']} WHERE year = %s)"  # noqa: S608 - a table name from the model
            cycle_params = [cycle]
            in_year = "AND f.value_date >= %s AND f.value_date <= %s"
            year_params = [d(date(cycle, 1, 1)), d(date(cycle, 12, 31))]
        # Committed, per (measure, provider) over all years: the commitments, plus the part of
        # each disbursement beyond them (a disbursement without a commitment implies one). The
        # 100.0 keeps SQLite from integer division (it stores whole amounts as integers).
        rows = self.fetch(
            cur,
            f"""WITH flows AS (
                SELECT tx.id, tx.type, tx.amount_usd, tx.measure_id, tx.provider_id, tx.value_date
                FROM {t["transaction"]} tx WHERE tx.type IN ('12', '2', '3') AND {vt}
            ), totals AS (
                SELECT measure_id, provider_id,
                    SUM(CASE WHEN type = '2' THEN amount_usd ELSE 0 END) AS c,
                    SUM(CASE WHEN type = '3' THEN amount_usd ELSE 0 END) AS d
                FROM flows GROUP BY measure_id, provider_id
            ), committed AS (
                SELECT s.state_id AS st, SUM(CASE WHEN f.type = '2'
                    THEN f.amount_usd * s.percentage / 100.0
                    ELSE f.amount_usd * s.percentage / 100.0 * (k.d - k.c) / k.d END) AS usd
                FROM flows f
                JOIN totals k ON k.measure_id = f.measure_id AND (k.provider_id = f.provider_id
                    OR (k.provider_id IS NULL AND f.provider_id IS NULL))
                JOIN {t["share"]} s ON s.transaction_id = f.id
                WHERE (f.type = '2' OR (f.type = '3' AND k.d > k.c)) {in_year}
                GROUP BY s.state_id
            ), required AS (
                SELECT n.state_id AS st, SUM(n.amount_usd) AS usd FROM {t["need"]} n
                WHERE n.status IN ('submitted', 'validated') {of_cycle} AND {vn}
                GROUP BY n.state_id
            )
            SELECT p.iso3, o.name, r.usd, c.usd
            FROM required r JOIN {t["party"]} p ON p.id = r.st
            JOIN {t["org"]} o ON o.id = p.organisation_id
            LEFT JOIN committed c ON c.st = r.st
            WHERE r.usd > 0""",  # noqa: S608 - table names from the models
            [*pt, *year_params, *cycle_params, *pn],
        )
        money = "{:,.0f}".format
        table = []
        for _iso3, name, required, committed in sorted(rows, key=lambda r: r[1]):
            req, com = as_decimal(required), as_decimal(committed or 0)
            pct = round(float(com / req * 100), 1)
            table.append(
                [name, money(req), money(com), money(max(Decimal(0), req - com)), f"{pct:.0f} %"]
            )
        out["rows"]["funding_gap"] = table
        out["titles"]["funding_gap"] = f"Funding gap by State ({cycle or 'all years'})"

    @staticmethod
    def owner(
        user_id: Any, first: Any, last: Any, username: Any, party_id: Any, party: Any, body: Any
    ) -> str:
        """``ActionItem.owner_label``: the person (full name or username), the party, the body."""
        if user_id is not None:
            return f"{first} {last}".strip() or username
        return (party or "") if party_id is not None else (body or "")


def pack_data(pack: Any) -> dict[str, Any]:
    """What the floor computes, taken from a gathered pack."""
    by_key = {s.key: s for s in pack.sections}
    return {
        "header": [pack.code, pack.heading, pack.subtitle, pack.marking],
        "note": by_key["implementation"].note,
        "titles": {k: by_key[k].title for k in ("implementation", "funding_gap") if k in by_key},
        "rows": {s.key: s.rows for s in pack.sections},
    }


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Where gather's data and the floor's differ, section by section (empty: they are equal).
    Each part and each section says its first difference only."""
    found = []
    for part in ("header", "note", "titles"):
        if got[part] != want[part]:
            found.append(f"{part}: gather {got[part]!r}, floor {want[part]!r}")
    for key in sorted(set(got["rows"]) ^ set(want["rows"])):
        found.append(f"section {key}: only in {'gather' if key in got['rows'] else 'the floor'}")
    for key in sorted(set(got["rows"]) & set(want["rows"])):
        rows, other = got["rows"][key], want["rows"][key]
        wrong = [(n, a, b) for n, (a, b) in enumerate(zip(rows, other, strict=False)) if a != b]
        if wrong:
            n, a, b = wrong[0]
            found.append(f"{key}, row {n + 1}: gather {a!r}, floor {b!r}")
        elif len(rows) != len(other):
            found.append(f"{key}: gather {len(rows)} rows, floor {len(other)}")
    return found
