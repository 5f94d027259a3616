"""Engagement and completeness scores: set-based SQL shared by the incremental and full paths.

Engagement (person and group), explained in two lines on the pages:
  points = sum over the last `window_days` of weight(activity type) x 0.5^(age / half_life)
  score  = round(100 x (1 - e^(-points / scale)))   (bot-flagged events never count)

A person's points are their own activities; a group's are all its members'. The same
statements run for a list of ids (the debounced incremental path) and for every row at
once (the scheduled full recompute, one statement per phase), on PostgreSQL and SQLite.
Person scores live in the narrow ``ContactScore`` table; ``accounts.Contact.engagement_score``
is kept as a copy of them for the rest of the app.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from abm.tasks import enqueue
from accounts.models import HubEvent
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk
from buying_groups.models import BuyingGroup, DirtyScore, Member

LN2 = math.log(2)
FLUSH_KEY = "buying_groups:flush-scheduled"
ID_BATCH = 500


def engagement_config() -> dict:
    return settings.BUYING_GROUP_ENGAGEMENT


def engagement_explanation() -> str:
    """The two-line formula shown on the help tooltips, with the configured numbers."""
    cfg = engagement_config()
    weights = ", ".join(
        f"{name.replace('_', ' ')} {weight:g}"
        for name, weight in sorted(cfg["weights"].items(), key=lambda kv: -kv[1])
    )
    return (
        f"Each activity of the last {cfg['window_days']} days earns its type's points "
        f"({weights}), halved every {cfg['half_life_days']:g} days of age; bot events never "
        f"count.\nScore = 100 × (1 − e^(−points ÷ {cfg['person_scale']:g})) for a person and "
        f"(1 − e^(−points ÷ {cfg['group_scale']:g})) for a group."
    )


def score_from_points(points: float, scale: float) -> int:
    """The 0–100 score of a number of decayed points (the Python twin of the SQL)."""
    return int(math.floor(100 * (1 - math.exp(-max(points, 0.0) / scale)) + 0.5))


def points_of(activities: Iterable, *, now: datetime | None = None) -> float:
    """Decayed points of activity-like objects (type, occurred_at, is_bot)."""
    cfg = engagement_config()
    now = now or timezone.now()
    cutoff = now - timedelta(days=cfg["window_days"])
    total = 0.0
    for activity in activities:
        weight = cfg["weights"].get(activity.type, 0)
        if not weight or activity.is_bot or not (cutoff <= activity.occurred_at <= now):
            continue
        age_days = (now - activity.occurred_at).total_seconds() / 86400
        total += weight * 0.5 ** (age_days / cfg["half_life_days"])
    return total


# --- SQL -------------------------------------------------------------------------------------


def _dialect() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _time_param(value: datetime):
    if _dialect() == "postgresql":
        return value
    # Django stores naive UTC text in SQLite; compare in the same form.
    return timezone.make_naive(value, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _age_days_sql() -> str:
    if _dialect() == "postgresql":
        # date_part (double precision), not EXTRACT: since PostgreSQL 14 EXTRACT returns numeric
        # and EXP over numeric is a hundred times slower.
        return "(date_part('epoch', %(now)s::timestamptz - a.occurred_at) / 86400.0)"
    return "(julianday(%(now)s) - julianday(a.occurred_at))"


def _points_sql() -> tuple[str, dict]:
    """SUM(weight x decay) over ``a`` (accounts_activity), and its WHERE conditions."""
    cfg = engagement_config()
    weights = {k: float(v) for k, v in cfg["weights"].items() if v > 0}
    cases = " ".join(f"WHEN '{name}' THEN {weight!r}" for name, weight in weights.items())
    types = ", ".join(f"'{name}'" for name in weights)
    # Weights and types come from settings (identifiers checked below), never from users.
    assert all(name.replace("_", "").isalnum() for name in weights)
    decay = f"EXP(-{LN2!r} * {_age_days_sql()} / {float(cfg['half_life_days'])!r})"
    points = f"SUM((CASE a.type {cases} ELSE 0 END) * {decay})"
    where = (
        f"a.occurred_at >= %(cutoff)s AND a.occurred_at <= %(now)s "
        f"AND a.is_bot = %(false)s AND a.type IN ({types})"
    )
    return points, where


def _score_sql(points: str, scale: float) -> str:
    return (
        f"CAST(FLOOR(100 * (1 - EXP(-COALESCE({points}, 0) / {float(scale)!r})) + 0.5) AS INTEGER)"
    )


def _params(now: datetime) -> dict:
    """The query parameters every score statement shares (``scored_at`` is ``now``)."""
    cfg = engagement_config()
    return {
        "now": _time_param(now),
        "scored_at": _time_param(now),
        "cutoff": _time_param(now - timedelta(days=cfg["window_days"])),
        "false": False,
    }


def _id_filter(
    column: str, ids: list[int] | None, lo: int | None, hi: int | None, params: dict
) -> str:
    """``column`` restricted to ``ids``, to ``lo <= column < hi``, or (all three None) to all."""
    if ids is not None:
        names = []
        for index, pk in enumerate(ids):
            params[f"id{index}"] = int(pk)
            names.append(f"%(id{index})s")
        return f"{column} IN ({', '.join(names)})"
    if lo is None and hi is None:
        return "1 = 1"
    params["lo"], params["hi"] = int(lo), int(hi)
    return f"{column} >= %(lo)s AND {column} < %(hi)s"


def _execute(sql: str, params: dict, *, big: bool = False) -> int:
    with connection.cursor() as cursor:
        if _dialect() == "postgresql" and connection.in_atomic_block:
            # Set-based statements: JIT compilation costs more than it saves. A whole-table
            # statement hashes a million contacts: give it the memory not to spill to disk.
            cursor.execute("SET LOCAL jit = off")
            if big:
                cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(sql, params)
        return cursor.rowcount


def contacts_recompute(
    *,
    ids: list[int] | None = None,
    lo: int | None = None,
    hi: int | None = None,
    now: datetime | None = None,
    only_changed: bool = False,
    mirror: bool = True,
) -> int:
    """Recompute person engagement for contacts ``ids``, ``lo <= id < hi`` or (none given)
    all of them, into ``ContactScore``; returns the number of scores written.

    With ``only_changed`` a score equal to the stored one is not rewritten. With ``mirror``
    the contacts' ``accounts_contact.engagement_score`` copy is brought up to date as well
    (``contacts_mirror``); the full recompute mirrors as a separate phase.
    """
    if ids is not None and not ids:
        return 0
    now = now or timezone.now()
    cfg = engagement_config()
    points, where = _points_sql()
    params = _params(now)
    contact_filter = _id_filter("c.id", ids, lo, hi, params)
    activity_filter = _id_filter("a.contact_id", ids, lo, hi, params)
    changed = " AND (old.contact_id IS NULL OR old.score <> n.score)" if only_changed else ""
    # One pass: aggregate the window's activities per contact, score every contact of the
    # range (no activity scores 0) and upsert into the narrow table. Unchanged scores are
    # filtered out before the upsert (ON CONFLICT … WHERE would still lock, so dirty, every
    # row). The WHERE clause also keeps SQLite's INSERT … SELECT … ON CONFLICT unambiguous.
    sql = f"""
        INSERT INTO buying_groups_contactscore (contact_id, score, scored_at)
        SELECT n.id, n.score, %(scored_at)s
        FROM (
            SELECT c.id AS id, {_score_sql("pts.points", cfg["person_scale"])} AS score
            FROM accounts_contact c LEFT JOIN (
                SELECT a.contact_id AS contact_id, {points} AS points
                FROM accounts_activity a
                WHERE {activity_filter} AND {where}
                GROUP BY a.contact_id
            ) pts ON pts.contact_id = c.id
            WHERE {contact_filter}
        ) n LEFT JOIN buying_groups_contactscore old ON old.contact_id = n.id
        WHERE 1 = 1{changed}
        ON CONFLICT (contact_id) DO UPDATE
            SET score = excluded.score, scored_at = excluded.scored_at
    """
    written = _execute(sql, params, big=ids is None and lo is None)
    if mirror:
        contacts_mirror(ids=ids, lo=lo, hi=hi, always=not only_changed)
    return written


def contacts_mirror(
    *,
    ids: list[int] | None = None,
    lo: int | None = None,
    hi: int | None = None,
    always: bool = False,
) -> int:
    """Copy ``ContactScore`` into ``accounts_contact.engagement_score`` (read by the rest of
    the app); only rows that differ unless ``always``. Returns the rows written."""
    params: dict = {}
    score_filter = _id_filter("s.contact_id", ids, lo, hi, params)
    differs = (
        ""
        if always
        else (
            " AND (accounts_contact.engagement_score <> s.score"
            " OR accounts_contact.engagement_scored_at IS NULL)"
        )
    )
    sql = f"""
        UPDATE accounts_contact
        SET engagement_score = s.score, engagement_scored_at = s.scored_at
        FROM buying_groups_contactscore s
        WHERE accounts_contact.id = s.contact_id AND {score_filter}{differs}
    """
    return _execute(sql, params, big=ids is None and lo is None)


def groups_recompute(
    *,
    ids: list[int] | None = None,
    lo: int | None = None,
    hi: int | None = None,
    now: datetime | None = None,
    only_changed: bool = False,
) -> int:
    """Recompute engagement, completeness and member count of groups ``ids``,
    ``lo <= id < hi`` or (none given) all of them; rows updated.

    Completeness = weights of template roles with at least one member / weights of all
    its roles x 100, rounded half up (integer arithmetic, so both databases agree);
    a template without roles gives 0. With ``only_changed`` a group whose three figures
    are unchanged is not rewritten (nor its ``scores_computed_at``).
    """
    if ids is not None and not ids:
        return 0
    now = now or timezone.now()
    cfg = engagement_config()
    points, where = _points_sql()
    params = _params(now)
    group_filter = _id_filter("g.id", ids, lo, hi, params)
    member_filter = _id_filter("m.group_id", ids, lo, hi, params)
    completeness = (
        "CASE WHEN COALESCE(s.total, 0) > 0 "
        "THEN (200 * COALESCE(s.filled, 0) + s.total) / (2 * s.total) ELSE 0 END"
    )
    changed = (
        f""" AND (buying_groups_buyinggroup.engagement_score <> s.engagement
            OR buying_groups_buyinggroup.member_count <> s.members
            OR buying_groups_buyinggroup.completeness_score <> {completeness}
            OR buying_groups_buyinggroup.scores_computed_at IS NULL)"""
        if only_changed
        else ""
    )
    sql = f"""
        UPDATE buying_groups_buyinggroup SET
            engagement_score = s.engagement,
            member_count = s.members,
            completeness_score = {completeness},
            scores_computed_at = %(scored_at)s
        FROM (
            SELECT g.id AS id,
                {_score_sql("pts.points", cfg["group_scale"])} AS engagement,
                COALESCE(mc.members, 0) AS members,
                t.total AS total,
                fl.filled AS filled
            FROM buying_groups_buyinggroup g
            LEFT JOIN (
                SELECT r.template_id AS template_id, SUM(r.weight) AS total
                FROM buying_groups_templaterole r GROUP BY r.template_id
            ) t ON t.template_id = g.role_template_id
            LEFT JOIN (
                SELECT m.group_id AS group_id, COUNT(*) AS members
                FROM buying_groups_member m WHERE {member_filter}
                GROUP BY m.group_id
            ) mc ON mc.group_id = g.id
            LEFT JOIN (
                SELECT x.group_id AS group_id, r.template_id AS template_id,
                    SUM(r.weight) AS filled
                FROM (
                    SELECT DISTINCT m.group_id AS group_id, m.role_id AS role_id
                    FROM buying_groups_member m WHERE {member_filter}
                ) x
                JOIN buying_groups_templaterole r ON r.id = x.role_id
                GROUP BY x.group_id, r.template_id
            ) fl ON fl.group_id = g.id AND fl.template_id = g.role_template_id
            LEFT JOIN (
                SELECT m.group_id AS group_id, {points} AS points
                FROM buying_groups_member m
                JOIN accounts_activity a ON a.contact_id = m.contact_id
                WHERE {member_filter} AND {where}
                GROUP BY m.group_id
            ) pts ON pts.group_id = g.id
            WHERE {group_filter}
        ) s WHERE buying_groups_buyinggroup.id = s.id{changed}
    """
    return _execute(sql, params, big=ids is None and lo is None)


def completeness_of(*, role_weights: dict[int, int], filled_role_ids: set[int]) -> int:
    """Completeness in Python (used to explain the score): the same rounding as the SQL."""
    total = sum(role_weights.values())
    if total <= 0:
        return 0
    filled = sum(w for role_id, w in role_weights.items() if role_id in filled_role_ids)
    return (200 * filled + total) // (2 * total)


# --- Full recompute ---------------------------------------------------------------------------


def scores_recompute_all(*, now: datetime | None = None, mirror: bool = True) -> dict:
    """Recompute every contact's and group's scores: one set-based statement per phase.

    1. person scores into the narrow ``ContactScore`` table (one scan of the window's
       activities, one hash aggregate, an upsert that skips unchanged scores);
    2. group engagement, completeness and member count (unchanged groups not rewritten);
    3. (``mirror``) the changed person scores copied to ``accounts_contact``.
    Each phase is its own transaction, so a reader never waits on the whole run.
    Returns the rows written and each phase's seconds.
    """
    now = now or timezone.now()
    result: dict = {}
    started = time.monotonic()
    with transaction.atomic():
        result["contacts_changed"] = contacts_recompute(now=now, only_changed=True, mirror=False)
    result["contacts_seconds"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    with transaction.atomic():
        result["groups"] = groups_recompute(now=now, only_changed=True)
    result["groups_seconds"] = round(time.monotonic() - started, 2)
    if mirror:
        started = time.monotonic()
        with transaction.atomic():
            result["contacts_mirrored"] = contacts_mirror()
        result["mirror_seconds"] = round(time.monotonic() - started, 2)
    return result


# --- Incremental path: dirty marks, debounced flush -------------------------------------------


def scores_mark_dirty(*, contact_ids: Iterable[int] = (), group_ids: Iterable[int] = ()) -> None:
    """Queue contacts (and every group they belong to) and groups for a debounced refresh."""
    contact_ids = {int(pk) for pk in contact_ids if pk}
    group_ids = {int(pk) for pk in group_ids if pk}
    if contact_ids:
        ids = list(contact_ids)
        for start in range(0, len(ids), ID_BATCH):
            group_ids.update(
                Member.objects.filter(contact_id__in=ids[start : start + ID_BATCH]).values_list(
                    "group_id", flat=True
                )
            )
    rows = [DirtyScore(kind="contact", object_id=pk) for pk in contact_ids]
    rows += [DirtyScore(kind="group", object_id=pk) for pk in group_ids]
    if not rows:
        return
    DirtyScore.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    scores_schedule_flush()


def scores_schedule_flush() -> None:
    """Queue one flush for the next debounce window, unless one is already queued."""
    from buying_groups.tasks import scores_flush_task

    # The flush clears the key before it reads the queue, so a mark that lands after
    # that read finds no key and queues the next flush: nothing is ever left behind.
    # The marks are DirtyScore rows: a broker that is down only delays the flush to beat's
    # next catch-up, and the key is dropped so the next mark tries again.
    if cache.add(FLUSH_KEY, 1, timeout=10) and not enqueue(
        scores_flush_task, countdown=settings.BUYING_GROUP_DEBOUNCE_SECONDS
    ):
        cache.delete(FLUSH_KEY)


def engagement_jumps_announce(before: dict[int, int]) -> int:
    """``buying_group.engagement_jumped`` for each group whose engagement rose by at least
    ``BUYING_GROUP_JUMP_POINTS`` since ``before`` (id → score): the live feed tells the
    account's owner. Written in the flush's transaction; returns how many jumped."""
    jump = getattr(settings, "BUYING_GROUP_JUMP_POINTS", 15)
    if not before or jump <= 0:
        return 0
    rows = BuyingGroup.objects.filter(pk__in=list(before)).values_list(
        "pk", "name", "account_id", "engagement_score"
    )
    events = [
        HubEventInput(
            kind=HubEvent.Kind.BUYING_GROUP_ENGAGEMENT_JUMPED,
            subject_type="buying_group",
            subject_id=pk,
            account_id=account_id,
            payload={"buying_group": pk, "name": name, "from": before[pk], "to": score},
        )
        for pk, name, account_id, score in rows
        if (score or 0) - (before.get(pk) or 0) >= jump
    ]
    return hub_events_emit_bulk(events)


def scores_flush_dirty(*, limit: int = 5000) -> dict:
    """Recompute what is queued as dirty; re-queue a flush if more is waiting."""
    cache.delete(FLUSH_KEY)
    with transaction.atomic():
        rows = list(
            DirtyScore.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "kind", "object_id")[:limit]
        )
        if not rows:
            return {"contacts": 0, "groups": 0}
        DirtyScore.objects.filter(id__in=[r[0] for r in rows]).delete()
        contact_ids = sorted({r[2] for r in rows if r[1] == "contact"})
        group_ids = sorted({r[2] for r in rows if r[1] == "group"})
        now = timezone.now()
        for start in range(0, len(contact_ids), ID_BATCH):
            contacts_recompute(ids=contact_ids[start : start + ID_BATCH], now=now)
        before = dict(
            BuyingGroup.objects.filter(pk__in=group_ids).values_list("pk", "engagement_score")
        )
        for start in range(0, len(group_ids), ID_BATCH):
            groups_recompute(ids=group_ids[start : start + ID_BATCH], now=now)
        engagement_jumps_announce(before)
    if len(rows) == limit:
        scores_schedule_flush()
    return {"contacts": len(contact_ids), "groups": len(group_ids)}


def on_changes(*, kind: str, account_ids: set[int], contact_ids: set[int]) -> None:
    """After-commit listener (accounts.services.changes): mark what the change affects."""
    if kind == "activity":
        scores_mark_dirty(contact_ids=contact_ids)
    elif kind == "contact":
        # A deleted contact's memberships are gone: its account's groups need recounting.
        group_ids = set(
            BuyingGroup.objects.filter(account_id__in=account_ids).values_list("id", flat=True)
        )
        scores_mark_dirty(contact_ids=contact_ids, group_ids=group_ids)
