"""The SQL ground every analysis stands on: dialect, entities, event conditions.

Every analysis is a few set-based statements over the activity stream and the
lifecycle facts (deal creation, stage history, lead status changes, target marking),
written once for PostgreSQL and SQLite. An *event source* is a SELECT yielding
``(e, t)``: the entity of the analysis' container and the time of the event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import (
    Account,
    Activity,
    Contact,
    Opportunity,
    OpportunityContactRole,
    OpportunityStageChange,
    User,
)
from buying_groups.models import BuyingGroup, Member, RoleTemplate

ACT = Activity._meta.db_table
ACC = Account._meta.db_table
CON = Contact._meta.db_table
OPP = Opportunity._meta.db_table
OCR = OpportunityContactRole._meta.db_table
STG = OpportunityStageChange._meta.db_table
USR = User._meta.db_table
BG = BuyingGroup._meta.db_table
MEM = Member._meta.db_table
TPL = RoleTemplate._meta.db_table

LIFECYCLE_KINDS = ("opportunity_created", "opportunity_stage", "lead_status", "target_marked")
# Activity types that lifecycle facts describe better (the deal and lead records).
ACTIVITY_KINDS_HIDDEN = {
    Activity.Type.LEAD_STATUS_CHANGED,
    Activity.Type.OPPORTUNITY_CREATED,
    Activity.Type.OPPORTUNITY_WON,
}
ACTIVITY_KINDS = tuple(t for t in Activity.Type.values if t not in ACTIVITY_KINDS_HIDDEN)

# Path / key-moment dimensions: the activity column each reads.
DIMENSIONS = {
    "type": "a.type",
    "content_type": "a.content_type",
    "campaign": "a.campaign_id",
    "channel": "a.channel",
}


@dataclass
class Sql:
    """A statement being composed, with its parameters kept in text order."""

    text: str = ""
    params: list = field(default_factory=list)

    def add(self, text: str, *params) -> Sql:
        self.text += text
        self.params.extend(params)
        return self

    def extend(self, other: Sql) -> Sql:
        return self.add(other.text, *other.params)


class Dialect:
    """The few places PostgreSQL and SQLite spell things differently."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.postgres = self.vendor == "postgresql"

    @staticmethod
    def contains(column: str) -> str:
        """Case-insensitive "contains" (the value comes from ``like_value``): lower() and
        LIKE cost PostgreSQL about a third less than ILIKE over a few hundred thousand
        subjects, and read the same on SQLite."""
        return f"lower({column}) LIKE %s ESCAPE '!'"

    @staticmethod
    def like_value(text: str) -> str:
        escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
        return f"%{escaped}%"

    def json_text(self, column: str, key: str) -> str:
        if self.postgres:
            return f"({column} ->> '{key}')"
        return f"json_extract({column}, '$.{key}')"

    def period(self, column: str, granularity: str) -> str:
        """The period an instant falls in, as text: 'YYYY-MM' or the week's Monday."""
        if self.postgres:
            if granularity == "month":
                return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
            return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        if granularity == "month":
            return f"strftime('%%Y-%%m', {column})"
        return f"date({column}, 'weekday 0', '-6 days')"

    def epoch(self, column: str) -> str:
        """Seconds since 1970 as a float: rows come back without parsing timestamps
        (parsing 60,000 of them in Python cost more than the query)."""
        if self.postgres:
            return f"CAST(EXTRACT(EPOCH FROM {column}) AS double precision)"
        return f"((julianday({column}) - 2440587.5) * 86400.0)"

    def shift(self, column: str) -> str:
        """``column`` moved by a number of days given as the next parameter."""
        if self.postgres:
            return f"({column} + %s * interval '1 day')"
        return f"datetime({column}, %s)"

    def shift_param(self, days: int):
        return days if self.postgres else f"{days:+d} days"

    @staticmethod
    def dt(value: dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)


def as_datetime(value) -> dt.datetime | None:
    """A timestamp read back from either database, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def fetch(sql: Sql, *, hash_joins: bool = False) -> list[tuple]:
    """Run one statement; on PostgreSQL without JIT and, with ``hash_joins``, without
    nested loops.

    The planner cannot estimate how many entities pass a "subject contains" filter or a
    GROUP BY over a CTE, guesses a few hundred, and joins the next node's events with
    tens of thousands of index probes; every step of these passes is a set-to-set join
    that hash joins do in one sweep. Forbidding a plan shape adds a huge cost to it,
    which would make PostgreSQL JIT-compile a 10 ms query for seconds: JIT is off too
    (these statements are short and run often).
    """
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            if hash_joins:
                cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(sql.text, sql.params)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql.text, sql.params)
        return cursor.fetchall()


# --- Time range ----------------------------------------------------------------------------


def range_bounds(filters: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The filter's dates as [start, end) instants in UTC."""
    start = end = None
    if filters.get("date_from"):
        start = dt.datetime.combine(filters["date_from"], dt.time(), tzinfo=dt.UTC)
    if filters.get("date_to"):
        end = dt.datetime.combine(
            filters["date_to"] + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
        )
    return start, end


# --- Entities ------------------------------------------------------------------------------

# Each container: its table, and how its row reaches the account the segment filters read.
ENTITY_TABLES = {
    "account": (ACC, "x.id"),
    "opportunity": (OPP, "x.account_id"),
    "buying_group": (BG, "x.account_id"),
    "person": (CON, "x.account_id"),
}


def universe(container: str, filters: dict) -> Sql | None:
    """The entities the segment filters keep, as ``SELECT id``; None when all are kept."""
    where: list[tuple[str, list]] = []
    table, account_col = ENTITY_TABLES[container]
    if filters.get("industry"):
        where.append(
            (
                f"acc.industry IN ({', '.join(['%s'] * len(filters['industry']))})",
                list(filters["industry"]),
            )
        )
    if filters.get("country"):
        where.append(
            (
                f"acc.country IN ({', '.join(['%s'] * len(filters['country']))})",
                list(filters["country"]),
            )
        )
    if filters.get("is_target") is not None:
        where.append(("acc.is_target = %s", [bool(filters["is_target"])]))
    if filters.get("owner"):
        where.append(("acc.owner_id = %s", [filters["owner"]]))
    if filters.get("team"):
        where.append(
            (f"acc.owner_id IN (SELECT id FROM {USR} WHERE team_id = %s)", [filters["team"]])
        )
    if filters.get("account"):
        where.append((f"{account_col} = %s", [filters["account"]]))
    if filters.get("buying_group") and container == "buying_group":
        where.append(("x.id = %s", [filters["buying_group"]]))
    if not where:
        return None
    sql = Sql(f"SELECT x.id FROM {table} x JOIN {ACC} acc ON acc.id = {account_col} WHERE ")
    for index, (text, params) in enumerate(where):
        sql.add((" AND " if index else "") + text, *params)
    return sql


# --- Event sources -------------------------------------------------------------------------


def _activity_source(container: str, where: Sql) -> Sql:
    """Activities matching ``where`` (on alias ``a``), as (entity, time)."""
    if container == "account":
        sql = Sql(f"SELECT a.account_id AS e, a.occurred_at AS t FROM {ACT} a WHERE ")
        sql.extend(where).add(" AND a.account_id IS NOT NULL")
    elif container == "person":
        sql = Sql(f"SELECT a.contact_id AS e, a.occurred_at AS t FROM {ACT} a WHERE ")
        sql.extend(where)
    elif container == "buying_group":
        sql = Sql(
            f"SELECT m.group_id AS e, a.occurred_at AS t FROM {ACT} a "
            f"JOIN {MEM} m ON m.contact_id = a.contact_id WHERE "
        )
        sql.extend(where)
    else:  # an opportunity owns its account's activities while it is open
        sql = Sql(
            f"SELECT o.id AS e, a.occurred_at AS t FROM {ACT} a "
            f"JOIN {OPP} o ON o.account_id = a.account_id AND a.occurred_at >= o.created_at "
            f"AND (o.closed_at IS NULL OR a.occurred_at <= o.closed_at) WHERE "
        )
        sql.extend(where)
    return sql


def _deal_source(container: str, time_col: str, from_sql: str, where: Sql) -> Sql:
    """Deal facts (alias ``o`` for the deal) as (entity, time)."""
    if container == "account":
        head = f"SELECT o.account_id AS e, {time_col} AS t FROM {from_sql}"
    elif container == "opportunity":
        head = f"SELECT o.id AS e, {time_col} AS t FROM {from_sql}"
    elif container == "buying_group":
        head = (
            f"SELECT g.id AS e, {time_col} AS t FROM {from_sql} "
            f"JOIN {BG} g ON g.account_id = o.account_id"
        )
    else:
        head = (
            f"SELECT r.contact_id AS e, {time_col} AS t FROM {from_sql} "
            f"JOIN {OCR} r ON r.opportunity_id = o.id"
        )
    sql = Sql(head)
    if where.text:
        sql.add(" WHERE ").extend(where)
    return sql


def event_source(
    condition: dict, container: str, dialect: Dialect, filters: dict | None = None
) -> Sql:
    """One event condition compiled to ``SELECT e, t`` for the container.

    A single account (or buying group) in ``filters`` is pushed into the source, so its
    events are found through the per-account indexes instead of filtered afterwards.
    """
    kind = condition["kind"]
    account = (filters or {}).get("account")
    group = (filters or {}).get("buying_group") if container == "buying_group" else None
    if kind == "opportunity_created":
        where = Sql("o.account_id = %s", [account]) if account else Sql()
        return _deal_source(container, "o.created_at", f"{OPP} o", where)
    if kind == "opportunity_stage":
        where = Sql("s.to_stage = %s", [condition["stage"]])
        if account:
            where.add(" AND o.account_id = %s", account)
        return _deal_source(
            container, "s.changed_at", f"{STG} s JOIN {OPP} o ON o.id = s.opportunity_id", where
        )
    if kind == "target_marked":
        where = Sql("acc.is_target = %s AND acc.target_since IS NOT NULL", [True])
        if account:
            where.add(" AND acc.id = %s", account)
        if container == "account":
            return Sql(f"SELECT acc.id AS e, acc.target_since AS t FROM {ACC} acc WHERE ").extend(
                where
            )
        if container == "opportunity":
            return Sql(
                f"SELECT o.id AS e, acc.target_since AS t FROM {ACC} acc "
                f"JOIN {OPP} o ON o.account_id = acc.id WHERE "
            ).extend(where)
        if container == "buying_group":
            return Sql(
                f"SELECT g.id AS e, acc.target_since AS t FROM {ACC} acc "
                f"JOIN {BG} g ON g.account_id = acc.id WHERE "
            ).extend(where)
        return Sql(
            f"SELECT c.id AS e, acc.target_since AS t FROM {ACC} acc "
            f"JOIN {CON} c ON c.account_id = acc.id WHERE "
        ).extend(where)

    if kind == "lead_status":
        where = Sql("a.type = %s", [Activity.Type.LEAD_STATUS_CHANGED])
        where.add(f" AND {dialect.json_text('a.metadata', 'to')} = %s", condition["status"])
    else:
        where = Sql("a.type = %s", [kind])
    where.add(" AND a.is_bot = %s", False)
    if condition.get("campaign"):
        where.add(" AND a.campaign_id = %s", condition["campaign"])
    if condition.get("channel"):
        where.add(" AND a.channel = %s", condition["channel"])
    if condition.get("content_type"):
        where.add(" AND a.content_type = %s", condition["content_type"])
    if condition.get("contains"):
        where.add(
            f" AND {dialect.contains('a.subject')}", dialect.like_value(condition["contains"])
        )
    if condition.get("url_contains"):
        where.add(
            f" AND {dialect.contains('a.url')}", dialect.like_value(condition["url_contains"])
        )
    if account:
        where.add(" AND a.account_id = %s", account)
    if group:
        where.add(f" AND a.contact_id IN (SELECT contact_id FROM {MEM} WHERE group_id = %s)", group)
    return _activity_source(container, where)


def activity_join(container: str, entity_col: str) -> str:
    """JOIN clause bringing the activities (alias ``a``) of the entity in ``entity_col``."""
    if container == "account":
        return f"JOIN {ACT} a ON a.account_id = {entity_col}"
    if container == "person":
        return f"JOIN {ACT} a ON a.contact_id = {entity_col}"
    if container == "buying_group":
        return (
            f"JOIN {MEM} m ON m.group_id = {entity_col} JOIN {ACT} a ON a.contact_id = m.contact_id"
        )
    return f"JOIN {OPP} o ON o.id = {entity_col} JOIN {ACT} a ON a.account_id = o.account_id"


def first_reached(
    source: Sql,
    *,
    start: dt.datetime | None,
    end: dt.datetime | None,
    dialect: Dialect,
    scope: Sql | None,
    among: Sql | None = None,
) -> Sql:
    """Each entity's first event of ``source`` in [start, end), as ``SELECT e, MIN(t) t``
    (``among``: only the entities that statement selects, besides the scope)."""
    sql = Sql("SELECT ev.e AS e, MIN(ev.t) AS t FROM (").extend(source).add(") ev WHERE 1 = 1")
    if start:
        sql.add(" AND ev.t >= %s", dialect.dt(start))
    if end:
        sql.add(" AND ev.t < %s", dialect.dt(end))
    if scope is not None:
        sql.add(" AND ev.e IN (").extend(scope).add(")")
    if among is not None:
        sql.add(" AND ev.e IN (").extend(among).add(")")
    return sql.add(" GROUP BY ev.e")
