"""Lead scores: one set of SQL statements for the incremental path (a list of lead ids)
and the scheduled full recompute (every lead), on PostgreSQL and SQLite.

The formula (README "Lead scoring"):

- Which model: the active model for the lead's product, else the active all-leads model.
  A lead without a contact, or with no model, is not scored (its ``LeadScore`` row is
  removed; the lead page says why).
- An interaction rule matches the primary contact's human activities (``is_bot`` never
  counts) that are not in the future, fit every criterion given (type, campaign, content
  type, subject contains, URL contains — case-insensitive) and are no older than the rule's
  window (if any) and, with "expire after N days", N days.
  * "each": points × Σ decay(activity), decay = 0.5^(age_days ÷ N) with a half-life of N
    days, else 1;
  * "at least N": points × decay(newest matching activity) once there are ≥ N matches.
  The rule's points are capped at ± its maximum (if any) and rounded to 2 decimals.
- A field rule gives its points when the contact's title contains any of its words, or
  the account's industry / country is any of its values, or its employee count is
  within [min, max].
- Score = max(0, round(Σ rule points)); sales-ready when score ≥ the model's threshold.

Each computation stores per lead the rules that gave points (``breakdown``: rule id,
points and match count; the contributing interactions are the rule's matches at
``computed_at``, listed by ``rule_activities`` for the page and the API), mirrors the score into
``accounts_lead.score``, writes ``LeadScoreDay`` for today when the score changed, and
flags ``mql_pending`` when the score crossed the threshold from below on a lead that is
new or nurturing (``accounts.scoring.services.lead_scores_qualify`` does the rest).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone

from accounts.models import ScoringRule

LN2 = math.log(2)
TOP_ACTIVITIES = 10
QUALIFIABLE_STATUSES = ("new", "nurturing")
TMP = "tmp_lead_scores"
SCOPE = "tmp_lead_score_scope"
HITS = "tmp_lead_score_hits"


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _time(value: datetime):
    if _pg():
        return value
    # Django stores naive UTC text in SQLite (str(): no fraction when it is 0); compare
    # in exactly the same form, so text order is time order.
    return str(timezone.make_naive(value, UTC))


def _age(column: str) -> str:
    """Age in days (float) of ``column`` at %(now)s."""
    if _pg():
        return f"(date_part('epoch', %(now)s::timestamptz - {column}) / 86400.0)"
    return f"(julianday(%(now)s) - julianday({column}))"


def _contains(haystack: str, needle: str) -> str:
    if _pg():
        return f"strpos(lower({haystack}), lower({needle})) > 0"
    return f"instr(lower({haystack}), lower({needle})) > 0"


def _round2(expr: str) -> str:
    return f"(FLOOR(({expr}) * 100 + 0.5) / 100.0)"


def _in_list(column: str, ids: list[int], params: dict, prefix: str) -> str:
    names = []
    for index, pk in enumerate(ids):
        params[f"{prefix}{index}"] = int(pk)
        names.append(f"%({prefix}{index})s")
    return f"{column} IN ({', '.join(names)})" if names else "1 = 0"


def _field_rules_sql(params: dict) -> str:
    """A CASE over the active field rules' ids: 1 when the rule matches the lead's contact
    ``c`` and account ``ac``. User values are parameters, never SQL."""
    rules = ScoringRule.objects.filter(kind=ScoringRule.Kind.FIELD, model__is_active=True).order_by(
        "id"
    )
    branches = []
    for rule in rules:
        values = [v.strip() for v in (rule.values or "").split(",") if v.strip()]
        key = f"f{rule.pk}_"
        if rule.field == ScoringRule.Field.CONTACT_TITLE and values:
            tests = []
            for index, value in enumerate(values):
                params[f"{key}{index}"] = value
                tests.append(_contains("c.title", f"%({key}{index})s"))
            test = " OR ".join(tests)
        elif rule.field in (ScoringRule.Field.ACCOUNT_INDUSTRY, ScoringRule.Field.ACCOUNT_COUNTRY):
            column = (
                "ac.industry"
                if rule.field == ScoringRule.Field.ACCOUNT_INDUSTRY
                else ("ac.country")
            )
            names = []
            for index, value in enumerate(values):
                params[f"{key}{index}"] = value.lower()
                names.append(f"%({key}{index})s")
            test = f"lower({column}) IN ({', '.join(names)})" if names else "1 = 0"
        elif rule.field == ScoringRule.Field.ACCOUNT_SIZE:
            parts = ["ac.employee_count IS NOT NULL"]
            if rule.min_value is not None:
                params[f"{key}min"] = int(rule.min_value)
                parts.append(f"ac.employee_count >= %({key}min)s")
            if rule.max_value is not None:
                params[f"{key}max"] = int(rule.max_value)
                parts.append(f"ac.employee_count <= %({key}max)s")
            test = " AND ".join(parts)
        else:
            continue
        branches.append(f"WHEN {int(rule.pk)} THEN (CASE WHEN {test} THEN 1 ELSE 0 END)")
    if not branches:
        return "0"
    return f"(CASE r.id {' '.join(branches)} ELSE 0 END)"


def _activity_branches(params: dict, now: datetime, contact_filter: str) -> list[str]:
    """One SELECT per active interaction rule, its criteria inlined as parameters: each is
    a plain filtered scan, so PostgreSQL never evaluates every rule on every activity."""
    rules = ScoringRule.objects.filter(
        kind=ScoringRule.Kind.ACTIVITY, model__is_active=True
    ).order_by("id")
    false = "FALSE" if _pg() else "0"
    age = _age("a.occurred_at")
    branches = []
    for rule in rules:
        key = f"r{rule.pk}_"
        where = [f"a.is_bot = {false}", "a.occurred_at <= %(now)s", contact_filter]
        if rule.activity_type:
            params[f"{key}type"] = rule.activity_type
            where.append(f"a.type = %({key}type)s")
        if rule.campaign_id:
            params[f"{key}campaign"] = int(rule.campaign_id)
            where.append(f"a.campaign_id = %({key}campaign)s")
        if rule.content_type:
            params[f"{key}ctype"] = rule.content_type.lower()
            where.append(f"lower(a.content_type) = %({key}ctype)s")
        if rule.subject_contains:
            params[f"{key}subject"] = rule.subject_contains
            where.append(_contains("a.subject", f"%({key}subject)s"))
        if rule.url_contains:
            params[f"{key}url"] = rule.url_contains
            where.append(_contains("a.url", f"%({key}url)s"))
        since = rule_since(rule, now)
        if since is not None:
            params[f"{key}since"] = _time(since)
            where.append(f"a.occurred_at >= %({key}since)s")
        if rule.decay == ScoringRule.Decay.HALF_LIFE and rule.decay_days:
            weight = f"EXP(-{LN2!r} * {age} / {float(rule.decay_days)!r})"
        else:
            weight = "1.0"
        # Aggregated per contact inside the branch: one small hash per rule instead of one
        # big (contact, rule) hash over every matching activity.
        branches.append(
            f"SELECT a.contact_id AS contact_id, {int(rule.pk)} AS rule_id, COUNT(*) AS cnt, "
            f"SUM({weight}) AS weight, MAX(a.occurred_at) AS newest "
            f"FROM accounts_activity a WHERE {' AND '.join(where)} GROUP BY a.contact_id"
        )
    return branches


def rule_since(rule: ScoringRule, now: datetime) -> datetime | None:
    """The oldest moment an interaction still counts for ``rule`` (window and expiry)."""
    from datetime import timedelta

    limits = []
    if rule.window_days:
        limits.append(now - timedelta(days=rule.window_days))
    if rule.decay == ScoringRule.Decay.EXPIRE and rule.decay_days:
        limits.append(now - timedelta(days=rule.decay_days))
    return max(limits) if limits else None


def _build_sql(*, lead_filter: str, contact_filter: str, params: dict, now: datetime) -> list[str]:
    """The statements that fill the temporary tables: the leads in scope with their model,
    the interaction rules' hits per contact, then the new scores."""
    true = "TRUE" if _pg() else "1"
    branches = _activity_branches(params, now, contact_filter)
    field_match = _field_rules_sql(params)
    newest_age = _age("h.newest")
    decay_newest = (
        "(CASE WHEN r.decay = 'half_life' AND r.decay_days > 0 "
        f"THEN EXP(-{LN2!r} * {newest_age} / r.decay_days) ELSE 1.0 END)"
    )
    raw = f"""(CASE WHEN r.count_mode = 'at_least'
            THEN (CASE WHEN h.cnt >= r.min_count THEN r.points * {decay_newest} ELSE 0 END)
            ELSE r.points * h.weight END)"""
    capped = f"""CASE
        WHEN r.max_points IS NOT NULL AND {raw} > r.max_points THEN r.max_points
        WHEN r.max_points IS NOT NULL AND {raw} < -r.max_points THEN -r.max_points
        ELSE {raw} END"""
    item = (
        "'{\"rule\": ' || p.rule_id || ', \"points\": ' || p.points "
        "|| ', \"count\": ' || p.cnt || '}'"
    )
    if _pg():
        breakdown = f"('[' || string_agg({item}, ', ' ORDER BY p.rule_id) || ']')::jsonb"
        empty = "'[]'::jsonb"
    else:
        breakdown = f"'[' || group_concat({item}, ', ') || ']'"
        empty = "'[]'"
    activity_points = (
        f"""
        activity_points AS (
            SELECT s.lead_id AS lead_id, r.id AS rule_id, h.cnt AS cnt,
                {_round2(capped)} AS points
            FROM {HITS} h
            JOIN {SCOPE} s ON s.contact_id = h.contact_id
            JOIN accounts_scoringrule r ON r.id = h.rule_id AND r.model_id = s.model_id
        ),"""
        if branches
        else """
        activity_points AS (
            SELECT 0 AS lead_id, 0 AS rule_id, 0 AS cnt, 0.0 AS points WHERE 1 = 0
        ),"""
    )
    scope = f"""
        CREATE TEMP TABLE {SCOPE} AS
        SELECT l.id AS lead_id, l.contact_id AS contact_id, l.status AS status,
            COALESCE(mp.id, ma.id) AS model_id
        FROM accounts_lead l
        LEFT JOIN accounts_scoringmodel mp
            ON mp.is_active = {true} AND mp.product_id = l.product_id
        LEFT JOIN accounts_scoringmodel ma
            ON ma.is_active = {true} AND ma.product_id IS NULL
        WHERE l.contact_id IS NOT NULL AND {lead_filter}
            AND COALESCE(mp.id, ma.id) IS NOT NULL
    """
    hits = f"CREATE TEMP TABLE {HITS} AS {' UNION ALL '.join(branches)}" if branches else None
    final = f"""
        CREATE TEMP TABLE {TMP} AS
        WITH{activity_points}
        field_points AS (
            SELECT s.lead_id AS lead_id, r.id AS rule_id, 0 AS cnt, r.points * 1.0 AS points
            FROM {SCOPE} s
            JOIN accounts_scoringrule r ON r.model_id = s.model_id AND r.kind = 'field'
            JOIN accounts_contact c ON c.id = s.contact_id
            LEFT JOIN accounts_account ac ON ac.id = c.account_id
            WHERE {field_match} = 1
        ),
        totals AS (
            SELECT p.lead_id AS lead_id, SUM(p.points) AS total, {breakdown} AS breakdown
            FROM (
                SELECT * FROM activity_points WHERE points <> 0
                UNION ALL SELECT * FROM field_points
                ORDER BY 1, 2
            ) p
            GROUP BY p.lead_id
        )
        SELECT s.lead_id AS lead_id, s.model_id AS model_id, s.status AS status,
            CAST(CASE WHEN COALESCE(t.total, 0) < 0 THEN 0
                ELSE FLOOR(COALESCE(t.total, 0) + 0.5) END AS INTEGER) AS score,
            COALESCE(t.breakdown, {empty}) AS breakdown,
            m.threshold AS threshold
        FROM {SCOPE} s
        JOIN accounts_scoringmodel m ON m.id = s.model_id
        LEFT JOIN totals t ON t.lead_id = s.lead_id
    """
    return [sql for sql in (scope, hits, final) if sql]


def _execute(cursor, sql: str, params: dict | None = None) -> int:
    cursor.execute(sql, params or {})
    return cursor.rowcount


def lead_scores_compute(
    *, lead_ids: Iterable[int] | None = None, now: datetime | None = None
) -> dict:
    """Recompute the scores of ``lead_ids`` (None: every lead). Call inside a transaction.

    Returns counts: ``scored`` (leads with a model and a contact), ``written`` (score
    rows inserted or changed), ``removed`` (rows of leads no longer scored),
    ``crossed`` (leads flagged for qualification).
    """
    now = now or timezone.now()
    params: dict = {"now": _time(now), "computed_at": _time(now), "day": now.date()}
    if lead_ids is None:
        lead_filter, contact_filter, scope_filter = "1 = 1", "1 = 1", "1 = 1"
        big = True
    else:
        ids = sorted({int(pk) for pk in lead_ids})
        if not ids:
            return {"scored": 0, "written": 0, "removed": 0, "crossed": 0}
        from accounts.models import Lead

        contact_ids = sorted(
            {c for c in Lead.objects.filter(id__in=ids).values_list("contact_id", flat=True) if c}
        )
        lead_filter = _in_list("l.id", ids, params, "lid")
        contact_filter = _in_list("a.contact_id", contact_ids, params, "cid")
        scope_filter = _in_list("lead_id", ids, params, "sid")
        big = False
    true = "TRUE" if _pg() else "1"
    false = "FALSE" if _pg() else "0"
    result: dict = {}
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute("SET LOCAL jit = off")
            if big:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        for table in (TMP, SCOPE, HITS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        statements = _build_sql(
            lead_filter=lead_filter, contact_filter=contact_filter, params=params, now=now
        )
        for sql in statements:
            cursor.execute(sql, params)
            if big and _pg():
                # Statistics on each step, so the next one is planned with hash joins
                # sized for a million rows (not the planner's default guesses).
                table = sql.split("CREATE TEMP TABLE ", 1)[1].split(None, 1)[0]
                cursor.execute(f"ANALYZE {table}")
        if big and _pg():
            cursor.execute(f"CREATE UNIQUE INDEX ON {TMP} (lead_id)")
        cursor.execute(f"SELECT COUNT(*) FROM {TMP}")
        result["scored"] = cursor.fetchone()[0]
        # The day's history: only scores that changed (or are new) write a row.
        _execute(
            cursor,
            f"""
            INSERT INTO accounts_leadscoreday (lead_id, day, score)
            SELECT n.lead_id, %(day)s, n.score FROM {TMP} n
            LEFT JOIN accounts_leadscore o ON o.lead_id = n.lead_id
            WHERE o.lead_id IS NULL OR o.score <> n.score
            ON CONFLICT (lead_id, day) DO UPDATE SET score = excluded.score
            """,
            params,
        )
        # Crossing the threshold from below (or a first score already above it) on a lead
        # not yet past MQL flags it; a flag already set stays until qualification runs.
        result["crossed"] = _execute(
            cursor,
            f"""
            SELECT COUNT(*) FROM {TMP} n LEFT JOIN accounts_leadscore o ON o.lead_id = n.lead_id
            WHERE n.score >= n.threshold AND COALESCE(o.above_threshold, {false}) = {false}
                AND n.status IN ('new', 'nurturing')
            """,
        )
        result["crossed"] = cursor.fetchone()[0]
        changed = (
            "o.lead_id IS NULL OR o.score <> n.score OR o.model_id IS NULL "
            "OR o.model_id <> n.model_id OR o.breakdown <> n.breakdown "
            "OR o.above_threshold <> (n.score >= n.threshold)"
        )
        result["written"] = _execute(
            cursor,
            f"""
            INSERT INTO accounts_leadscore (lead_id, model_id, score, breakdown,
                above_threshold, mql_pending, computed_at, qualified_at)
            SELECT n.lead_id, n.model_id, n.score, n.breakdown,
                (n.score >= n.threshold),
                CASE WHEN n.score >= n.threshold
                        AND COALESCE(o.above_threshold, {false}) = {false}
                        AND n.status IN ('new', 'nurturing') THEN {true}
                    ELSE COALESCE(o.mql_pending, {false}) END,
                %(computed_at)s, o.qualified_at
            FROM {TMP} n LEFT JOIN accounts_leadscore o ON o.lead_id = n.lead_id
            WHERE {changed}
            ON CONFLICT (lead_id) DO UPDATE SET
                model_id = excluded.model_id, score = excluded.score,
                breakdown = excluded.breakdown, above_threshold = excluded.above_threshold,
                mql_pending = excluded.mql_pending, computed_at = excluded.computed_at
            """,
            params,
        )
        result["removed"] = _execute(
            cursor,
            f"""
            DELETE FROM accounts_leadscore
            WHERE {scope_filter}
                AND NOT EXISTS (SELECT 1 FROM {TMP} n WHERE n.lead_id = accounts_leadscore.lead_id)
            """,
            params,
        )
        _execute(
            cursor,
            f"""
            UPDATE accounts_lead SET score = n.score
            FROM {TMP} n WHERE accounts_lead.id = n.lead_id AND accounts_lead.score <> n.score
            """,
        )
        for table in (TMP, SCOPE, HITS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def rule_activities(
    rule: ScoringRule, *, contact_id: int, at: datetime, limit: int = TOP_ACTIVITIES
):
    """The interactions that gave ``rule`` its points for a contact when scored at ``at``
    (the same criteria as the SQL), newest first."""
    from accounts.models import Activity

    qs = Activity.objects.filter(contact_id=contact_id, is_bot=False, occurred_at__lte=at)
    if rule.activity_type:
        qs = qs.filter(type=rule.activity_type)
    if rule.campaign_id:
        qs = qs.filter(campaign_id=rule.campaign_id)
    if rule.content_type:
        qs = qs.filter(content_type__iexact=rule.content_type)
    if rule.subject_contains:
        qs = qs.filter(subject__icontains=rule.subject_contains)
    if rule.url_contains:
        qs = qs.filter(url__icontains=rule.url_contains)
    since = rule_since(rule, at)
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    return list(qs.order_by("-occurred_at", "-id")[:limit])
