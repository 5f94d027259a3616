"""What the benchmarks share: their own database, Django, the bench users, the set-based
bulk load (secondary indexes dropped during the load, built once at the end) and the
timing loop (warm, repeated: median, p95 and query count).

The scripts import it as ``common`` (each puts ``bench/`` on ``sys.path``) and import
Django only inside functions, after they have set ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable


def django_setup() -> None:
    import django

    django.setup()


def database_create(db_url: str) -> None:
    """Drop and create the bench's own PostgreSQL database named by ``db_url``."""
    import psycopg

    base, name = db_url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def users_create(*, role_of: Callable[[int], str] = lambda i: "sales_rep") -> tuple[int, int]:
    """Four teams, the admin ``bench`` (password ``bench-pass-1``) and 20 reps ``rep0``..
    ``rep19`` (``role_of(i)`` names each one's role); returns the reps' lowest and highest id.
    """
    from accounts.models import Team, User

    teams = [Team.objects.create(name=f"Team {i}") for i in range(4)]
    admin = User.objects.create_superuser("bench", "bench@x.example", "bench-pass-1", role="admin")
    for i in range(20):
        User.objects.create_user(
            f"rep{i}",
            f"rep{i}@x.example",
            "x",
            role=role_of(i),
            team=teams[i % 4],
            first_name=f"Rep{i}",
            last_name=f"Seller{i:02d}",
        )
    user_ids = list(User.objects.exclude(pk=admin.pk).values_list("pk", flat=True))
    return min(user_ids), max(user_ids)


def bulk_load(
    cursor,
    *,
    steps: Iterable[tuple[str, str]],
    tables: Iterable[str],
    sequences: Iterable[str],
    params: dict | None = None,
) -> None:
    """Run each ``(label, sql)`` step (statements split on ``;``, each given ``params``)
    with foreign-key triggers off and the secondary indexes and unique constraints of
    ``tables`` dropped, then build them once, move the id sequences of ``sequences`` past
    the loaded rows and ``VACUUM ANALYZE``. Times each step."""
    tables = list(tables)
    cursor.execute("SET session_replication_role = replica")
    cursor.execute(
        "SELECT indexdef, indexname FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT LIKE '%%_pkey'",
        [tables],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, conrelid::regclass, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
        [tables],
    )
    constraints = cursor.fetchall()
    indexes = [(d, n) for d, n in indexes if n not in {c[0] for c in constraints}]
    for name, table, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name in indexes:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for label, sql in steps:
        started = time.monotonic()
        for statement in sql.split(";"):
            if statement.strip():
                cursor.execute(statement, params)
        print(f"  {label}: {time.monotonic() - started:.1f}s", flush=True)
    started = time.monotonic()
    for definition, _ in indexes:
        cursor.execute(
            definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1).replace(
                "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1
            )
        )
    for name, table, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET session_replication_role = DEFAULT")
    print(f"  indexes: {time.monotonic() - started:.1f}s", flush=True)
    for table in sequences:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    cursor.execute("VACUUM ANALYZE")


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(call: Callable[[], object], *, repeat: int) -> tuple[float, float, int]:
    """Call ``call`` ``repeat`` times (warm it first): median ms, p95 ms, queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), p95(timings), len(ctx.captured_queries)


def get_timed(client, cases: list[tuple[str, str]], *, repeat: int, width: int) -> list[tuple]:
    """GET each ``(label, url)`` once (it must answer 200), then time it: one printed line
    and one ``(label, median, p95, queries)`` result per case."""
    results = []
    for label, url in cases:
        response = client.get(url)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        median, high, queries = timed(lambda url=url: client.get(url), repeat=repeat)
        results.append((label, median, high, queries))
        print(
            f"{label:{width}s} median {median:7.1f} ms  p95 {high:7.1f} ms  queries {queries}",
            flush=True,
        )
    return results


def load_print(when: str) -> None:
    print("load average at {}: {:.2f} {:.2f} {:.2f}".format(when, *os.getloadavg()), flush=True)
