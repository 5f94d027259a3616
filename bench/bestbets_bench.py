"""Benchmark of best bets and the people filters at the size the issue names.

    python bench/bestbets_bench.py build     # create + fill the bench database
    python bench/bestbets_bench.py rebuild   # time the full best-bets rebuild
    python bench/bestbets_bench.py measure   # page/API p95 and people-filter p95, queries
    python bench/bestbets_bench.py all

Its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/abm_bestbets_bench), filled with set-based SQL: 5,000
accounts, 50,000 contacts (owned by 20 reps), 1,000,000 activities over the last 365 days
(sales-email sends/opens/clicks/replies with their metadata, calls, cadence adds/removes,
web visits with pricing pages, forms, events), 10,000 leads. Timings are server time
through Django's test client, warm, each request repeated; figures in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_bestbets_bench"
)
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import common  # noqa: E402 - bench/ is on the path from here

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 5_000))
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 50_000))
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", 1_000_000))
LEADS = CONTACTS // 5
REPEAT = int(os.environ.get("BENCH_REPEAT", 20))

# Activity kinds and their share: (type, initiated_by, metadata, url).
KINDS = [
    ("email_sent", "user", '{"sales_email": 1}', ""),
    ("email_opened", "contact", '{"sales_email": 1}', ""),
    ("email_opened", "contact", '{"sales_email": 1}', ""),
    ("email_clicked", "contact", '{"sales_email": 1}', ""),
    ("email_replied", "contact", '{"sales_email": 1}', ""),
    ("call", "user", '{"call": 1}', ""),
    ("campaign_added", "user", '{"cadence": 1}', ""),
    ("campaign_removed", "user", '{"cadence": 1}', ""),
    ("web_visit", "contact", "{}", "https://vendor.example/pricing"),
    ("web_visit", "contact", "{}", "https://vendor.example/blog"),
    ("web_visit", "contact", "{}", "https://vendor.example/docs"),
    ("form_submitted", "contact", "{}", ""),
    ("event_attended", "contact", "{}", ""),
    ("email_opened", "contact", '{"campaign": 1}', ""),
    ("meeting", "user", "{}", ""),
    ("note", "user", "{}", ""),
]


FILLERS = {
    "character varying": "''",
    "text": "''",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "numeric": "0",
    "double precision": "0",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "date": "current_date",
    "jsonb": "'{}'::jsonb",
}


def _fill(cursor, sql: str) -> str:
    """``INSERT INTO t (cols) SELECT exprs …`` with every other NOT NULL column (fields other
    features add to accounts' tables) given its type's empty value, so the bench keeps
    loading as the schema grows."""
    import re

    match = re.match(r"\s*INSERT INTO (\w+) \(([^)]*)\)\s*SELECT (.*)", sql, re.S)
    if not match:
        return sql
    table, columns, rest = match.groups()
    given = {c.strip() for c in columns.split(",")}
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    extra = [(name, FILLERS[kind]) for name, kind in cursor.fetchall()
             if name not in given and name != "id" and kind in FILLERS]  # fmt: skip
    if not extra:
        return sql
    names = ", ".join(name for name, _ in extra)
    values = ", ".join(value for _, value in extra)
    return f"INSERT INTO {table} ({names}, {columns}) SELECT {values}, {rest}"


def build() -> None:
    common.database_create(DB_URL)
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    lo, hi = common.users_create()
    types = ",".join(f"'{k[0]}'" for k in KINDS)
    inits = ",".join(f"'{k[1]}'" for k in KINDS)
    metas = ",".join(f"'{k[2]}'" for k in KINDS)
    urls = ",".join(f"'{k[3]}'" for k in KINDS)
    n = len(KINDS)
    steps = [
        (
            "accounts",
            f"""
            INSERT INTO accounts_account (id, name, domain, industry, employee_count,
              country, owner_id, fit_score, is_target, target_source, created_at, updated_at)
            SELECT i, 'Company ' || i, 'company' || i || '.example', 'software', 100,
              'Germany', {lo} + (i * 31) % ({hi - lo + 1}), (i * 37) % 101, i % 5 = 0,
              CASE WHEN i % 5 = 0 THEN 'manual' ELSE '' END, now(), now()
            FROM generate_series(1, {ACCOUNTS}) AS i""",
        ),
        (
            "contacts",
            f"""
            INSERT INTO accounts_contact (id, account_id, first_name, last_name, title,
              department, email, phone, buying_roles_mask, owner_id, engagement_score,
              allow_email, allow_bulk_email, allow_prefill, follow_email, legal_basis,
              consent_level, is_minor, created_at, updated_at)
            SELECT i, 1 + (i % {ACCOUNTS}), 'First' || i, 'Last' || i, 'Manager', '',
              'p' || i || '@mail.example', '+49 30 ' || i,
              CASE WHEN i % 7 = 0 THEN (1 + (i % 127)) ELSE 0 END,
              CASE WHEN i % 4 = 0 THEN NULL ELSE {lo} + (i * 17) % ({hi - lo + 1}) END,
              0, true, true, true, true, 'consent', 'none', false, now(), now()
            FROM generate_series(1, {CONTACTS}) AS i""",
        ),
        (
            "contact links",
            """
            INSERT INTO accounts_contactaccount (contact_id, account_id, is_primary, created_at)
            SELECT id, account_id, true, now() FROM accounts_contact""",
        ),
        (
            "leads",
            f"""
            INSERT INTO accounts_lead (topic, contact_id, account_id, status, score, owner_id,
              created_at, updated_at)
            SELECT 'Lead ' || i, i * 5, 1 + ((i * 5) % {ACCOUNTS}),
              (ARRAY['new','nurturing','mql','sales_accepted','converted'])[1 + i % 5], 0,
              {lo}, now(), now()
            FROM generate_series(1, {LEADS}) AS i""",
        ),
        (
            "activities",
            f"""
            INSERT INTO accounts_activity (contact_id, account_id, type, occurred_at,
              initiated_by, user_id, channel, content_type, subject, url, is_bot, metadata,
              created_at)
            SELECT c, 1 + (c % {ACCOUNTS}), (ARRAY[{types}])[k],
              now() - random() * interval '365 days', (ARRAY[{inits}])[k],
              CASE WHEN (ARRAY[{inits}])[k] = 'user' THEN {lo} END, '', '', '',
              (ARRAY[{urls}])[k], random() < 0.03, (ARRAY[{metas}])[k]::jsonb, now()
            FROM (
              SELECT 1 + floor(random() * {CONTACTS})::int AS c,
                1 + floor(random() * {n})::int AS k
              FROM generate_series(1, {ACTIVITIES})
            ) AS g""",
        ),
    ]
    with connection.cursor() as cursor:
        steps = [(label, _fill(cursor, sql)) for label, sql in steps]
        common.bulk_load(
            cursor,
            steps=steps,
            tables=(
                "accounts_contact",
                "accounts_contactaccount",
                "accounts_activity",
                "accounts_lead",
            ),
            sequences=(
                "accounts_account",
                "accounts_contact",
                "accounts_contactaccount",
                "accounts_activity",
                "accounts_lead",
            ),
        )
    call_command("rebuild_rollups", verbosity=0)
    print("built", flush=True)


def rebuild() -> float:
    common.django_setup()
    from django.db import connection

    from sales_actions.bestbets.services import bestbets_rebuild

    common.load_print("rebuild")
    timings = []
    for _ in range(3):
        started = time.monotonic()
        report = bestbets_rebuild()
        timings.append(time.monotonic() - started)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sales_actions_bestbet")
    print(
        f"full rebuild: {report.contacts} active contacts, {report.rows} rows; "
        f"runs {', '.join(f'{t:.1f}s' for t in timings)}",
        flush=True,
    )
    return min(timings)


def measure() -> list[tuple]:
    common.django_setup()
    from django.test import Client

    from accounts.models import Activity, Contact, User
    from sales_actions.bestbets.models import BestBet

    client = Client()
    admin = User.objects.get(username="bench")
    rep = User.objects.filter(role="sales_rep").order_by("id").first()
    print(
        f"data: contacts={Contact.objects.count()} activities={Activity.objects.count()} "
        f"best bets={BestBet.objects.count()}",
        flush=True,
    )
    common.load_print("start")
    # A deep page: follow the API's next links ten pages in.
    client.force_login(admin)
    url = "/api/v1/best-bets/?scope=all&page_size=50"
    for _ in range(10):
        url = client.get(url).json()["next"].replace("http://testserver", "")
    filters = "sales_event={}&sales_event_min={}&sales_event_days={}"
    cases = [
        ("page all (admin)", "/best-bets/?scope=all"),
        ("api all (admin)", "/api/v1/best-bets/?scope=all"),
        ("api all, page 11", url),
    ]
    results = common.get_timed(client, cases, repeat=REPEAT, width=44)
    client.force_login(rep)
    cases = [
        ("page mine (rep)", "/best-bets/"),
        ("page team (rep)", "/best-bets/?scope=team"),
        ("api mine (rep)", "/api/v1/best-bets/"),
    ]
    for label, (event, count, days) in {
        "opened ≥2 in 7d": ("email_opened", 2, 7),
        "sent ≥1 in 30d": ("email_sent", 1, 30),
        "clicked ≥1 in 90d": ("email_clicked", 1, 90),
        "call ≥2 in 30d": ("call_received", 2, 30),
        "cadence added ≥1 in 365d": ("cadence_added", 1, 365),
    }.items():
        query = filters.format(event, count, days)
        cases.append((f"contacts page {label}", f"/contacts/?{query}"))
        cases.append((f"contacts api {label}", f"/api/v1/contacts/?{query}"))
    not_replied = filters.format("email_opened", 2, 7) + "&sales_event_not=email_replied"
    cases += [
        ("contacts page opened≥2/7d not replied", f"/contacts/?{not_replied}"),
        ("contacts api opened≥2/7d not replied", f"/api/v1/contacts/?{not_replied}"),
        ("leads page opened≥2/7d not replied", f"/leads/?{not_replied}"),
        ("leads api opened≥2/7d not replied", f"/api/v1/leads/?{not_replied}"),
    ]
    results += common.get_timed(client, cases, repeat=REPEAT, width=44)
    common.load_print("end")
    return results


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    if step in ("build", "all"):
        build()
    if step in ("rebuild", "all"):
        rebuild()
    if step in ("measure", "all"):
        measure()
