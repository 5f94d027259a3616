"""Benchmark of the analytics engine (journey, cohort, flow) at the size the issue names.

    python bench/analytics_bench.py build     # create + fill abm_bench_analytics (once)
    python bench/analytics_bench.py extras    # migrate + stage history + analytics tables
    python bench/analytics_bench.py firsts    # rebuild the lifecycle firsts (in extras too)
    python bench/analytics_bench.py measure   # seed settings: median, p95, query counts
    python bench/analytics_bench.py all

It follows bench/target_accounts_bench.py (its database creation, users and set-based
``generate_series`` builder in bench/common.py, with indexes dropped during the load and
built once at the end) in its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/abm_bench_analytics): 50,000 accounts, 1,000,000
contacts, 5,000,000 activities over 365 days with content types, campaigns, lead forms
and lead status changes, 60,000 opportunities created over the year with stage history.
The "analytics-insights" bench reuses the same database; ``build`` touches
/tmp/team/bench_analytics.ready when the data is in.

Timings are the engine's own time (``analytics.engine.run`` with the result cache
bypassed) and the API through Django's test client, warm, each repeated.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_bench_analytics"
)
os.environ["BENCH_DATABASE_URL"] = DB_URL
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import common  # noqa: E402 - bench/ is on the path from here

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 50_000))
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 1_000_000))
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", 5_000_000))
DEALS = ACCOUNTS * 6 // 5
CAMPAIGNS = 30
REPEAT = int(os.environ.get("BENCH_REPEAT", 20))
READY = Path("/tmp/team/bench_analytics.ready")

# Activity types with weights (out of 100), their content types and whether campaigns
# run them; lead status changes are 1 in 100.
ACTIVITY_SQL = f"""
INSERT INTO accounts_activity (contact_id, account_id, type, occurred_at, initiated_by,
  user_id, channel, campaign_id, content_type, subject, url, is_bot, metadata, created_at)
SELECT c, 1 + (c %% {ACCOUNTS}), t,
  now() - random() * interval '365 days',
  CASE WHEN t IN ('email_sent','call','meeting','lead_status_changed') THEN 'user'
       ELSE 'contact' END,
  CASE WHEN t IN ('email_sent','call','meeting') THEN %(user)s END,
  CASE WHEN t LIKE 'email%%' THEN 'email'
       WHEN t IN ('web_visit','form_submitted','document_viewed') THEN 'web'
       WHEN t = 'call' THEN 'phone' WHEN t = 'meeting' THEN 'meeting'
       WHEN t LIKE 'event%%' THEN 'event' ELSE 'crm' END,
  CASE WHEN t IN ('email_sent','email_opened','email_clicked','form_submitted',
                  'document_viewed','event_registered','event_attended')
        AND random() < 0.6 THEN %(campaign_lo)s + floor(random() * {CAMPAIGNS})::int END,
  CASE t WHEN 'web_visit' THEN 'webpage' WHEN 'form_submitted' THEN 'form'
         WHEN 'document_viewed' THEN (ARRAY['datasheet','ebook','analyst report',
              'case study','whitepaper'])[1 + floor(random() * 5)::int]
         WHEN 'event_registered' THEN 'event' WHEN 'event_attended' THEN 'event'
         WHEN 'email_sent' THEN 'marketing email' WHEN 'email_opened' THEN 'marketing email'
         WHEN 'email_clicked' THEN 'marketing email' ELSE '' END,
  CASE t WHEN 'form_submitted' THEN (ARRAY['Lead form: step 1','Lead form: step 2',
              'Demo request','Contact sales','Webinar registration'])[1 + floor(random() * 5)::int]
         WHEN 'lead_status_changed' THEN 'Lead status change'
         ELSE '' END,
  CASE WHEN t = 'web_visit' THEN 'https://hub.example/p/' || (c %% 40) ELSE '' END,
  false,
  CASE WHEN t = 'lead_status_changed' THEN jsonb_build_object('lead', c, 'from', 'nurturing',
         'to', CASE WHEN random() < 0.7 THEN 'mql' ELSE 'sales_accepted' END)
       ELSE '{{}}'::jsonb END,
  now()
FROM (
  SELECT 1 + floor(random() * {CONTACTS})::int AS c,
    (ARRAY['email_sent','email_sent','email_opened','email_clicked','web_visit','web_visit',
           'web_visit','form_submitted','document_viewed','document_viewed','call','meeting',
           'note','event_registered','event_attended'])[1 + floor(random() * 15)::int] AS t
  FROM generate_series(1, {ACTIVITIES - ACTIVITIES // 100})
  UNION ALL
  SELECT 1 + floor(random() * {CONTACTS})::int, 'lead_status_changed'
  FROM generate_series(1, {ACTIVITIES // 100})
) AS g
"""


def build() -> None:
    common.database_create(DB_URL)
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from accounts.models import Campaign

    lo, hi = common.users_create(role_of=lambda i: "sales_rep" if i % 5 else "marketer")
    channels = [c for c, _ in Campaign.Channel.choices]
    campaigns = [
        Campaign.objects.create(name=f"Campaign {i}", channel=channels[i % len(channels)])
        for i in range(CAMPAIGNS)
    ]
    params = {"user": lo, "campaign_lo": campaigns[0].pk}
    steps = [
        (
            "accounts",
            f"""
            INSERT INTO accounts_account (id, name, domain, industry, employee_count,
              annual_revenue, country, owner_id, fit_score, is_target, target_since,
              target_source, relationship_type, created_at, updated_at)
            SELECT i, 'Company ' || i, 'company' || i || '.example',
              (ARRAY['software','retail','healthcare','energy','media','logistics'])[1 + i %% 6],
              10 + (i * 7919) %% 20000, ((i::bigint * 104729) %% 500000000)::numeric,
              (ARRAY['United States','Germany','France','Japan'])[1 + i %% 4],
              {lo} + (i * 31) %% ({hi - lo + 1}), (i * 37) %% 101, i %% 5 = 0,
              CASE WHEN i %% 5 = 0 THEN now() - (i %% 300) * interval '1 day' END,
              CASE WHEN i %% 5 = 0 THEN 'manual' ELSE '' END, '', now() - interval '400 days',
              now()
            FROM generate_series(1, {ACCOUNTS}) AS i""",
        ),
        (
            "contacts",
            f"""
            INSERT INTO accounts_contact (id, account_id, first_name, last_name, title,
              department, email, phone, buying_roles_mask, owner_id, engagement_score,
              allow_email, allow_bulk_email, allow_prefill, follow_email, legal_basis,
              consent_level, is_minor, relationship_type, guardian_consent, created_at,
              updated_at)
            SELECT i, 1 + (i %% {ACCOUNTS}), 'First' || i, 'Last' || i, 'Manager', '',
              'p' || i || '@mail.example', '', 0, NULL, 0, true, true, true, true,
              'consent', 'none', false, '', false, now(), now()
            FROM generate_series(1, {CONTACTS}) AS i""",
        ),
        (
            "contact links",
            """
            INSERT INTO accounts_contactaccount (contact_id, account_id, is_primary, created_at)
            SELECT id, account_id, true, now() FROM accounts_contact""",
        ),
        (
            "deals",
            f"""
            INSERT INTO accounts_opportunity (account_id, name, amount, currency, stage,
              owner_id, created_at, closed_at, updated_at)
            SELECT account_id, 'Deal ' || i, amount, 'USD', stage, NULL, created,
              CASE WHEN stage IN ('closed_won', 'closed_lost')
                   THEN LEAST(now(), created + (7 + random() * 150) * interval '1 day') END,
              now()
            FROM (
              SELECT i, 1 + floor(random() * {ACCOUNTS})::int AS account_id,
                round((random() * 200000)::numeric, 2) AS amount,
                (ARRAY['prospecting','qualification','proposal','negotiation','closed_won',
                       'closed_won','closed_lost','closed_lost'])
                  [1 + floor(random() * 8)::int] AS stage,
                now() - random() * interval '365 days' AS created
              FROM generate_series(1, {DEALS}) AS i
            ) AS d""",
        ),
        ("activities", ACTIVITY_SQL),
    ]
    with connection.cursor() as cursor:
        common.bulk_load(
            cursor,
            steps=steps,
            tables=(
                "accounts_contact",
                "accounts_contactaccount",
                "accounts_activity",
                "accounts_opportunity",
            ),
            sequences=("accounts_account", "accounts_contact", "accounts_contactaccount"),
            params=params,
        )
    print("built", flush=True)


STAGE_HISTORY_SQL = """
WITH d AS (
  SELECT o.id, o.stage, o.created_at, o.closed_at, 5 + o.id %% 20 AS gap,
    CASE o.stage WHEN 'prospecting' THEN 1 WHEN 'qualification' THEN 2
      WHEN 'proposal' THEN 3 WHEN 'negotiation' THEN 4 ELSE 1 + o.id %% 4 END AS reached
  FROM accounts_opportunity o
)
INSERT INTO accounts_opportunitystagechange (opportunity_id, from_stage, to_stage, changed_at,
  changed_by_id)
SELECT d.id,
  CASE WHEN k = 1 THEN '' ELSE (ARRAY['prospecting','qualification','proposal',
    'negotiation'])[k - 1] END,
  (ARRAY['prospecting','qualification','proposal','negotiation'])[k],
  LEAST(COALESCE(d.closed_at, now()), d.created_at + (k - 1) * d.gap * interval '1 day'),
  NULL::bigint
FROM d, generate_series(1, d.reached) AS k
UNION ALL
SELECT d.id, (ARRAY['prospecting','qualification','proposal','negotiation'])[d.reached],
  d.stage, d.closed_at, NULL::bigint
FROM d WHERE d.closed_at IS NOT NULL
"""


def extras() -> None:
    """Migrate (analytics indexes, stage history table) and fill the stage history."""
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_opportunitystagechange")
        if cursor.fetchone()[0] == 0:
            started = time.monotonic()
            cursor.execute(STAGE_HISTORY_SQL, [])
            print(f"  stage history: {time.monotonic() - started:.1f}s", flush=True)
        cursor.execute("VACUUM ANALYZE")
    firsts()
    with contextlib.suppress(OSError):
        READY.write_text(DB_URL + "\n")
    print("extras done", flush=True)


def firsts() -> None:
    """Build the lifecycle firsts (analytics.firsts) from scratch, then time the incremental
    refresh of 500 accounts: the worker's full and per-commit costs."""
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from analytics.firsts.refresh import firsts_mark_dirty, firsts_rebuild, firsts_refresh_dirty

    common.load_print("firsts start")
    started = time.monotonic()
    rows = firsts_rebuild()
    print(
        f"  lifecycle firsts rebuild: {rows:,} rows {time.monotonic() - started:.1f}s", flush=True
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE analytics_lifecyclefirst")
    firsts_mark_dirty(account_ids=range(1, 50_000, 100))
    started = time.monotonic()
    rows = firsts_refresh_dirty()
    print(
        f"  lifecycle firsts refresh of 500 marked accounts: {rows:,} rows "
        f"{time.monotonic() - started:.2f}s",
        flush=True,
    )
    common.load_print("firsts end")


# The seed's example settings (001: Adobe CJA B2B "optimize account marketing").
SEED = {
    "journey": {
        "container": "account",
        "nodes": [
            {
                "id": "n1",
                "name": "Lead form: step 1",
                "condition": {"kind": "form_submitted", "contains": "Lead form: step 1"},
            },
            {
                "id": "n2",
                "name": "Opportunity created",
                "parent": "n1",
                "condition": {"kind": "opportunity_created"},
            },
            {
                "id": "n3",
                "name": "Closed-won",
                "parent": "n2",
                "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
            },
        ],
    },
    "cohort": {
        "container": "opportunity",
        "inclusion": {"condition": {"kind": "opportunity_created"}, "operator": "gte", "value": 1},
        "return": {
            "condition": {"kind": "opportunity_stage", "stage": "closed_won"},
            "operator": "gte",
            "value": 1,
        },
        "granularity": "month",
        "periods": 6,
    },
    "flow": {
        "container": "account",
        "dimension": "content_type",
        "anchor": {
            "direction": "end",
            "name": "MQL",
            "condition": {"kind": "lead_status", "status": "mql"},
        },
        "columns": 5,
        "top": 5,
    },
}
EXTRA = {
    "journey + key moments (30 days around opportunity created)": (
        "journey",
        {**SEED["journey"], "key_moments": {"node": "n2", "days": 30}},
    ),
    "journey, one account": ("journey", {**SEED["journey"], "filters": {"account": 5}}),
    "cohort of accounts by industry": (
        "cohort",
        {**SEED["cohort"], "container": "account", "breakdown": "industry"},
    ),
    "flow, 10 columns": ("flow", {**SEED["flow"], "columns": 10}),
    # accounts first MQL before the range are anchored live (analytics.firsts)
    "flow, last 90 days": (
        "flow",
        {
            **SEED["flow"],
            "filters": {
                "date_from": (datetime.date.today() - datetime.timedelta(days=89)).isoformat()
            },
        },
    ),
}


def measure() -> list[tuple]:
    common.django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the schema may have moved on since the build
    from django.test import Client

    from accounts.models import Account, Activity, Contact, Opportunity, User
    from analytics import engine
    from analytics.validation import settings_validate

    sizes = (
        Account.objects.count(),
        Contact.objects.count(),
        Activity.objects.count(),
        Opportunity.objects.count(),
    )
    print("data: accounts={} contacts={} activities={} opportunities={}".format(*sizes))
    common.load_print("start")
    cases = [(f"{kind} (seed settings)", kind, data) for kind, data in SEED.items()]
    cases += [(label, kind, data) for label, (kind, data) in EXTRA.items()]
    only = [w for w in os.environ.get("BENCH_ONLY", "").split(",") if w]
    if only:  # e.g. BENCH_ONLY=flow: the cases whose label holds one of the words
        cases = [case for case in cases if any(w in case[0] for w in only)]
    results = []

    def report(prefix: str, label: str, median: float, p95: float, queries: int) -> None:
        results.append((label, median, p95, queries))
        print(
            f"{prefix:7s} {label:58s} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
            f"queries {queries}",
            flush=True,
        )

    for label, kind, data in cases:
        settings = settings_validate(kind=kind, data=data)

        def run(kind=kind, settings=settings):
            engine.run(kind=kind, settings=settings, use_cache=False)

        run()  # warm the buffers
        report("engine", label, *common.timed(run, repeat=REPEAT))
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    for kind, data in SEED.items():
        url = f"/api/v1/analytics/{kind}/run/"

        def post(url=url, data=data):
            response = client.post(url, data, content_type="application/json")
            assert response.status_code == 200, response.content[:300]

        client.post(url, data, content_type="application/json")
        report("api", f"API {kind} (result cache warm)", *common.timed(post, repeat=REPEAT))
    common.load_print("end")
    return results


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("build", "all"):
        build()
    if what in ("extras", "build", "all"):
        extras()
    if what == "firsts":
        firsts()
    if what in ("measure", "all"):
        measure()
