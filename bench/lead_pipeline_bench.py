"""The leads pipeline (``accounts.lifecycle.selectors.lead_pipeline``) on a large book.

Builds ``--leads`` leads (default 200,000) on 20 owners and 6 products, each with the
history a lead walks (created, then 0–4 moves along new → nurturing → MQL →
sales-accepted → converted, 12 % leaving as disqualified), set-based with
``generate_series``; then times, warm and repeated, the pipeline for all leads, for the
last 90 days, for one owner, and ``GET /api/v1/leads/pipeline/`` and the page
``/leads/pipeline/`` as the admin: median, p95 and query count of each.

    .venv/bin/python bench/lead_pipeline_bench.py [--leads N] [--repeat N] [--skip-build]

Database: ``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/abm_lifecycle_bench`` (dropped and created).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import common  # noqa: E402

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_lifecycle_bench"
)

# Each lead: its final step on the path (0 new … 4 converted), or 5 (disqualified after
# step (id % 3)). Times: created 1–400 days ago, each move 1–12 days after the previous.
BUILD = """
INSERT INTO accounts_product (id, name, keywords, description, created_at)
SELECT g, 'Product ' || g, '[]', '', now() FROM generate_series(1, 6) g;
INSERT INTO accounts_account (id, name, domain, industry, country, fit_score, is_target,
    target_source, relationship_type, created_at, updated_at)
SELECT g, 'Account ' || g, 'a' || g || '.example', '', '', 0, false, '', '', now(), now()
FROM generate_series(1, %(accounts)s) g;
INSERT INTO accounts_lead (id, topic, product_id, contact_id, account_id, status, score,
    owner_id, source_campaign_id, opportunity_id, created_at, updated_at)
SELECT g, 'Lead ' || g, 1 + g %% 6, NULL, 1 + g %% %(accounts)s,
    (ARRAY['new','nurturing','mql','sales_accepted','converted','disqualified'])[
        1 + CASE WHEN g %% 100 < 12 THEN 5 ELSE (g * 7) %% 5 END],
    0, %(rep_low)s + g %% 20, NULL, NULL,
    now() - ((1 + g %% 400) || ' days')::interval,
    now()
FROM generate_series(1, %(leads)s) g;
INSERT INTO accounts_leadstatuschange (lead_id, from_status, to_status, changed_at,
    changed_by_id, source, reason, disqualify_reason_id, opportunity_id)
SELECT l.id,
    CASE WHEN s.step = 0 THEN '' ELSE path[s.step] END,
    CASE WHEN l.status = 'disqualified' AND s.step = l.id %% 3 + 1 THEN 'disqualified'
         ELSE path[s.step + 1] END,
    l.created_at + (s.step * (1 + l.id %% 12) || ' days')::interval,
    NULL, 'user', '', NULL, NULL
FROM accounts_lead l
CROSS JOIN LATERAL (SELECT ARRAY['new','nurturing','mql','sales_accepted','converted']
    AS path) p
CROSS JOIN LATERAL generate_series(0,
    CASE l.status WHEN 'new' THEN 0 WHEN 'nurturing' THEN 1 WHEN 'mql' THEN 2
        WHEN 'sales_accepted' THEN 3 WHEN 'converted' THEN 4
        ELSE l.id %% 3 + 1 END) AS s(step)
"""


def build(leads: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    common.database_create(DB_URL)
    call_command("migrate", verbosity=0)
    rep_low, _ = common.users_create()
    with connection.cursor() as cursor:
        common.bulk_load(
            cursor,
            steps=[("leads and history", BUILD)],
            tables=["accounts_lead", "accounts_leadstatuschange", "accounts_account"],
            sequences=[
                "accounts_lead",
                "accounts_leadstatuschange",
                "accounts_account",
                "accounts_product",
            ],
            params={"leads": leads, "accounts": max(1, leads // 20), "rep_low": rep_low},
        )


def measure(repeat: int) -> None:
    from django.test import Client

    from accounts.lifecycle.selectors import lead_pipeline
    from accounts.models import Lead, LeadStatusChange, User

    print(
        f"leads {Lead.objects.count():,}, history rows {LeadStatusChange.objects.count():,}",
        flush=True,
    )
    owner = User.objects.get(username="rep3")
    cases = [
        ("selector: all leads", lambda: lead_pipeline()),
        ("selector: last 90 days", lambda: lead_pipeline(days=90)),
        ("selector: one owner", lambda: lead_pipeline(owner=owner)),
    ]
    for label, call in cases:
        call()
        median, high, queries = common.timed(call, repeat=repeat)
        print(f"{label:28s} median {median:7.1f} ms  p95 {high:7.1f} ms  queries {queries}")
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    common.get_timed(
        client,
        [
            ("API /api/v1/leads/pipeline/", "/api/v1/leads/pipeline/"),
            ("page /leads/pipeline/", "/leads/pipeline/"),
        ],
        repeat=repeat,
        width=28,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
    common.django_setup()
    common.load_print("start")
    if not args.skip_build:
        build(args.leads)
    measure(args.repeat)
    common.load_print("end")


if __name__ == "__main__":
    main()
