"""Flow: the touchpoint sequences entities went through before (or after) an anchor event.

Each entity is anchored at its first anchor event in the date range; the columns are its
nearest earlier (end with) or later (start with) activities with a value in the path
dimension, one activity per column, repeats kept, so loops and skipped stages show.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from analytics.engine.sql import (
    ACT,
    DIMENSIONS,
    Dialect,
    Sql,
    activity_join,
    event_source,
    fetch,
    first_reached,
    range_bounds,
    universe,
)

ANCHOR = "__anchor__"
OTHER = "__other__"


def statement(settings: dict, dialect: Dialect) -> Sql:
    container = settings["container"]
    filters = settings.get("filters", {})
    start, end = range_bounds(filters)
    scope = universe(container, filters)
    anchor = settings["anchor"]
    before = anchor["direction"] == "end"
    depth = settings["columns"] - 1
    dim = DIMENSIONS[settings["dimension"]]
    has_value = f"{dim} IS NOT NULL" + (
        "" if settings["dimension"] == "campaign" else f" AND {dim} <> ''"
    )
    sql = Sql("WITH anc AS (")
    sql.extend(
        first_reached(
            event_source(anchor["condition"], container, dialect),
            start=start,
            end=end,
            dialect=dialect,
            scope=scope,
        )
    )
    sql.add(") ")
    order = "DESC" if before else "ASC"
    time_test = "a.occurred_at < anc.t" if before else "a.occurred_at > anc.t"
    bound = Sql()
    if before and start:
        bound.add(" AND a.occurred_at >= %s", dialect.dt(start))
    if not before and end:
        bound.add(" AND a.occurred_at < %s", dialect.dt(end))
    if dialect.postgres and container == "account":
        # One index-only backward scan per anchored account (analytics_activity_account_path).
        sql.add(
            f"SELECT anc.e, st.rn, st.item FROM anc, LATERAL (SELECT x.item, ROW_NUMBER() OVER "
            f"(ORDER BY x.at {order}, x.id {order}) AS rn FROM (SELECT {dim} AS item, "
            f"a.occurred_at AS at, a.id AS id FROM {ACT} a WHERE a.account_id = anc.e "
            f"AND {time_test} AND {has_value} AND a.is_bot = %s",
            False,
        )
        sql.extend(bound)
        sql.add(f" ORDER BY a.occurred_at {order}, a.id {order} LIMIT %s) x) st", depth)
    else:
        sql.add(
            f"SELECT s.e, s.rn, s.item FROM (SELECT anc.e AS e, {dim} AS item, ROW_NUMBER() "
            f"OVER (PARTITION BY anc.e ORDER BY a.occurred_at {order}, a.id {order}) AS rn "
            f"FROM anc {activity_join(container, 'anc.e')} WHERE {time_test} AND {has_value} "
            "AND a.is_bot = %s",
            False,
        )
        sql.extend(bound)
        sql.add(") s WHERE s.rn <= %s", depth)
    # anchored entities with no step at all still count
    sql.add(" UNION ALL SELECT anc.e, 0, NULL FROM anc")
    return sql


def paths(settings: dict) -> dict[int, list]:
    """entity -> its column items, left to right (the anchor is ``ANCHOR``)."""
    steps: dict[int, dict[int, object]] = defaultdict(dict)
    for entity, rn, item in fetch(statement(settings, Dialect())):
        if rn:
            steps[entity][rn] = item
        else:
            steps.setdefault(entity, {})
    before = settings["anchor"]["direction"] == "end"
    out = {}
    for entity, by_rank in steps.items():
        ranked = [by_rank[r] for r in sorted(by_rank)]
        out[entity] = [*reversed(ranked), ANCHOR] if before else [ANCHOR, *ranked]
    return out


def _columns(settings: dict, entity_paths: dict[int, list]) -> dict[int, list]:
    """entity -> list of (column, label) with the top items kept and the rest folded."""
    columns = settings["columns"]
    before = settings["anchor"]["direction"] == "end"
    placed: dict[int, list[tuple[int, object]]] = {}
    for entity, path in entity_paths.items():
        offset = columns - len(path) if before else 0
        placed[entity] = [(offset + i, item) for i, item in enumerate(path)]
    counts: dict[int, Counter] = defaultdict(Counter)
    for cells in placed.values():
        for column, item in cells:
            counts[column][item] += 1
    keep = {
        column: {item for item, _ in counter.most_common(settings["top"])} | {ANCHOR}
        for column, counter in counts.items()
    }
    return {
        entity: [(c, item if item in keep[c] else OTHER) for c, item in cells]
        for entity, cells in placed.items()
    }


def _node_id(column: int, item) -> str:
    return f"{column}|{item}"


def compute(settings: dict) -> dict:
    folded = _columns(settings, paths(settings))
    total = len(folded)
    node_counts: Counter = Counter()
    link_counts: Counter = Counter()
    path_counts: Counter = Counter()
    for cells in folded.values():
        for column, item in cells:
            node_counts[(column, item)] += 1
        for (c1, i1), (c2, i2) in zip(cells, cells[1:], strict=False):
            link_counts[(_node_id(c1, i1), _node_id(c2, i2))] += 1
        path_counts[tuple(item for _, item in cells)] += 1

    def share(n: int) -> float:
        return round(n / total, 4) if total else 0.0

    return {
        "columns": settings["columns"],
        "direction": settings["anchor"]["direction"],
        "entities": total,
        "nodes": [
            {
                "id": _node_id(column, item),
                "column": column,
                "item": item,
                "entities": n,
                "share": share(n),
            }
            for (column, item), n in sorted(node_counts.items(), key=lambda kv: (kv[0][0], -kv[1]))
        ],
        "links": [
            {"source": s, "target": t, "entities": n, "share": share(n)}
            for (s, t), n in sorted(link_counts.items(), key=lambda kv: -kv[1])
        ],
        "paths": [
            {"items": list(items), "entities": n, "share": share(n)}
            for items, n in path_counts.most_common(20)
        ],
    }


def entities(settings: dict, target: dict) -> list[int]:
    """Drill-down: the entities on a node (column, item) or on a band between two nodes."""
    folded = _columns(settings, paths(settings))
    if target.get("source") and target.get("target"):
        wanted = (target["source"], target["target"])
        return sorted(
            e
            for e, cells in folded.items()
            if any(
                (_node_id(*a), _node_id(*b)) == wanted
                for a, b in zip(cells, cells[1:], strict=False)
            )
        )
    node = target.get("node")
    return sorted(e for e, cells in folded.items() if any(_node_id(*c) == node for c in cells))


def label_items(result: dict, labels: dict) -> dict:
    for node in result["nodes"]:
        node["label"] = labels.get(node["item"], str(node["item"]))
    for path in result["paths"]:
        path["labels"] = [labels.get(item, str(item)) for item in path["items"]]
    return result


__all__ = ["compute", "entities", "label_items", "range_bounds", "ANCHOR", "OTHER"]
