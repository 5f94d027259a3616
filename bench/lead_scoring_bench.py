"""Benchmark of lead scoring on PostgreSQL: the full recompute and the incremental latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_scoring_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/lead_scoring_bench.py [--leads 1000000] [--activities 5000000]
        [--samples 20] [--skip-build]

Builds (in its own database, which it creates and migrates) N/10 accounts, N contacts with
one lead each (a quarter of them for a product that has its own model), and the activities
spread at random over the contacts and the last 120 days (types, a fifth of the visits on a
pricing page, 3 % bot events), all with set-based INSERT … SELECT generate_series. Two
active models: all leads (7 rules: half-life, expiry, cap, "at least N in a window", title,
industry and size rules) and the product's (3 rules). Then it times
``lead_scores_recompute_all`` twice: cold (no score stored: every row, day row and lead
copy written) and again (steady state: half-life points move, so many rows still change).
Then the incremental path: a real Celery worker, activities recorded one by one through
``activity_record``, and the time until the lead's stored score is recomputed (median, p95).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("DEBUG", "true")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _insert_select(cursor, model, exprs: dict[str, str], source: str, params=None) -> int:
    """INSERT INTO model's table (its columns) SELECT exprs (others: the field defaults)."""
    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.column == "id" or (field.primary_key and field.column not in exprs):
            continue
        columns.append(field.column)
        if field.column in exprs:
            values.append(exprs[field.column])
        else:
            default = field.get_default()
            if isinstance(default, dict | list):
                import json

                default = json.dumps(default)
            if hasattr(default, "isoformat"):
                default = default.isoformat()
            defaults.append(default)
            values.append("%s")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    cursor.execute(sql, defaults + list(params or []))
    return cursor.rowcount


def build(args) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import (
        Account,
        Activity,
        Campaign,
        Contact,
        Lead,
        Product,
        ScoringModel,
        ScoringRule,
    )

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    n_leads = args.leads
    n_accounts = max(1, n_leads // 10)
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE accounts_leadscoreday, accounts_leadscore, accounts_leadscoredirty, "
            "accounts_scoringrule, accounts_scoringmodel, accounts_activity, accounts_lead, "
            "accounts_contactaccount, accounts_contact, accounts_account RESTART IDENTITY CASCADE"
        )
    product = Product.objects.get_or_create(name="Bench scored product")[0]
    campaign = Campaign.objects.create(name="Bench spring campaign")
    with connection.cursor() as cur:
        _insert_select(
            cur,
            Account,
            {
                "name": "'Bench account ' || i",
                "industry": "(ARRAY['software','healthcare','retail','energy'])[1 + i %% 4]",
                "employee_count": "(i * 37) %% 5000",
                "country": "(ARRAY['Germany','France','United States'])[1 + i %% 3]",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n_accounts - 1}) AS i",
        )
        cur.execute("SELECT min(id) FROM accounts_account")
        first_account = cur.fetchone()[0]
        _insert_select(
            cur,
            Contact,
            {
                "account_id": f"{first_account} + i / 10",
                "first_name": "'Bench'",
                "last_name": "'Person ' || i",
                "title": (
                    "(ARRAY['VP Sales','Marketing Manager','Director of IT','Engineer',"
                    "'Chief Marketing Officer','Analyst'])[1 + i %% 6]"
                ),
                "email": "'p' || i || '@bench.example'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n_leads - 1}) AS i",
        )
        cur.execute("SELECT min(id) FROM accounts_contact")
        first_contact = cur.fetchone()[0]
        _insert_select(
            cur,
            Lead,
            {
                "contact_id": f"{first_contact} + i",
                "account_id": f"{first_account} + i / 10",
                "product_id": f"CASE WHEN i %% 4 = 0 THEN {product.pk} ELSE NULL END",
                "status": "CASE WHEN i %% 3 = 0 THEN 'nurturing' ELSE 'new' END",
                "topic": "'Bench lead ' || i",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n_leads - 1}) AS i",
        )
        # Secondary indexes dropped for the load and built once after it (random contact
        # order would otherwise update six B-trees row by row).
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_activity' "
            "AND indexname NOT LIKE '%%_pkey'"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        loaded = time.monotonic()
        _insert_select(
            cur,
            Activity,
            {
                "contact_id": "g.c",
                "account_id": f"{first_account} + (g.c - {first_contact}) / 10",
                "type": (
                    "(ARRAY['email_opened','email_clicked','web_visit','web_visit',"
                    "'form_submitted','event_attended','email_sent'])[1 + (random() * 6)::int]"
                ),
                "occurred_at": "now() - random() * interval '120 days'",
                "initiated_by": "'contact'",
                "url": (
                    "CASE WHEN random() < 0.2 THEN 'https://x.example/pricing' "
                    "ELSE 'https://x.example/blog' END"
                ),
                "campaign_id": f"CASE WHEN random() < 0.1 THEN {campaign.pk} ELSE NULL END",
                "is_bot": "random() < 0.03",
                "created_at": "now()",
            },
            f"(SELECT {first_contact} + (random() * {n_leads - 1})::int AS c "
            f"FROM generate_series(1, {args.activities})) AS g",
        )
        print(f"  activities inserted: {time.monotonic() - loaded:.0f}s", flush=True)
        loaded = time.monotonic()
        for _, definition in indexes:
            cur.execute(definition)
        print(f"  activity indexes: {time.monotonic() - loaded:.0f}s", flush=True)
        cur.execute("ANALYZE")
    general = ScoringModel.objects.create(name="Bench all leads", threshold=120, is_active=True)
    rule = ScoringRule
    rule.objects.bulk_create(
        [
            rule(
                model=general,
                position=0,
                points=10,
                activity_type="email_clicked",
                decay="half_life",
                decay_days=30,
            ),
            rule(
                model=general,
                position=1,
                points=30,
                activity_type="event_attended",
                decay="expire",
                decay_days=60,
            ),
            rule(
                model=general,
                position=2,
                points=25,
                activity_type="web_visit",
                url_contains="/pricing",
                max_points=75,
                decay="half_life",
                decay_days=30,
            ),
            rule(
                model=general,
                position=3,
                points=20,
                activity_type="web_visit",
                count_mode="at_least",
                min_count=3,
                window_days=30,
            ),
            rule(model=general, position=4, points=5, campaign=campaign, window_days=90),
            rule(
                model=general,
                position=5,
                kind="field",
                points=15,
                field="contact_title",
                values="VP, Chief, Director",
            ),
            rule(
                model=general,
                position=6,
                kind="field",
                points=10,
                field="account_industry",
                values="software, healthcare",
            ),
            rule(
                model=general,
                position=7,
                kind="field",
                points=5,
                field="account_size",
                min_value=500,
                max_value=4000,
            ),
        ]
    )
    specific = ScoringModel.objects.create(
        name="Bench product", product=product, threshold=100, is_active=True
    )
    rule.objects.bulk_create(
        [
            rule(
                model=specific,
                position=0,
                points=15,
                activity_type="form_submitted",
                decay="half_life",
                decay_days=14,
            ),
            rule(model=specific, position=1, points=8, activity_type="email_opened", max_points=40),
            rule(
                model=specific,
                position=2,
                kind="field",
                points=20,
                field="account_country",
                values="Germany",
            ),
        ]
    )
    return {
        "leads": n_leads,
        "activities": Activity.objects.count(),
        "build_seconds": round(time.monotonic() - started, 1),
        "now": now.isoformat(),
    }


def time_full(label: str) -> dict:
    from accounts.scoring.services import lead_scores_recompute_all

    started = time.monotonic()
    result = lead_scores_recompute_all()
    return {
        f"{label}_seconds": round(time.monotonic() - started, 2),
        **{f"{label}_{k}": v for k, v in result.items()},
        f"{label}_load": _load(),
    }


def time_incremental(samples: int) -> dict:
    from django.core.cache import cache
    from django.db import connection

    from abm.celery import app as celery_app
    from accounts.models import Lead, LeadScoreDirty
    from accounts.scoring.services import FLUSH_KEY
    from accounts.services.activities import activity_record

    if not os.environ.get("REDIS_URL"):
        return {"incremental": "skipped: REDIS_URL is not set"}
    celery_app.conf.task_always_eager = False
    cache.delete(FLUSH_KEY)
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "CONN_MAX_AGE": "0"}
    worker = subprocess.Popen(  # noqa: S603 - our own argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "abm",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname=abm-scoring-bench@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies = []
    try:
        time.sleep(5)  # let the worker connect
        # The full recompute before this queued work (qualifying the leads that crossed, and
        # what that writes): let the worker finish it, as a worker in steady state would.
        import redis

        broker = redis.Redis.from_url(os.environ["REDIS_URL"])
        drain_started = time.monotonic()
        quiet = 0
        while quiet < 3 and time.monotonic() - drain_started < 600:
            quiet = quiet + 1 if broker.llen("celery") == 0 else 0
            time.sleep(1)
        drained = round(time.monotonic() - drain_started, 1)
        rng = random.Random(11)
        low, high = (
            Lead.objects.order_by("id").values_list("id", flat=True)[:1][0],
            (Lead.objects.order_by("-id").values_list("id", flat=True)[:1][0]),
        )
        unmarked = timed_out = 0
        # The first sample only warms the worker up; it is not counted.
        for index in range(samples + 1):
            lead = Lead.objects.select_related("contact").get(pk=rng.randrange(low, high + 1))
            started = time.monotonic()
            activity_record(
                contact=lead.contact, type="email_clicked", subject="Bench click", user_given=False
            )
            # The after-commit listener marked the lead; the flush deletes the mark in the
            # transaction that stores the new score, so "no mark" = the score includes the
            # click. (Its computed_at is no signal: a score the click does not change, e.g.
            # a capped rule or a model without a click rule, is not rewritten.)
            if not LeadScoreDirty.objects.filter(lead_id=lead.pk).exists():
                unmarked += 1
                continue
            deadline = started + 30
            while time.monotonic() < deadline:
                if not LeadScoreDirty.objects.filter(lead_id=lead.pk).exists():
                    if index:
                        latencies.append(time.monotonic() - started)
                    break
                time.sleep(0.02)
            else:
                timed_out += 1
            connection.close()
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    latencies.sort()
    if not latencies:
        return {"incremental": "no sample completed"}
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return {
        "incremental_samples": len(latencies),
        "incremental_median_seconds": round(statistics.median(latencies), 3),
        "incremental_p95_seconds": round(p95, 3),
        "incremental_max_seconds": round(latencies[-1], 3),
        "incremental_timed_out_30s": timed_out,
        "incremental_not_marked": unmarked,
        "backlog_drained_seconds": drained,
        "incremental_load": _load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=5_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument(
        "--incremental-only", action="store_true", help="with --skip-build: no full recompute"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database of its own (it is emptied)")
    import common

    if not args.skip_build:
        common.database_create(url)
    common.django_setup()
    if not args.skip_build:
        print(build(args), flush=True)
    from django.db import connection

    if not args.incremental_only:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE accounts_leadscore, accounts_leadscoreday")
        print(time_full("cold"), flush=True)
        print(time_full("steady"), flush=True)
    print(time_incremental(args.samples), flush=True)


if __name__ == "__main__":
    main()
