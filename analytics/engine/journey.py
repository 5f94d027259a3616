"""Journey canvas: how many entities reach each node in order, and how fast."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from analytics.engine.sql import (
    DIMENSIONS,
    Dialect,
    Sql,
    activity_join,
    as_datetime,
    event_source,
    fetch,
    first_reached,
    range_bounds,
    universe,
)

TIMELINE_LIMIT = 200
# Key moments read every reached entity's own +-N day window; past this many entities
# they read an even sample (every k-th entity id) and say so.
KEY_MOMENTS_SAMPLE = 5000


def _percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _lineage(nodes: list[dict], index: int) -> list[int]:
    """The node and its ancestors, root first."""
    position = {node["id"]: i for i, node in enumerate(nodes)}
    chain = [index]
    while nodes[chain[-1]].get("parent") is not None:
        chain.append(position[nodes[chain[-1]]["parent"]])
    return list(reversed(chain))


def reached_sql(settings: dict, dialect: Dialect, *, only: int | None = None) -> Sql:
    """One statement: for each node, each entity and the time it first reached the node
    after reaching its parent node (roots: first time in the date range).

    ``only``: just that node (its ancestors are computed, not returned)."""
    container = settings["container"]
    filters = settings.get("filters", {})
    start, end = range_bounds(filters)
    scope = universe(container, filters)
    nodes = settings["nodes"]
    index = {node["id"]: i for i, node in enumerate(nodes)}
    wanted = _lineage(nodes, only) if only is not None else list(range(len(nodes)))
    sql = Sql("WITH ")
    for k, i in enumerate(wanted):
        node = nodes[i]
        source = event_source(node["condition"], container, dialect, filters)
        sql.add(", " if k else "").add(f"n{i} AS (")
        parent = node.get("parent")
        if parent is None:
            sql.extend(first_reached(source, start=start, end=end, dialect=dialect, scope=scope))
        else:
            p = index[parent]
            sql.add("SELECT ev.e AS e, MIN(ev.t) AS t FROM (").extend(source)
            sql.add(f") ev JOIN n{p} ON n{p}.e = ev.e AND ev.t >= n{p}.t")
            if end:
                sql.add(" WHERE ev.t < %s", dialect.dt(end))
            sql.add(" GROUP BY ev.e")
        sql.add(")")
    sql.add(" ")
    returned = [only] if only is not None else wanted
    when = "t" if only is not None else dialect.epoch("t")
    sql.add(" UNION ALL ".join(f"SELECT {i} AS node, e, {when} AS t FROM n{i}" for i in returned))
    return sql


def reached(settings: dict) -> dict[int, dict[int, float]]:
    """node index -> {entity id: first time reached, in seconds since 1970}."""
    rows = fetch(reached_sql(settings, Dialect()), hash_joins=True)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for node, entity, when in rows:
        out[node][entity] = when
    return out


def compute(settings: dict) -> dict:
    nodes = settings["nodes"]
    index = {node["id"]: i for i, node in enumerate(nodes)}
    times = reached(settings)
    roots_total = None
    results = []
    for i, node in enumerate(nodes):
        mine = times.get(i, {})
        count = len(mine)
        parent = node.get("parent")
        row = {
            "id": node["id"],
            "name": node["name"],
            "parent": parent,
            "entities": count,
            "from_parent": None,
            "from_start": None,
            "drop_off": None,
            "median_days": None,
            "p90_days": None,
        }
        # the start of the path this node is on
        root = i
        while nodes[root].get("parent") is not None:
            root = index[nodes[root]["parent"]]
        root_count = len(times.get(root, {}))
        if parent is not None:
            before = times.get(index[parent], {})
            row["from_parent"] = round(count / len(before), 4) if before else None
            row["drop_off"] = len(before) - count
            gaps = [(mine[e] - before[e]) / 86400 for e in mine if e in before]
            if gaps:
                row["median_days"] = round(statistics.median(gaps), 2)
                row["p90_days"] = round(_percentile(gaps, 0.9), 2)
            row["from_start"] = round(count / root_count, 4) if root_count else None
        if _single(settings):
            # one account or buying group: the date it reached the node
            row["date"] = (
                dt.datetime.fromtimestamp(round(min(mine.values()), 3), dt.UTC).isoformat()
                if mine
                else None
            )
        results.append(row)
        if parent is None:
            roots_total = (roots_total or 0) + count
    out = {
        "nodes": results,
        "edges": [
            {"source": node["parent"], "target": node["id"]}
            for node in nodes
            if node.get("parent") is not None
        ],
        "entities": roots_total or 0,
    }
    moments = settings.get("key_moments")
    if moments and moments.get("node") in index:
        out["key_moments"] = key_moments(settings, times.get(index[moments["node"]], {}))
    if _single(settings):
        out["timeline"] = timeline(settings)
    return out


def _single(settings: dict) -> bool:
    filters = settings.get("filters", {})
    return bool(filters.get("account") or filters.get("buying_group"))


def key_moments(settings: dict, reached_at: dict[int, float]) -> dict:
    """The most common events in the N days before and after entities reached a node:
    one statement over the reached entities' activities in their own +-N day window.

    The reached entities and times come from the journey pass just made (a VALUES
    list), so the path to the node is not walked twice; past KEY_MOMENTS_SAMPLE
    entities an even sample (every k-th entity id) is read, and the result says so.
    """
    moments = settings["key_moments"]
    days = moments.get("days", 30)
    dim = DIMENSIONS[moments.get("dimension", "type")]
    has_value = f"{dim} IS NOT NULL" + (
        "" if moments.get("dimension") == "campaign" else f" AND {dim} <> ''"
    )
    container = settings["container"]
    dialect = Dialect()
    step = -(-len(reached_at) // KEY_MOMENTS_SAMPLE) if reached_at else 1
    sample = sorted((e, t) for e, t in reached_at.items() if e % step == 0)
    out = {
        "node": moments["node"],
        "days": days,
        "entities": len(reached_at),
        "sampled": len(sample) if step > 1 else None,
        "before": [],
        "after": [],
    }
    if not sample:
        return out
    if dialect.postgres:
        # two array parameters instead of a VALUES list of 10,000 (parsed and planned
        # row by row); the epochs are the ones the journey pass returned
        sql = Sql(
            "WITH r(e, t) AS (SELECT u.e, to_timestamp(u.t) FROM "
            "unnest(CAST(%s AS bigint[]), CAST(%s AS double precision[])) AS u(e, t)",
            [[e for e, _ in sample], [t for _, t in sample]],
        )
    else:
        sql = Sql("WITH r(e, t) AS (VALUES " + ", ".join(["(%s, %s)"] * len(sample)))
        for entity, when in sample:
            sql.params.extend([entity, dialect.dt(dt.datetime.fromtimestamp(when, dt.UTC))])
    sql.add(") SELECT k.side, k.item, COUNT(*) FROM (SELECT DISTINCT r.e AS e, ")
    sql.add(f"CASE WHEN a.occurred_at < r.t THEN 'before' ELSE 'after' END AS side, {dim} AS item")
    sql.add(f" FROM r {activity_join(container, 'r.e')} WHERE {has_value} AND a.is_bot = %s", False)
    sql.add(f" AND a.occurred_at >= {dialect.shift('r.t')}", dialect.shift_param(-days))
    sql.add(f" AND a.occurred_at <= {dialect.shift('r.t')}", dialect.shift_param(days))
    sql.add(" AND a.occurred_at <> r.t) k GROUP BY k.side, k.item")
    total = len(sample)
    for side, item, n in sorted(fetch(sql), key=lambda row: (-row[2], str(row[1]))):
        if len(out[side]) < 8:
            out[side].append({"item": item, "entities": n, "share": round(n / total, 4)})
    return out


def timeline(settings: dict) -> list[dict]:
    """A single account's or buying group's own activities, newest first."""
    filters = settings.get("filters", {})
    container = settings["container"]
    start, end = range_bounds(filters)
    dialect = Dialect()
    scope = universe(container, filters)
    sql = Sql(
        "SELECT a.id, a.occurred_at, a.type, a.subject, a.content_type, a.channel, "
        f"a.campaign_id, a.contact_id FROM ({scope.text}) u {activity_join(container, 'u.id')}"
        " WHERE a.is_bot = %s",
        [*scope.params, False],
    )
    if start:
        sql.add(" AND a.occurred_at >= %s", dialect.dt(start))
    if end:
        sql.add(" AND a.occurred_at < %s", dialect.dt(end))
    sql.add(f" ORDER BY a.occurred_at DESC, a.id DESC LIMIT {TIMELINE_LIMIT}")
    return [
        {
            "id": row[0],
            "occurred_at": as_datetime(row[1]).isoformat(),
            "type": row[2],
            "subject": row[3],
            "content_type": row[4],
            "channel": row[5],
            "campaign": row[6],
            "contact": row[7],
        }
        for row in fetch(sql)
    ]


def entities(settings: dict, target: dict) -> list[int]:
    """Drill-down: who reached a node, or who dropped off after reaching its parent."""
    nodes = settings["nodes"]
    index = {node["id"]: i for i, node in enumerate(nodes)}
    times = reached(settings)
    i = index[target["node"]]
    mine = times.get(i, {})
    if target.get("state") == "dropped":
        parent = nodes[i].get("parent")
        before = times.get(index[parent], {}) if parent is not None else {}
        return sorted(set(before) - set(mine))
    return sorted(mine)
