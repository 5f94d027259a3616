"""Keeping ``LifecycleFirst`` (and the pipeline's ``StageStay``) current: marks, the
set-based refresh, the full rebuild.

A change the hub announces (an activity, a deal, a lead, an account) marks the accounts it
touched in ``LifecycleFirstDirty`` (``firsts_changes_listener``); a debounced worker
(``analytics.firsts_refresh_dirty_task``, beat catch-up every minute) recomputes their rows:
the firsts by three grouped statements over the stage history, the deals and the lead
status changes of those accounts, the nearest touches by one statement per dimension and
side (on PostgreSQL a LATERAL index probe per (account, fact), elsewhere a window). The
full rebuild (``firsts_rebuild``, nightly and once when the table was never built) does
the same in account-id chunks and records that the table may be read. The same marks
rewrite the accounts' deals' stage stays (``analytics.insights.models.StageStay``).

The analyses read the table only once it was built, and first drain a small backlog of
marks inline (``firsts_ready``), so what they answer is what the live computation answers.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from abm.tasks import enqueue
from accounts.models import Account, Activity, Lead, Opportunity
from analytics.engine.sql import ACT, DIMENSIONS, OPP, STG, Dialect, Sql, as_datetime, fetch
from analytics.firsts.models import LifecycleFirst, LifecycleFirstDirty, LifecycleFirstState
from analytics.insights.models import StageStay

log = logging.getLogger(__name__)

# A flow has at most 10 columns: the anchor and 9 steps.
STEPS_KEPT = 9
CHUNK = 500
# A read drains at most this many marked accounts itself; past it the analysis runs live.
INLINE_LIMIT = 300
STATE_KEY = "built"
_DEBOUNCE_KEY = "analytics:firsts:debounce"
_LOCK = 48151623  # advisory lock serializing refreshes of the table on PostgreSQL

LEAD_FACTS = tuple(f"lead:{s}" for s in Lead.Status.values)
STAGE_FACTS = tuple(f"stage:{s}" for s in Opportunity.Stage.values)
FACTS = (*LEAD_FACTS, "opportunity_created", *STAGE_FACTS)
TABLE = LifecycleFirst._meta.db_table
STAYS = StageStay._meta.db_table


def fact_of(condition: dict) -> str | None:
    """The stored fact an event condition names exactly, or None (it runs live)."""
    kind = condition.get("kind")
    extra = {k for k, v in condition.items() if v not in (None, "", [])} - {
        "kind",
        "status",
        "stage",
    }
    if extra:
        return None
    if kind == "lead_status" and condition.get("status") in Lead.Status.values:
        return f"lead:{condition['status']}"
    if kind == "opportunity_created":
        return "opportunity_created"
    if kind == "opportunity_stage" and condition.get("stage") in Opportunity.Stage.values:
        return f"stage:{condition['stage']}"
    return None


# --- Computing rows -----------------------------------------------------------------------


def _scope(column: str, ids: list[int] | None, bounds: tuple[int, int] | None) -> Sql:
    if bounds is not None:
        return Sql(f"{column} BETWEEN %s AND %s", [bounds[0], bounds[1]])
    return Sql(f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids))


def _firsts_sql(ids: list[int] | None, bounds: tuple[int, int] | None, dialect: Dialect) -> Sql:
    """(account, fact, first time) of the accounts in scope: one union of grouped passes."""
    to = dialect.json_text("a.metadata", "to")
    statuses = ", ".join(["%s"] * len(Lead.Status.values))
    sql = Sql(f"SELECT a.account_id AS e, 'lead:' || {to} AS fact, MIN(a.occurred_at) AS t ")
    sql.add(f"FROM {ACT} a WHERE a.type = %s", Activity.Type.LEAD_STATUS_CHANGED)
    sql.add(" AND a.is_bot = %s AND ", False).extend(_scope("a.account_id", ids, bounds))
    sql.add(f" AND {to} IN ({statuses})", *Lead.Status.values)
    sql.add(f" GROUP BY a.account_id, {to}")
    sql.add(" UNION ALL SELECT o.account_id, 'opportunity_created', MIN(o.created_at) ")
    sql.add(f"FROM {OPP} o WHERE ").extend(_scope("o.account_id", ids, bounds))
    sql.add(" GROUP BY o.account_id")
    sql.add(" UNION ALL SELECT o.account_id, 'stage:' || s.to_stage, MIN(s.changed_at) ")
    sql.add(f"FROM {STG} s JOIN {OPP} o ON o.id = s.opportunity_id WHERE ")
    sql.extend(_scope("o.account_id", ids, bounds))
    sql.add(" GROUP BY o.account_id, s.to_stage")
    return sql


def _steps_sql(firsts: Sql, dimension: str, before: bool, dialect: Dialect) -> Sql:
    """(account, fact, order key, epoch, value): each first's nearest touches on one side.

    The order key sorts them nearest first: the rank on SQLite (whose epoch keeps only
    milliseconds), minus the activity id on PostgreSQL (whose epoch keeps microseconds,
    so (epoch, id) is the order the flow reads)."""
    dim = DIMENSIONS[dimension]
    has_value = f"{dim} IS NOT NULL" + ("" if dimension == "campaign" else f" AND {dim} <> ''")
    test = "a.occurred_at < f.t" if before else "a.occurred_at > f.t"
    order = "DESC" if before else "ASC"
    epoch = dialect.epoch("a.occurred_at")
    sql = Sql("WITH f AS (").extend(firsts).add(") ")
    if dialect.postgres:
        sql.add(
            f"SELECT f.e, f.fact, s.id, s.t, s.v FROM f CROSS JOIN LATERAL (SELECT a.id, "
            f"{epoch} AS t, {dim} AS v FROM {ACT} a WHERE a.account_id = f.e AND {test} "
            f"AND {has_value} AND a.is_bot = %s ORDER BY a.occurred_at {order}, a.id {order} "
            "LIMIT %s) s",
            False,
            STEPS_KEPT,
        )
        return sql
    sql.add(
        "SELECT e, fact, rn, t, v FROM (SELECT f.e AS e, f.fact AS fact, "
        f"{epoch} AS t, {dim} AS v, ROW_NUMBER() OVER (PARTITION BY f.e, f.fact "
        f"ORDER BY a.occurred_at {order}, a.id {order}) AS rn FROM f JOIN {ACT} a "
        f"ON a.account_id = f.e WHERE {test} AND {has_value} AND a.is_bot = %s) s "
        "WHERE rn <= %s",
        False,
        STEPS_KEPT,
    )
    return sql


def _compute(ids: list[int] | None, bounds: tuple[int, int] | None) -> list[LifecycleFirst]:
    dialect = Dialect()
    firsts = _firsts_sql(ids, bounds, dialect)
    rows = fetch(firsts)
    if not rows:
        return []
    steps: dict[tuple, dict] = defaultdict(dict)
    for dimension in DIMENSIONS:
        for before in (True, False):
            found: dict[tuple, list] = defaultdict(list)
            for e, fact, rank, t, value in fetch(_steps_sql(firsts, dimension, before, dialect)):
                order = rank if not dialect.postgres else ((-t, -rank) if before else (t, rank))
                found[(e, fact)].append((order, t, value))
            key = f"{'b' if before else 'a'}:{dimension}"
            for entity_fact, items in found.items():
                items.sort(key=lambda item: item[0])
                steps[entity_fact][key] = [[t, value] for _, t, value in items[:STEPS_KEPT]]
    return [
        LifecycleFirst(account_id=e, fact=fact, at=as_datetime(t), steps=steps.get((e, fact), {}))
        for e, fact, t in rows
    ]


def _insert_postgres(cursor, ids: list[int] | None, bounds: tuple[int, int] | None) -> int:
    """PostgreSQL: the rows of the accounts in scope by one INSERT … SELECT, each first's
    steps a JSON array built by an index-only probe per dimension and side (no Python)."""
    dialect = Dialect()
    epoch = dialect.epoch("a.occurred_at")
    parts, params = [], []
    for dimension, dim in DIMENSIONS.items():
        has_value = f"{dim} IS NOT NULL" + ("" if dimension == "campaign" else f" AND {dim} <> ''")
        for before in (True, False):
            test = "a.occurred_at < f.t" if before else "a.occurred_at > f.t"
            order = "DESC" if before else "ASC"
            parts.append(
                f"'{'b' if before else 'a'}:{dimension}', (SELECT COALESCE(jsonb_agg("
                f"jsonb_build_array(s.t, s.v) ORDER BY s.at {order}, s.id {order}), '[]') "
                f"FROM (SELECT a.id, a.occurred_at AS at, {epoch} AS t, {dim} AS v "
                f"FROM {ACT} a WHERE a.account_id = f.e AND {test} AND {has_value} "
                f"AND a.is_bot = %s ORDER BY a.occurred_at {order}, a.id {order} LIMIT %s) s)"
            )
            params += [False, STEPS_KEPT]
    sql = Sql(f"INSERT INTO {TABLE} (account_id, fact, at, steps) SELECT f.e, f.fact, f.t, ")
    sql.add("jsonb_build_object(" + ", ".join(parts) + ")", *params)
    sql.add(" FROM (").extend(_firsts_sql(ids, bounds, dialect)).add(") f")
    cursor.execute(sql.text, sql.params)
    return cursor.rowcount


def _write(cursor, ids: list[int] | None, bounds: tuple[int, int] | None) -> int:
    """Replace the rows (firsts and stays) of the accounts in scope; returns firsts written."""
    delete = Sql(f"DELETE FROM {TABLE} WHERE ").extend(_scope("account_id", ids, bounds))
    cursor.execute(delete.text, delete.params)
    if connection.vendor == "postgresql":
        written = _insert_postgres(cursor, ids, bounds)
    else:
        rows = _compute(ids, bounds)
        LifecycleFirst.objects.bulk_create(rows, batch_size=500)
        written = len(rows)
    _stays_refresh(cursor, ids, bounds)
    return written


def _stays_refresh(cursor, ids: list[int] | None, bounds: tuple[int, int] | None) -> None:
    """Rewrite the stage stays of the deals of the accounts in scope (one LEAD() pass)."""
    deals = Sql(f"SELECT o.id FROM {OPP} o WHERE ").extend(_scope("o.account_id", ids, bounds))
    delete = Sql(f"DELETE FROM {STAYS} WHERE ").extend(_scope("account_id", ids, bounds))
    delete.add(" OR opportunity_id IN (").extend(deals).add(")")
    cursor.execute(delete.text, delete.params)
    insert = Sql(
        f"INSERT INTO {STAYS} (opportunity_id, account_id, stage, entered_at, left_at) "
        "SELECT sc.opportunity_id, o.account_id, sc.to_stage, sc.changed_at, "
        "LEAD(sc.changed_at) OVER (PARTITION BY sc.opportunity_id "
        f"ORDER BY sc.changed_at, sc.id) FROM {STG} sc JOIN {OPP} o ON o.id = sc.opportunity_id "
        "WHERE "
    ).extend(_scope("o.account_id", ids, bounds))
    cursor.execute(insert.text, insert.params)


def _lock(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def firsts_refresh(*, account_ids: Iterable[int]) -> int:
    """Recompute the rows of these accounts (delete + insert, one transaction a chunk)."""
    ids = sorted({int(pk) for pk in account_ids if pk})
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor)
            written += _write(cursor, chunk, None)
    return written


def firsts_rebuild(*, chunk: int = 1000) -> int:
    """Recompute every account's rows from scratch, in id ranges; then mark the table built."""
    started = timezone.now()
    bounds = Account.objects.order_by().values_list("id", flat=True)
    low, high = min(bounds, default=0), max(bounds, default=-1)
    written = 0
    for first in range(low, high + 1, chunk):
        last = first + chunk - 1
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor)
            written += _write(cursor, None, (first, last))
    # what was marked before this rebuild started is in it
    LifecycleFirstDirty.objects.filter(marked_at__lt=started).delete()
    LifecycleFirst.objects.filter(account_id__gt=high).delete()
    StageStay.objects.filter(account_id__gt=high).delete()
    LifecycleFirstState.objects.update_or_create(
        key=STATE_KEY,
        defaults={"built_at": timezone.now(), "accounts": high - low + 1, "rows": written},
    )
    return written


# --- Marks --------------------------------------------------------------------------------


def firsts_mark_dirty(*, account_ids: Iterable[int]) -> int:
    ids = sorted({int(pk) for pk in account_ids if pk})
    now = timezone.now()
    for start in range(0, len(ids), 1000):
        LifecycleFirstDirty.objects.bulk_create(
            [LifecycleFirstDirty(account_id=pk, marked_at=now) for pk in ids[start : start + 1000]],
            update_conflicts=True,
            unique_fields=["account_id"],
            update_fields=["marked_at"],
        )
    return len(ids)


def firsts_refresh_dirty(*, limit: int = 5000) -> int:
    """Recompute the marked accounts; a mark newer than the refresh's start stays."""
    cache.delete(_DEBOUNCE_KEY)
    marks = list(
        LifecycleFirstDirty.objects.order_by("account_id").values_list("account_id", "marked_at")[
            :limit
        ]
    )
    if not marks:
        return 0
    return _drain(marks)


def _drain(marks: list[tuple]) -> int:
    """Refresh the marked accounts, then drop the marks no newer than those read."""
    ids = [pk for pk, _ in marks]
    newest = max(marked_at for _, marked_at in marks)
    written = firsts_refresh(account_ids=ids)
    for start in range(0, len(ids), 1000):
        LifecycleFirstDirty.objects.filter(
            account_id__in=ids[start : start + 1000], marked_at__lte=newest
        ).delete()
    return written


def _queue_refresh() -> None:
    from analytics.tasks import firsts_refresh_dirty_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        firsts_refresh_dirty()
        return
    delay = 5
    if cache.add(_DEBOUNCE_KEY, 1, timeout=delay * 3) and not enqueue(
        firsts_refresh_dirty_task, countdown=delay
    ):
        cache.delete(_DEBOUNCE_KEY)


def firsts_built() -> bool:
    return LifecycleFirstState.objects.filter(key=STATE_KEY).exists()


def firsts_changes_listener(*, kind: str, account_ids: set, contact_ids: set) -> None:
    """changes_register listener: the accounts a commit touched get their firsts recomputed
    (only once the table was built: before that the analyses compute firsts live)."""
    from accounts.services.rollups import accounts_for_contacts

    if not firsts_built():
        return
    affected = set(account_ids) | accounts_for_contacts(contact_ids)
    if affected:
        firsts_mark_dirty(account_ids=affected)
        _queue_refresh()


def firsts_ready() -> bool:
    """True when the table answers exactly what the live computation would: it was built
    and no account is marked (a backlog up to INLINE_LIMIT is drained here, now)."""
    if not firsts_built():
        return False
    marks = list(
        LifecycleFirstDirty.objects.values_list("account_id", "marked_at")[: INLINE_LIMIT + 1]
    )
    if len(marks) > INLINE_LIMIT:
        return False
    if marks:
        _drain(marks)
    return True


def steps_of(value) -> list:
    """A stored steps list as read back (SQLite returns JSON text)."""
    if value is None:
        return []
    if isinstance(value, str):
        return json.loads(value)
    return value
