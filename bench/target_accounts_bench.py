"""Benchmark of the target-accounts page and API at the size the issue names.

    python bench/target_accounts_bench.py build     # create + fill the bench database
    python bench/target_accounts_bench.py rebuild   # time manage.py rebuild_rollups
    python bench/target_accounts_bench.py measure   # page + API timings and query counts
    python bench/target_accounts_bench.py all

It uses its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/abm_targets_bench) and fills it with set-based SQL
(``generate_series``): 50,000 accounts (10,000 targets), 1,000,000 contacts, 5,000,000
activities, 60,000 deals and 40,000 tasks. Timings are server time through Django's test
client (no network), warm, each request repeated; figures go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_targets_bench"
)
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import common  # noqa: E402 - bench/ is on the path from here

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 50_000))
TARGET_EVERY = 5  # one account in five is a target: 10,000 of 50,000
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 1_000_000))
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", 5_000_000))
DEALS = ACCOUNTS * 6 // 5
TASKS = ACCOUNTS * 4 // 5
REPEAT = int(os.environ.get("BENCH_REPEAT", 15))


def build() -> None:
    common.database_create(DB_URL)
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    lo, hi = common.users_create()
    steps = [
        (
            "accounts",
            f"""
            INSERT INTO accounts_account (id, name, domain, industry, employee_count,
              annual_revenue, country, owner_id, fit_score, is_target, target_since,
              target_source, created_at, updated_at)
            SELECT i, 'Company ' || i, 'company' || i || '.example',
              (ARRAY['software','retail','healthcare','energy','media','logistics'])[1 + i % 6],
              10 + (i * 7919) % 20000, ((i::bigint * 104729) % 500000000)::numeric,
              (ARRAY['United States','Germany','France','Japan'])[1 + i % 4],
              {lo} + (i * 31) % ({hi - lo + 1}), (i * 37) % 101, i % {TARGET_EVERY} = 0,
              CASE WHEN i % {TARGET_EVERY} = 0 THEN now() - (i % 300) * interval '1 day' END,
              CASE WHEN i % {TARGET_EVERY} = 0 THEN 'manual' ELSE '' END, now(), now()
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
              'p' || i || '@mail.example', '',
              CASE WHEN random() < 0.85 THEN 0 ELSE (1 + floor(random() * 127))::int END,
              NULL, 0, true, true, true, true,
              (ARRAY['none','consent','legitimate_interest','contract'])[1 + i % 4],
              'none', false, now(), now()
            FROM generate_series(1, {CONTACTS}) AS i""",
        ),
        (
            "contact links",
            f"""
            INSERT INTO accounts_contactaccount (contact_id, account_id, is_primary, created_at)
            SELECT id, account_id, true, now() FROM accounts_contact;
            INSERT INTO accounts_contactaccount (contact_id, account_id, is_primary, created_at)
            SELECT id, 1 + ((account_id + 7) % {ACCOUNTS}), false, now()
            FROM accounts_contact WHERE id % 20 = 0""",
        ),
        (
            "deals",
            f"""
            INSERT INTO accounts_opportunity (account_id, name, amount, currency, stage,
              owner_id, created_at, updated_at)
            SELECT 1 + floor(random() * {ACCOUNTS})::int, 'Deal ' || i,
              round((random() * 200000)::numeric, 2), 'USD',
              (ARRAY['prospecting','qualification','proposal','negotiation','closed_won',
                     'closed_lost'])[1 + floor(random() * 6)::int],
              NULL, now(), now()
            FROM generate_series(1, {DEALS}) AS i""",
        ),
        (
            "activities",
            f"""
            INSERT INTO accounts_activity (contact_id, account_id, type, occurred_at,
              initiated_by, user_id, channel, content_type, subject, url, is_bot, metadata,
              created_at)
            SELECT c, 1 + (c % {ACCOUNTS}), t,
              CASE WHEN t = 'meeting' AND random() < 0.1
                   THEN now() + random() * interval '20 days'
                   ELSE now() - random() * interval '180 days' END,
              CASE WHEN t IN ('email_sent','call','meeting') THEN 'user' ELSE 'contact' END,
              CASE WHEN t IN ('email_sent','call','meeting') THEN {lo} ELSE NULL END,
              '', '', '', CASE WHEN t = 'web_visit' THEN 'https://hub.example/p/' || (c % 40)
                               ELSE '' END,
              false, '{{}}'::jsonb, now()
            FROM (
              SELECT 1 + floor(random() * {CONTACTS})::int AS c,
                (ARRAY['email_sent','email_opened','web_visit','web_visit','form_submitted',
                       'document_viewed','call','meeting','email_clicked','note'])
                  [1 + floor(random() * 10)::int] AS t
              FROM generate_series(1, {ACTIVITIES})
            ) AS g""",
        ),
        (
            "tasks",
            f"""
            INSERT INTO accounts_task (type, title, description, due_at, status, owner_id,
              account_id, contact_id, created_at)
            SELECT 'call', 'Follow up ' || i, '', now() + (random() * 60 - 30) * interval '1 day',
              CASE WHEN random() < 0.7 THEN 'open' ELSE 'done' END, {lo},
              1 + floor(random() * {ACCOUNTS})::int, NULL, now()
            FROM generate_series(1, {TASKS}) AS i""",
        ),
    ]
    with connection.cursor() as cursor:
        common.bulk_load(
            cursor,
            steps=steps,
            tables=(
                "accounts_contact",
                "accounts_contactaccount",
                "accounts_activity",
                "accounts_task",
                "accounts_opportunity",
            ),
            sequences=(
                "accounts_account",
                "accounts_contact",
                "accounts_contactaccount",
                "accounts_opportunity",
                "accounts_activity",
                "accounts_task",
            ),
        )
    print("built", flush=True)


def rebuild() -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "rebuild_rollups", "--max-report", "3"],
        check=True,
        env={**os.environ},
        cwd=ROOT,
    )
    elapsed = time.monotonic() - started
    print(f"rebuild_rollups: {elapsed:.1f}s", flush=True)
    common.django_setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_accountrollup")
    return elapsed


def _last_api_page(client, url: str) -> str:
    """Walk the API's pages with the largest page size; the last page's URL.

    A cursor is signed for its list, sort and page size, so the URL is measured whole."""
    nxt, previous = url, url
    while nxt:
        data = client.get(nxt).json()
        previous, nxt = nxt, data["next"]
        if nxt:
            nxt = nxt.replace("http://testserver", "")
    return previous


def _last_page(client, url: str) -> str:
    """Follow the page's own "Next" links (page cursors are not API cursors)."""
    import html
    import re

    next_link = re.compile(r'<a class="btn btn-small" href="([^"]+)">[^<]*→</a>')
    current = url
    while True:
        match = next_link.search(client.get(current).content.decode())
        if not match:
            return current
        current = html.unescape(match.group(1))
        if current.startswith("?"):
            current = url.split("?")[0] + current


def measure() -> list[tuple]:
    common.django_setup()
    from django.test import Client

    from accounts.models import Account, Activity, Contact, User
    from accounts.selectors.targets import CATEGORIES

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    sizes = (
        Account.objects.count(),
        Account.objects.filter(is_target=True).count(),
        Contact.objects.count(),
        Activity.objects.count(),
    )
    print("data: accounts={} targets={} contacts={} activities={}".format(*sizes), flush=True)
    common.load_print("start")
    cases = [("page first", "/target-accounts/"), ("api first", "/api/v1/target-accounts/")]
    cases.append(
        ("api last page", _last_api_page(client, "/api/v1/target-accounts/?page_size=200"))
    )
    cases.append(("page last page", _last_page(client, "/target-accounts/")))
    for sort in (
        "name",
        "owner",
        "contacts",
        "open_deals",
        "open_deal_value",
        "last_touch",
        "last_engagement",
        "next_scheduled",
    ):
        cases.append((f"api sort -{sort}", f"/api/v1/target-accounts/?ordering=-{sort}"))
        cases.append((f"page sort {sort}", f"/target-accounts/?sort={sort}"))
        cases.append((f"page sort -{sort}", f"/target-accounts/?sort=-{sort}"))
    cases.append(
        (
            "api last page, sort -last_touch",
            _last_api_page(client, "/api/v1/target-accounts/?page_size=200&ordering=-last_touch"),
        )
    )
    for category in CATEGORIES:
        cases.append((f"api category {category}", f"/api/v1/target-accounts/?category={category}"))
        cases.append((f"page category {category}", f"/target-accounts/?category={category}"))
    cases.append(
        (
            "page last page, sort -last_touch",
            _last_page(client, "/target-accounts/?sort=-last_touch"),
        )
    )
    cases.append(("api summary", "/api/v1/target-accounts/summary/"))
    cases.append(("api category counts", "/api/v1/target-accounts/categories/"))
    cases.append(
        ("page owner filter, sort -last_touch", "/target-accounts/?owner=3&sort=-last_touch")
    )
    cases.append(("page owner+team filter", "/target-accounts/?owner=3&team=1"))
    cases.append(("page search", "/target-accounts/?q=Company%20123"))
    cases.append(
        (
            "page category has_blocker, sort -open_deal_value",
            "/target-accounts/?category=has_blocker&sort=-open_deal_value",
        )
    )
    cases.append(("api owner+team filter", "/api/v1/target-accounts/?owner=3&team=1"))
    cases.append(("api search", "/api/v1/target-accounts/?q=Company%20123"))
    results = common.get_timed(client, cases, repeat=REPEAT, width=40)
    common.load_print("end")
    return results


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("build", "all"):
        build()
    if what in ("rebuild", "all"):
        rebuild()
    if what in ("measure", "all"):
        measure()
