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


def statement(settings: dict, dialect: Dialect, among: Sql | None = None) -> Sql:
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
            event_source(anchor["condition"], container, dialect, filters),
            start=start,
            end=end,
            dialect=dialect,
            scope=scope,
            among=among,
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
        # One row per anchored account: its steps, nearest first, as an array read by one
        # index-only backward scan (analytics_activity_account_path).
        sql.add(
            f"SELECT anc.e, ARRAY(SELECT {dim} FROM {ACT} a WHERE a.account_id = anc.e "
            f"AND {time_test} AND {has_value} AND a.is_bot = %s",
            False,
        )
        sql.extend(bound)
        sql.add(f" ORDER BY a.occurred_at {order}, a.id {order} LIMIT %s) FROM anc", depth)
        return sql
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


def stored_paths(settings: dict, *, grouped: bool = False) -> dict | None:
    """The paths read from the lifecycle firsts (analytics.firsts), or None when they cannot
    answer exactly: an account flow anchored at a lifecycle fact (lead status, deal created,
    stage), once the table is built and current. An account whose first time at the fact
    falls in the date range is anchored there; the few first at it before the range are
    computed live. One scan of the fact's rows instead of an index
    probe into the activity stream per anchored account.

    ``grouped``: on PostgreSQL without a date bound on the steps, a Counter of the paths
    counted by the database (thousands of rows instead of one per account); otherwise
    the paths per account. Rows come in account order either way."""
    from analytics.firsts.refresh import STEPS_KEPT, TABLE, fact_of, firsts_ready, steps_of

    filters = settings.get("filters", {})
    if settings["container"] != "account":
        return None
    fact = fact_of(settings["anchor"]["condition"])
    if fact is None or settings["columns"] - 1 > STEPS_KEPT or not firsts_ready():
        return None
    dialect = Dialect()
    start, end = range_bounds(filters)
    scope = universe("account", filters)
    before = settings["anchor"]["direction"] == "end"
    key = f"{'b' if before else 'a'}:{settings['dimension']}"
    depth = settings["columns"] - 1
    low = start.timestamp() if (start and before) else None
    high = end.timestamp() if (end and not before) else None
    # Without a bound on the steps' times PostgreSQL hands back only the first ``depth``
    # values (a third of the JSON to parse); otherwise the [time, value] pairs.
    values_only = dialect.postgres and low is None and high is None
    if values_only:
        column = f"jsonb_path_query_array(f.steps -> '{key}', '$[0 to {depth - 1}][1]')"
    elif dialect.postgres:
        column = f"(f.steps -> '{key}')"
    else:
        column = f"json_extract(f.steps, '$.\"{key}\"')"
    grouped = grouped and values_only and not start
    head = (
        f"SELECT MIN(f.account_id), {column}, COUNT(*)"
        if grouped
        else (f"SELECT f.account_id, {column}")
    )
    sql = Sql(f"{head} FROM {TABLE} f WHERE f.fact = %s", [fact])
    if start:
        sql.add(" AND f.at >= %s", dialect.dt(start))
    if end:
        sql.add(" AND f.at < %s", dialect.dt(end))
    if scope is not None:
        sql.add(" AND f.account_id IN (").extend(scope).add(")")
    if grouped:
        sql.add(" GROUP BY 2 ORDER BY 1")
        counted: Counter = Counter()
        for _, steps, n in fetch(sql):
            items = steps_of(steps)
            counted[(*reversed(items), ANCHOR) if before else (ANCHOR, *items)] += n
        return counted
    sql.add(" ORDER BY f.account_id")
    out = {}
    for entity, steps in fetch(sql):
        if values_only:
            items = steps_of(steps)
        else:
            items = [
                v
                for t, v in steps_of(steps)
                if (low is None or t >= low) and (high is None or t < high)
            ][:depth]
        out[entity] = (*reversed(items), ANCHOR) if before else (ANCHOR, *items)
    if start:
        # Accounts first at the fact before the start date may reach it again in the range:
        # their anchor and steps are computed live (only theirs).
        earlier = Sql(f"SELECT account_id FROM {TABLE} WHERE fact = %s AND at < %s")
        earlier.params.extend([fact, dialect.dt(start)])
        out.update(_live_paths(settings, dialect, among=earlier))
    return out


def paths(settings: dict) -> dict[int, tuple]:
    """entity -> its column items, left to right (the anchor is ``ANCHOR``)."""
    stored = stored_paths(settings)
    if stored is not None:
        return stored
    return _live_paths(settings, Dialect())


def _live_paths(settings: dict, dialect: Dialect, among: Sql | None = None) -> dict[int, tuple]:
    rows = fetch(statement(settings, dialect, among))
    before = settings["anchor"]["direction"] == "end"
    if dialect.postgres and settings["container"] == "account":
        # (entity, [steps nearest first])
        if before:
            return {e: (*reversed(items), ANCHOR) for e, items in rows}
        return {e: (ANCHOR, *items) for e, items in rows}
    depth = settings["columns"] - 1
    steps: dict[int, list] = {}
    for entity, rn, item in rows:
        ranked = steps.get(entity)
        if ranked is None:
            ranked = steps[entity] = [None] * depth
        if rn:
            ranked[rn - 1] = item
    out = {}
    for entity, ranked in steps.items():
        taken = tuple(item for item in ranked if item is not None)
        out[entity] = (*reversed(taken), ANCHOR) if before else (ANCHOR, *taken)
    return out


def _fold(settings: dict, counted: Counter) -> dict[tuple, tuple]:
    """path -> its cells ((column, item), ...) with the top items kept, the rest folded."""
    columns = settings["columns"]
    before = settings["anchor"]["direction"] == "end"
    per_column: dict[int, Counter] = defaultdict(Counter)
    placed = {}
    for path, n in counted.items():
        offset = columns - len(path) if before else 0
        cells = tuple((offset + i, item) for i, item in enumerate(path))
        placed[path] = cells
        for cell in cells:
            per_column[cell[0]][cell[1]] += n
    keep = {
        column: {item for item, _ in counter.most_common(settings["top"])} | {ANCHOR}
        for column, counter in per_column.items()
    }
    return {
        path: tuple((c, item if item in keep[c] else OTHER) for c, item in cells)
        for path, cells in placed.items()
    }


def _node_id(column: int, item) -> str:
    return f"{column}|{item}"


def compute(settings: dict) -> dict:
    counted = stored_paths(settings, grouped=True)
    if counted is None or not isinstance(counted, Counter):
        counted = Counter((counted if counted is not None else paths(settings)).values())
    folded = _fold(settings, counted)
    total = sum(counted.values())
    # Many paths fold to the same cells: count those once (in first-seen order, so ties
    # keep the order the paths gave them), then nodes, bands and paths per folded path.
    by_cells: Counter = Counter()
    for path, n in counted.items():
        by_cells[folded[path]] += n
    node_counts: Counter = Counter()
    pair_counts: Counter = Counter()
    path_counts: Counter = Counter()
    for cells, n in by_cells.items():
        for cell in cells:
            node_counts[cell] += n
        for pair in zip(cells, cells[1:], strict=False):
            pair_counts[pair] += n
        path_counts[tuple(item for _, item in cells)] += n
    link_counts = {
        (_node_id(*source), _node_id(*target)): n for (source, target), n in pair_counts.items()
    }

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
    by_entity = paths(settings)
    folded = _fold(settings, Counter(by_entity.values()))

    def hit(cells) -> bool:
        if target.get("source") and target.get("target"):
            wanted = (target["source"], target["target"])
            return any(
                (_node_id(*a), _node_id(*b)) == wanted
                for a, b in zip(cells, cells[1:], strict=False)
            )
        return any(_node_id(*c) == target.get("node") for c in cells)

    matching = {path for path, cells in folded.items() if hit(cells)}
    return sorted(e for e, path in by_entity.items() if path in matching)


def label_items(result: dict, labels: dict) -> dict:
    for node in result["nodes"]:
        node["label"] = labels.get(node["item"], str(node["item"]))
    for path in result["paths"]:
        path["labels"] = [labels.get(item, str(item)) for item in path["items"]]
    return result


__all__ = ["compute", "entities", "label_items", "range_bounds", "ANCHOR", "OTHER"]
