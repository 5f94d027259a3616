"""Benchmark of the record insights panels (Insights, Marketing insights) and their APIs.

    python bench/insights_bench.py build     # its own database, migrated and filled
    python bench/insights_bench.py measure   # warm median / p95 / query counts
    python bench/insights_bench.py all       # build + measure

Its own PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/abm_insights_bench). ``build`` writes, set-based:
the measured account with 200 contacts and 100,000 activities over a year (one of its
people, "the heavy contact", has 10,000 of them), 5% machine events, a third of the emails
of a campaign; an opportunity with 5 contact roles, a lead on the heavy contact with a
year of LeadScoreDay rows, an account lead, 20 open tasks and a cadence with 50 people in
it; around it 1,000 other accounts with 10 contacts each and 1,000,000 activities, so the
indexes are those of a real table.

``measure`` GETs each API and panel through Django's test client (no network) as the
account's owner (a sales rep, scoped) and prints median, p95 and queries per request.
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
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abm_insights_bench"
)
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
REPEAT = int(os.environ.get("BENCH_REPEAT", 30))

import common  # noqa: E402 - bench/ is on the path from here

TYPES = [
    "email_sent",
    "email_opened",
    "email_clicked",
    "email_replied",
    "web_visit",
    "web_visit",
    "web_visit",
    "form_submitted",
    "call",
    "campaign_added",
    "event_registered",
    "event_attended",
    "note",
    "meeting",
]

# Activities for people ``base`` .. ``base + people - 1`` of ``bench_people`` (and, with
# ``heavy``, every tenth one to person 0, the heavy contact), spread over the last year.
ACTIVITIES_SQL = """
INSERT INTO accounts_activity (contact_id, account_id, type, occurred_at, initiated_by,
    user_id, channel, campaign_id, content_type, subject, url, is_bot, metadata, created_at)
SELECT c.contact_id, c.account_id, t.type,
    now() - (random() * interval '365 days'),
    CASE WHEN t.type IN ('email_sent', 'call', 'campaign_added') THEN 'user' ELSE 'contact' END,
    NULL, '',
    CASE WHEN t.type LIKE 'email%%' AND random() < 0.33 THEN %(campaign)s
         WHEN t.type LIKE 'event%%' THEN %(campaign)s END,
    '', 'bench', '', random() < 0.05,
    CASE WHEN t.type = 'campaign_added' THEN jsonb_build_object('cadence', %(cadence)s)
         ELSE '{{}}'::jsonb END,
    now()
FROM (
    SELECT (%(types)s::text[])[1 + floor(random() * %(ntypes)s)::int] AS type,
        CASE WHEN {heavy} AND g %% 10 = 0 THEN 0
             ELSE {base} + floor(random() * {people})::int END AS k
    FROM generate_series(1, {n}) g
) t
JOIN bench_people c ON c.k = t.k
"""


def build() -> None:
    common.database_create(DB_URL)
    common.django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accounts.models import (
        Account,
        Campaign,
        Contact,
        ContactAccount,
        Lead,
        LeadScoreDay,
        Opportunity,
        OpportunityContactRole,
        Task,
        User,
    )
    from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment

    common.users_create()
    owner = User.objects.get(username="rep0")
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    campaign = Campaign.objects.create(name="Bench webinar")
    started = time.monotonic()
    big = Account.objects.create(name="Bench Big Co", domain="big.example", owner=owner)
    others = Account.objects.bulk_create(
        Account(name=f"Other {i}", domain=f"other{i}.example", owner=owner) for i in range(1000)
    )
    people = Contact.objects.bulk_create(
        Contact(account=big, first_name=f"P{i}", last_name="Big", email=f"p{i}@big.example")
        for i in range(200)
    )
    background = Contact.objects.bulk_create(
        Contact(account=a, first_name=f"Q{i}", last_name=a.name, email=f"q{i}@{a.domain}")
        for a in others
        for i in range(10)
    )
    ContactAccount.objects.bulk_create(
        ContactAccount(contact=c, account_id=c.account_id, is_primary=True)
        for c in (*people, *background)
    )
    print(f"  records: {time.monotonic() - started:.1f}s", flush=True)
    heavy = people[0]
    deal = Opportunity.objects.create(account=big, name="Bench deal", amount=50000, owner=owner)
    OpportunityContactRole.objects.bulk_create(
        OpportunityContactRole(opportunity=deal, contact=c) for c in people[:5]
    )
    lead = Lead.objects.create(contact=heavy, account=big, owner=owner, topic="Bench lead")
    Lead.objects.create(contact=None, account=big, owner=owner, topic="Account lead")
    today = timezone.now().date()
    LeadScoreDay.objects.bulk_create(
        LeadScoreDay(lead=lead, day=today - timezone.timedelta(days=d), score=(d * 7) % 90)
        for d in range(365)
    )
    cadence = Cadence.objects.create(name="Bench cadence", owner=owner)
    step = CadenceStep.objects.create(cadence=cadence, position=1, kind="call", title="Call")
    soon = timezone.now() + timezone.timedelta(days=1)
    Enrolment.objects.bulk_create(
        Enrolment(cadence=cadence, contact=c, step=step, next_due_at=soon) for c in people[:50]
    )
    Task.objects.bulk_create(
        Task(account=big, contact=people[i], title=f"Task {i}", owner=owner, due_at=soon)
        for i in range(20)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_people (k int PRIMARY KEY, contact_id bigint, "
            "account_id bigint)"
        )
        cursor.execute(
            "INSERT INTO bench_people SELECT 0, %s, %s UNION ALL "
            "SELECT row_number() OVER (ORDER BY id), id, account_id FROM accounts_contact "
            "WHERE account_id = %s AND id <> %s UNION ALL "
            "SELECT 999 + row_number() OVER (ORDER BY id), id, account_id "
            "FROM accounts_contact WHERE account_id <> %s",
            [heavy.pk, big.pk, big.pk, heavy.pk, big.pk],
        )
        params = {"campaign": campaign.pk, "cadence": cadence.pk, "types": TYPES}
        params["ntypes"] = len(TYPES)
        common.bulk_load(
            cursor,
            steps=[
                (
                    "the account: 100,000 activities",
                    ACTIVITIES_SQL.format(heavy="true", base=1, people=199, n=100_000),
                ),
                (
                    "1,000 other accounts: 1,000,000 activities",
                    ACTIVITIES_SQL.format(heavy="false", base=1000, people=10_000, n=1_000_000),
                ),
            ],
            tables=["accounts_activity"],
            sequences=["accounts_activity"],
            params=params,
        )
        cursor.execute("DROP TABLE bench_people")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE account_id = %s), "
            "count(*) FILTER (WHERE contact_id = %s), count(*) FROM accounts_activity",
            [big.pk, heavy.pk],
        )
        print("  activities (account, heavy contact, all): {} {} {}".format(*cursor.fetchone()))


def measure() -> None:
    common.django_setup()
    from django.test import Client

    from accounts.models import Account, Contact, Lead, Opportunity, User

    owner = User.objects.get(username="rep0")
    big = Account.objects.get(name="Bench Big Co")
    heavy = Contact.objects.filter(account=big).order_by("pk").first()
    deal = Opportunity.objects.get(name="Bench deal")
    lead = Lead.objects.get(topic="Bench lead")
    account_lead = Lead.objects.get(topic="Account lead")
    client = Client()
    client.force_login(owner)
    common.load_print("start")
    cases = [
        ("insights API: heavy contact (10k)", f"/api/v1/insights/contact/{heavy.pk}/"),
        ("insights API: account (200 / 100k)", f"/api/v1/insights/account/{big.pk}/"),
        ("insights API: opportunity (5 roles)", f"/api/v1/insights/opportunity/{deal.pk}/"),
        ("insights panel: account", f"/insights/accounts/{big.pk}/"),
        ("marketing API: heavy contact", f"/api/v1/marketing-insights/contact/{heavy.pk}/"),
        ("marketing API: account", f"/api/v1/marketing-insights/account/{big.pk}/"),
        ("marketing API: lead", f"/api/v1/marketing-insights/lead/{lead.pk}/"),
        ("marketing API: account lead", f"/api/v1/marketing-insights/lead/{account_lead.pk}/"),
        ("marketing panel: account", f"/marketing-insights/accounts/{big.pk}/"),
    ]
    common.get_timed(client, cases, repeat=REPEAT, width=38)
    common.load_print("end")


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    if step in ("build", "all"):
        build()
    if step in ("measure", "all"):
        measure()
