"""Cohort table: entities grouped by the period they met the inclusion condition, and the
share that met the return condition in each later period."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

from django.utils import timezone

from analytics.engine.sql import (
    ACC,
    ACT,
    BG,
    ENTITY_TABLES,
    TPL,
    Dialect,
    Sql,
    activity_join,
    event_source,
    fetch,
    range_bounds,
    universe,
)

OPERATORS = {"gte": ">=", "gt": ">", "eq": "=", "lte": "<=", "lt": "<"}
SEGMENT_COLUMNS = {
    "industry": "acc.industry",
    "country": "acc.country",
    "is_target": "CASE WHEN acc.is_target THEN 'yes' ELSE 'no' END",
}
NONE_LABEL = ""
OTHER_GROUP = "__other__"
MAX_GROUPS = 8


def period_index(key: str, granularity: str) -> int:
    if granularity == "month":
        year, month = key[:7].split("-")
        return int(year) * 12 + int(month) - 1
    return (dt.date.fromisoformat(key[:10]).toordinal() - 1) // 7


def period_label(index: int, granularity: str) -> str:
    if granularity == "month":
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    return dt.date.fromordinal(index * 7 + 1).isoformat()


def _instant_index(when: dt.datetime, granularity: str) -> int:
    when = when.astimezone(dt.UTC)
    if granularity == "month":
        return when.year * 12 + when.month - 1
    return (when.date().toordinal() - 1) // 7


def cohort_range(settings: dict) -> tuple[int, int]:
    """First and last cohort period: the date range, or the last ``periods`` periods."""
    granularity = settings["granularity"]
    start, end = range_bounds(settings.get("filters", {}))
    last = _instant_index((end - dt.timedelta(seconds=1)) if end else timezone.now(), granularity)
    first = _instant_index(start, granularity) if start else last - settings["periods"] + 1
    return first, last


def _period_start(index: int, granularity: str) -> dt.datetime:
    if granularity == "month":
        return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)
    return dt.datetime.combine(dt.date.fromordinal(index * 7 + 1), dt.time(), tzinfo=dt.UTC)


def statement(settings: dict, dialect: Dialect) -> Sql:
    container = settings["container"]
    granularity = settings["granularity"]
    filters = settings.get("filters", {})
    first, last = cohort_range(settings)
    start = _period_start(first, granularity)
    end = _period_start(last + 1, granularity)
    horizon = _period_start(last + settings["periods"], granularity)
    scope = universe(container, filters)
    inc, ret = settings["inclusion"], settings["return"]
    period = dialect.period("ev.t", granularity)

    sql = Sql(f"WITH incp AS (SELECT ev.e AS e, {period} AS p FROM (")
    sql.extend(event_source(inc["condition"], container, dialect, filters))
    sql.add(") ev WHERE ev.t >= %s AND ev.t < %s", dialect.dt(start), dialect.dt(end))
    if scope is not None:
        sql.add(" AND ev.e IN (").extend(scope).add(")")
    sql.add(
        f" GROUP BY ev.e, {period} HAVING COUNT(*) {OPERATORS[inc['operator']]} %s)", inc["value"]
    )
    sql.add(", inc AS (SELECT e, MIN(p) AS p FROM incp GROUP BY e)")
    sql.add(f", ret AS (SELECT ev.e AS e, {period} AS p FROM (")
    sql.extend(event_source(ret["condition"], container, dialect, filters))
    sql.add(
        ") ev WHERE ev.e IN (SELECT e FROM inc) AND ev.t >= %s AND ev.t < %s",
        dialect.dt(start),
        dialect.dt(horizon),
    )
    sql.add(
        f" GROUP BY ev.e, {period} HAVING COUNT(*) {OPERATORS[ret['operator']]} %s)", ret["value"]
    )
    sql.add(" SELECT 'i', e, p FROM inc UNION ALL SELECT 'r', e, p FROM ret")
    breakdown = settings.get("breakdown") or "none"
    if breakdown != "none":
        sql.add(" UNION ALL ").extend(_breakdown_sql(breakdown, container, dialect))
    return sql


def _breakdown_sql(breakdown: str, container: str, dialect: Dialect) -> Sql:
    table, account_col = ENTITY_TABLES[container]
    if breakdown in SEGMENT_COLUMNS:
        return Sql(
            f"SELECT 'g', x.id, CAST({SEGMENT_COLUMNS[breakdown]} AS TEXT) FROM {table} x "
            f"JOIN {ACC} acc ON acc.id = {account_col} WHERE x.id IN (SELECT e FROM inc)"
        )
    if breakdown == "role_template":
        return Sql(
            f"SELECT 'g', x.id, tpl.name FROM {BG} x LEFT JOIN {TPL} tpl "
            "ON tpl.id = x.role_template_id WHERE x.id IN (SELECT e FROM inc)"
        )
    # campaign source: the first campaign whose activity touched the entity
    if dialect.postgres and container == "account":
        return Sql(
            "SELECT 'g', inc.e, CAST(fc.campaign_id AS TEXT) FROM inc, LATERAL ("
            f"SELECT a.campaign_id FROM {ACT} a WHERE a.account_id = inc.e "
            "AND a.campaign_id IS NOT NULL ORDER BY a.occurred_at, a.id LIMIT 1) fc"
        )
    return Sql(
        "SELECT 'g', fc.e, CAST(fc.campaign_id AS TEXT) FROM (SELECT inc.e AS e, a.campaign_id, "
        "ROW_NUMBER() OVER (PARTITION BY inc.e ORDER BY a.occurred_at, a.id) AS rn FROM inc "
        f"{activity_join(container, 'inc.e')} WHERE a.campaign_id IS NOT NULL) fc "
        "WHERE fc.rn = 1"
    )


def _load(settings: dict):
    granularity = settings["granularity"]
    included: dict[int, int] = {}
    returns: dict[int, set[int]] = defaultdict(set)
    groups: dict[int, str] = {}
    for tag, entity, value in fetch(statement(settings, Dialect()), hash_joins=True):
        if tag == "i":
            included[entity] = period_index(value, granularity)
        elif tag == "r":
            returns[entity].add(period_index(value, granularity))
        else:
            groups[entity] = value if value is not None else NONE_LABEL
    if groups:
        # the largest groups keep their rows; the rest share one "Other" row per cohort
        sizes = Counter(groups.get(e, NONE_LABEL) for e in included)
        kept = {group for group, _ in sizes.most_common(MAX_GROUPS)}
        groups = {e: (g if g in kept else OTHER_GROUP) for e, g in groups.items()}
    return included, returns, groups


def _cells(settings, included, returns, groups):
    """(cohort index, group) -> {"members": [...], "cells": [set per period]}"""
    periods = settings["periods"]
    cumulative = settings.get("cumulative", False)
    breakdown = (settings.get("breakdown") or "none") != "none"
    rows: dict[tuple, dict] = {}
    first, last = cohort_range(settings)
    if not breakdown:
        for index in range(first, last + 1):
            rows[(index, None)] = {"members": [], "cells": [set() for _ in range(periods)]}
    for entity, index in included.items():
        key = (index, groups.get(entity, NONE_LABEL) if breakdown else None)
        row = rows.setdefault(key, {"members": [], "cells": [set() for _ in range(periods)]})
        row["members"].append(entity)
        back = sorted(p - index for p in returns.get(entity, ()) if p >= index)
        for offset in back:
            if offset >= periods:
                break
            if cumulative:
                for later in range(offset, periods):
                    row["cells"][later].add(entity)
            else:
                row["cells"][offset].add(entity)
        row.setdefault("first_return", []).append(back[0] if back else None)
    return rows


def compute(settings: dict, *, labels: dict | None = None) -> dict:
    granularity = settings["granularity"]
    included, returns, groups = _load(settings)
    rows = _cells(settings, included, returns, groups)
    now_index = _instant_index(timezone.now(), granularity)
    out_rows = []
    # groups largest first ("Other" last), each group's cohorts in time order
    weight = Counter()
    for (_, group), row in rows.items():
        weight[group] += len(row["members"])

    def order(item):
        (index, group), _ = item
        return (group == OTHER_GROUP, -weight[group], str(group or ""), index)

    for (index, group), row in sorted(rows.items(), key=order):
        size = len(row["members"])
        cells = []
        for offset, members in enumerate(row["cells"]):
            if index + offset > now_index:
                cells.append(None)  # the period has not happened yet
                continue
            cells.append(
                {"count": len(members), "share": round(len(members) / size, 4) if size else 0.0}
            )
        firsts = [x for x in row.get("first_return", []) if x is not None]
        out_rows.append(
            {
                "cohort": period_label(index, granularity),
                "group": group,
                "group_label": (labels or {}).get(group, group) if group is not None else None,
                "size": size,
                "returned": len(firsts),
                "median_periods": statistics.median(firsts) if firsts else None,
                "cells": cells,
            }
        )
    return {
        "granularity": granularity,
        "periods": settings["periods"],
        "cumulative": settings.get("cumulative", False),
        "entities": len(included),
        "rows": out_rows,
    }


def entities(settings: dict, target: dict) -> list[int]:
    """Drill-down: a cohort's members, or those that returned in one of its periods."""
    granularity = settings["granularity"]
    included, returns, groups = _load(settings)
    rows = _cells(settings, included, returns, groups)
    index = period_index(target["cohort"], granularity)
    group = target.get("group")
    breakdown = (settings.get("breakdown") or "none") != "none"
    row = rows.get((index, group if breakdown else None))
    if not row:
        return []
    if target.get("period") is None:
        return sorted(row["members"])
    period = target["period"]
    if period >= len(row["cells"]):
        return []
    return sorted(row["cells"][period])
