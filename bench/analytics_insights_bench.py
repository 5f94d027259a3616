"""Benchmark of the insights (marketing impact, pipeline, health, upsell) at the issue's size.

    python bench/analytics_insights_bench.py clone     # copy abm_bench_analytics (fast)
    python bench/analytics_insights_bench.py build     # or build it from scratch
    python bench/analytics_insights_bench.py extras    # migrate, products, buying groups,
                                                       # rollups, health, upsell intent
    python bench/analytics_insights_bench.py derived   # impact credits, lifecycle firsts and
                                                       # stage stays (in extras too)
    python bench/analytics_insights_bench.py measure   # p50 / p95 warm, query counts
    python bench/analytics_insights_bench.py all       # clone + extras + measure

Its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/abm_bench_insights): the analytics engine's bench data
(bench/analytics_bench.py, which reuses bench/target_accounts_bench.py's set-based
builder: 50,000 accounts, 1,000,000 contacts, 5,000,000 activities over a year, 60,000
deals with stage history, 30 campaigns), copied as a template (``clone``) or built the
same way (``build``). ``extras`` adds what only the insights read: 8 products whose
keywords occur in the bench's page URLs, one buying group per target account (10,000),
the rollups, then times the full health recompute and the upsell intent refresh.

``measure`` times each insight through the API (Django's test client, no network) with
the result cache off (ANALYTICS_INSIGHTS_CACHE=False), warm: each request repeated.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SOURCE_URL = os.environ.get(
    "BENCH_SOURCE_URL", "postgres://postgres@127.0.0.1:5432/abm_bench_analytics"
)
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_bench_insights"
)
os.environ["BENCH_DATABASE_URL"] = DB_URL
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
REPEAT = int(os.environ.get("BENCH_REPEAT", 20))

import common  # noqa: E402 - bench/ is on the path from here

PRODUCTS = [
    ("Cloud Data Platform", ["p 1", "p 9", "p 17", "p 25"]),
    ("Security Suite", ["p 2", "p 10", "p 18", "p 26"]),
    ("Marketing Automation", ["p 3", "p 11", "p 19", "p 27"]),
    ("Payments API", ["p 4", "p 12", "p 20", "p 28"]),
    ("Customer Support Desk", ["p 5", "p 13", "p 21", "p 29"]),
    ("Supply Chain Planner", ["p 6", "p 14", "p 22", "p 30"]),
    ("Analytics Studio", ["p 7", "p 15", "p 23", "p 31"]),
    ("Identity Cloud", ["p 8", "p 16", "p 24", "p 32"]),
]


def clone() -> None:
    """Copy the engine's bench database as a template (it must have no open connection)."""
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    source = SOURCE_URL.rsplit("/", 1)[1]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        started = time.monotonic()
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        print(f"  cloned {source} -> {name}: {time.monotonic() - started:.1f}s", flush=True)


def build() -> None:
    """Build the engine's bench data set into this database (bench/analytics_bench.py)."""
    import analytics_bench

    analytics_bench.build()
    analytics_bench.extras()


def extras() -> None:
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from accounts.models import Product
    from accounts.services.rollups import rollups_rebuild
    from analytics.insights.health import health_recompute_all
    from analytics.insights.upsell import upsell_intent_refresh

    for name, keywords in PRODUCTS:
        Product.objects.update_or_create(name=name, defaults={"keywords": keywords})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM buying_groups_buyinggroup")
        if cursor.fetchone()[0] == 0:
            _buying_groups(cursor)
    timings = {}
    started = time.monotonic()
    report = rollups_rebuild()
    timings["rollups rebuild"] = time.monotonic() - started
    print(f"  rollups: {report.accounts:,} accounts {timings['rollups rebuild']:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE accounts_accountrollup")
    for attempt in ("first", "again"):
        started = time.monotonic()
        n = health_recompute_all()
        seconds = time.monotonic() - started
        print(f"  health recompute ({attempt}): {n:,} accounts {seconds:.1f}s", flush=True)
    started = time.monotonic()
    kept = upsell_intent_refresh()
    print(f"  upsell intent refresh: {kept:,} rows {time.monotonic() - started:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    derived()


def derived() -> None:
    """The worker-kept tables the insights read: the impact credits (when missing) and the
    lifecycle firsts with the stage stays (analytics.firsts), each timed."""
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    from analytics.firsts.refresh import firsts_rebuild
    from analytics.insights.impact import credits_ready, credits_refresh

    call_command("migrate", verbosity=0)
    common.load_print("derived start")
    if not credits_ready():
        started = time.monotonic()
        rows = credits_refresh()
        print(f"  impact credits: {rows:,} rows {time.monotonic() - started:.1f}s", flush=True)
    started = time.monotonic()
    rows = firsts_rebuild()
    print(
        f"  lifecycle firsts + stage stays rebuild: {rows:,} firsts "
        f"{time.monotonic() - started:.1f}s",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    common.load_print("derived end")


def _buying_groups(cursor) -> None:
    """One group per target account on three templates, with spread-out scores."""
    from accounts.models import Product
    from buying_groups.models import RoleTemplate
    from buying_groups.services.groups import stages_ensure_defaults

    stages_ensure_defaults()
    products = list(Product.objects.order_by("id")[:3])
    templates = [
        RoleTemplate.objects.get_or_create(
            name=f"Bench template {i}", defaults={"solution_interest": p}
        )[0]
        for i, p in enumerate(products)
    ]
    cursor.execute("SELECT id FROM buying_groups_stage ORDER BY position LIMIT 1")
    stage = cursor.fetchone()[0]
    cases = " ".join(f"WHEN {i} THEN {t.pk}" for i, t in enumerate(templates))
    prods = " ".join(f"WHEN {i} THEN {t.solution_interest_id}" for i, t in enumerate(templates))
    started = time.monotonic()
    cursor.execute(
        f"""
        INSERT INTO buying_groups_buyinggroup (account_id, name, solution_interest_id,
          role_template_id, stage_id, member_count, engagement_score, completeness_score,
          created_at, updated_at)
        SELECT a.id, 'Group ' || a.id, CASE a.id % 3 {prods} END,
          CASE a.id % 3 {cases} END, {stage}, 0, (a.id * 37) % 101, (a.id * 53) % 101,
          now(), now()
        FROM accounts_account a WHERE a.is_target
        """
    )
    print(f"  buying groups: {cursor.rowcount:,} {time.monotonic() - started:.1f}s", flush=True)


def measure() -> list[tuple]:
    common.django_setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import Account, Activity, OpportunityStageChange, User

    settings.ANALYTICS_INSIGHTS_CACHE = False
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    sizes = (
        Account.objects.count(),
        Activity.objects.count(),
        OpportunityStageChange.objects.count(),
    )
    print("data: accounts={:,} activities={:,} stage changes={:,}".format(*sizes), flush=True)
    common.load_print("start")
    api = "/api/v1/analytics/"
    cases = [
        ("impact, campaign, 180 days", api + "impact/"),
        ("impact, channel, 180 days", api + "impact/?dimension=channel"),
        ("impact, content, 90 days", api + "impact/?dimension=content&date_from=DATE90"),
        ("impact, targets only", api + "impact/?target=yes"),
        ("impact, one account + groups", api + "impact/?account=5"),
        ("pipeline, months, 180 days", api + "pipeline/?granularity=month"),
        ("pipeline, weeks, 365 days", api + "pipeline/?granularity=week&date_from=DATE365"),
        ("pipeline, industry", api + "pipeline/?industry=software"),
        ("health list, lowest first", api + "health/"),
        ("health list, targets, highest", api + "health/?target=yes&order=-score"),
        ("health, one account", api + "health/5/"),
        ("upsell list", api + "upsell/"),
        ("upsell, medium+", api + "upsell/?min_level=medium"),
        ("target page, sort -health", "/target-accounts/?sort=-health"),
        ("page impact", "/analytics/insights/impact/"),
        ("page pipeline", "/analytics/insights/pipeline/"),
        ("page health", "/analytics/insights/health/"),
        ("page upsell", "/analytics/insights/upsell/"),
    ]
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    cases = [
        (
            label,
            url.replace("DATE90", (today - dt.timedelta(days=89)).isoformat()).replace(
                "DATE365", (today - dt.timedelta(days=364)).isoformat()
            ),
        )
        for label, url in cases
    ]
    only = [w for w in os.environ.get("BENCH_ONLY", "").split(",") if w]
    if only:  # e.g. BENCH_ONLY=impact,pipeline: the cases whose label holds one of them
        cases = [(label, url) for label, url in cases if any(w in label for w in only)]
    results = common.get_timed(client, cases, repeat=REPEAT, width=34)
    common.load_print("end")
    return results


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("clone", "all"):
        clone()
    if what == "build":
        build()
    if what in ("extras", "build", "all"):
        extras()
    if what == "derived":
        derived()
    if what in ("measure", "all"):
        measure()
