"""Pipeline progress from the opportunity stage history.

- **By stage over time**: at the end of each week or month, how many deals were in each
  open stage, and how many were won and lost during it. Counted from the history as
  running sums (+1 entering a stage, -1 leaving it), so one grouped pass over the period.
- **Stage-to-stage conversion**: of the deals created in the period, how many reached each
  stage or a later one (closed-won is the last; closed-lost reaches nothing), and the share
  that went on to the next stage; where the lost ones were lost from.
- **Median days in stage**: over the stays that ended in the period (a deal entered the
  stage and then left it), the median and 90th percentile number of days.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Case, Count, DateTimeField, Max, Value, When
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Opportunity, OpportunityStageChange
from analytics.firsts.refresh import STAYS, firsts_ready

from .common import InsightSettings, account_q, cached, has_segment, is_postgres, segment_sql

S = Opportunity.Stage
OPEN_STAGES = [S.PROSPECTING.value, S.QUALIFICATION.value, S.PROPOSAL.value, S.NEGOTIATION.value]
FUNNEL = [*OPEN_STAGES, S.CLOSED_WON.value]
RANK = {stage: i + 1 for i, stage in enumerate(FUNNEL)}
LABELS = dict(S.choices)


def _period_starts(s: InsightSettings) -> list[date]:
    """The first day of every week (Monday) or month that overlaps the period."""
    if s.granularity == "month":
        current = s.date_from.replace(day=1)
    else:
        current = s.date_from - timedelta(days=s.date_from.weekday())
    starts = []
    while current <= s.date_to:
        starts.append(current)
        if s.granularity == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7)
    return starts


def _changes(s: InsightSettings):
    qs = OpportunityStageChange.objects.all()
    q = account_q(s, "opportunity__account__")
    return qs.filter(q) if q else qs


def stages_over_time(s: InsightSettings) -> list[dict]:
    """Open deals per stage at the end of each period; won and lost during it."""
    starts = _period_starts(s)
    first = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    trunc = TruncMonth if s.granularity == "month" else TruncWeek
    rows = (
        _changes(s)
        .filter(changed_at__lt=s.end)
        .annotate(
            bucket=Case(
                When(changed_at__lt=first, then=Value(None, output_field=DateTimeField())),
                default=trunc("changed_at"),
                output_field=DateTimeField(),
            )
        )
        .values("bucket", "from_stage", "to_stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    before: dict[str, int] = defaultdict(int)
    per_bucket: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        target = before if row["bucket"] is None else per_bucket[_as_date(row["bucket"])]
        target[row["to_stage"]] += row["n"]
        if row["from_stage"]:
            target[row["from_stage"]] -= row["n"]
        if row["bucket"] is not None:
            target["entered:" + row["to_stage"]] += row["n"]
            if not row["from_stage"]:
                target["created"] += row["n"]
    running = dict(before)
    result = []
    for start in starts:
        delta = per_bucket.get(start, {})
        for stage in S.values:
            running[stage] = running.get(stage, 0) + delta.get(stage, 0)
        result.append(
            {
                "period": start.isoformat(),
                "open": {stage: max(0, running.get(stage, 0)) for stage in OPEN_STAGES},
                "won": delta.get("entered:" + S.CLOSED_WON, 0),
                "lost": delta.get("entered:" + S.CLOSED_LOST, 0),
                "created": delta.get("created", 0),
            }
        )
    return result


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def conversion(s: InsightSettings) -> dict:
    """Deals created in the period: how many reached each stage, and went on to the next."""
    rank_case = Case(
        *[When(to_stage=stage, then=Value(rank)) for stage, rank in RANK.items()],
        default=Value(0),
    )
    created = _changes(s).filter(from_stage="", changed_at__gte=s.start, changed_at__lt=s.end)
    per_deal = (
        OpportunityStageChange.objects.filter(opportunity_id__in=created.values("opportunity_id"))
        .values("opportunity_id")
        .annotate(reach=Max(rank_case))
        .order_by()
    )
    sql, params = per_deal.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reach, COUNT(*) FROM ({sql}) per_deal GROUP BY reach", params)
        by_reach = dict(cursor.fetchall())
    lost_from = dict(
        OpportunityStageChange.objects.filter(
            opportunity_id__in=created.values("opportunity_id"), to_stage=S.CLOSED_LOST
        )
        .values_list("from_stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    lost_direct = lost_from.pop("", 0)
    rows = []
    for stage in FUNNEL:
        reached = sum(n for reach, n in by_reach.items() if reach and reach >= RANK[stage])
        rows.append({"stage": stage, "label": str(LABELS[stage]), "reached": reached})
    for i, row in enumerate(rows):
        following = rows[i + 1]["reached"] if i + 1 < len(rows) else None
        row["to_next"] = following
        row["conversion"] = (
            round(following / row["reached"], 4)
            if following is not None and row["reached"]
            else None
        )
        row["lost_here"] = lost_from.get(row["stage"], 0)
    total = sum(by_reach.values())
    return {
        "created": total,
        "created_lost_at_once": lost_direct,
        "won": rows[-1]["reached"],
        "win_rate": round(rows[-1]["reached"] / total, 4) if total else None,
        "stages": rows,
    }


def days_in_stage(s: InsightSettings) -> list[dict]:
    """Median and p90 days of the stays in each stage that ended in the period."""
    where, params = segment_sql(s, "a")
    sc = OpportunityStageChange._meta.db_table
    opp = Opportunity._meta.db_table
    account = "accounts_account"
    if is_postgres():
        days = "EXTRACT(EPOCH FROM (left_at - changed_at)) / 86400.0"
    else:
        days = "(julianday(left_at) - julianday(changed_at))"
    # Every deal's stays in time order (the (opportunity, changed_at, id) index gives them
    # sorted, so LEAD needs no sort); the stays that ended in the period are kept. The deal
    # and account are joined only for a segment.
    join = (
        f"JOIN {opp} o ON o.id = sc.opportunity_id JOIN {account} a ON a.id = o.account_id"
        if has_segment(s)
        else ""
    )
    stays = f"""
        SELECT sc.to_stage, sc.changed_at,
               LEAD(sc.changed_at) OVER (PARTITION BY sc.opportunity_id
                                         ORDER BY sc.changed_at, sc.id) AS left_at
        FROM {sc} sc {join}
        WHERE sc.changed_at < %s AND {where}
    """
    args = [s.end, *params]
    ended = f"SELECT to_stage, {days} AS days FROM ({stays}) t WHERE left_at >= %s AND left_at < %s"
    args += [s.start, s.end]
    if firsts_ready():
        # the stays kept by the worker: one range scan on left_at, no window
        join = f"JOIN {account} a ON a.id = st.account_id" if has_segment(s) else ""
        if is_postgres():
            days = "EXTRACT(EPOCH FROM (st.left_at - st.entered_at)) / 86400.0"
        else:
            days = "(julianday(st.left_at) - julianday(st.entered_at))"
        ended = (
            f"SELECT st.stage AS to_stage, {days} AS days FROM {STAYS} st {join} "
            f"WHERE st.left_at >= %s AND st.left_at < %s AND {where}"
        )
        args = [s.start, s.end, *params]
    found: dict[str, dict] = {}
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                f"""SELECT to_stage, COUNT(*),
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY days),
                           percentile_cont(0.9) WITHIN GROUP (ORDER BY days)
                    FROM ({ended}) e GROUP BY to_stage""",
                args,
            )
            for stage, n, median, p90 in cursor.fetchall():
                found[stage] = {"stays": n, "median": float(median), "p90": float(p90)}
        else:
            cursor.execute(ended, args)
            values: dict[str, list[float]] = defaultdict(list)
            for stage, d in cursor.fetchall():
                values[stage].append(float(d))
            for stage, ds in values.items():
                found[stage] = {
                    "stays": len(ds),
                    "median": statistics.median(ds),
                    "p90": _percentile(ds, 0.9),
                }
    return [
        {
            "stage": stage,
            "label": str(LABELS[stage]),
            "stays": found.get(stage, {}).get("stays", 0),
            "median_days": _round(found.get(stage, {}).get("median")),
            "p90_days": _round(found.get(stage, {}).get("p90")),
        }
        for stage in OPEN_STAGES
    ]


def _round(value):
    return None if value is None else round(value, 1)


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def pipeline_run(s: InsightSettings, *, use_cache: bool = True) -> dict:
    """The whole pipeline analysis for these settings."""

    def compute() -> dict:
        return {
            "settings": s.as_dict(),
            "stages": [{"stage": st, "label": str(LABELS[st])} for st in OPEN_STAGES],
            "over_time": stages_over_time(s),
            "conversion": conversion(s),
            "days_in_stage": days_in_stage(s),
            "definitions": definitions(),
        }

    return cached("pipeline", s, compute) if use_cache else compute()


def definitions() -> dict:
    return {
        "over_time": _(
            "Open deals in each stage at the end of each period, counted from the stage "
            "history; won and lost are the deals that closed during the period."
        ),
        "conversion": _(
            "Of the deals created in the period: how many reached each stage or a later one "
            "(a deal that skips a stage still passed it), and the share that went on to the "
            "next stage. Closed-lost reaches nothing; 'lost here' counts the deals lost "
            "from that stage."
        ),
        "days_in_stage": _(
            "Over the stays that ended in the period (a deal entered the stage, then left "
            "it): the median and 90th percentile of the days spent."
        ),
    }
