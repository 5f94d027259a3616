"""Benchmark of buying-group scores on PostgreSQL: full recompute and incremental latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_bg_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
    .venv/bin/python bench/buying_groups_bench.py [--contacts 1000000] [--groups 100000]
        [--activities-per-contact 2] [--samples 20] [--skip-build]

Builds (in its own database, which it migrates and empties) N contacts over N/10 accounts,
one role template of five roles, a group per account (two per account when more groups
than accounts are asked) with five members each, and activities spread over 60 days, all
written with COPY. Then it times ``scores_recompute_all`` (one set-based statement per
phase) three times: as it finds the data; after making every score stale (the worst case
after a bulk load: every person score, every group and every accounts_contact copy
rewritten); and again (steady state). Then the incremental path: it starts a real Celery
worker, records activities one by one through ``activity_record`` and measures the time
until the member's group shows a fresh score (median and p95).

With --skip-build only buying_groups migrations are applied; after an upgrade run
``manage.py migrate`` on the bench database, then ``VACUUM FULL accounts_contact`` once so
the contact pages get the fillfactor of accounts migration 0004 (printed as "contact table").
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abm.settings")
os.environ.setdefault("DEBUG", "true")


def _copy(cursor, model, columns: list[str], rows) -> int:
    """COPY rows (tuples in ``columns`` order) into ``model``'s table; other fields get defaults."""
    fields = {f.column: f for f in model._meta.concrete_fields if f.column != "id"}
    extra = [c for c in fields if c not in columns]
    defaults = []
    for column in extra:
        field = fields[column]
        value = field.get_default()
        defaults.append(value)
    all_columns = columns + extra
    table = model._meta.db_table
    count = 0
    sql = f"COPY {table} ({', '.join(all_columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(tuple(row) + tuple(_plain(v) for v in defaults))
            count += 1
    return count


def _plain(value):
    import json

    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def build(args) -> dict:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Account, Activity, Contact, ContactAccount, Product
    from buying_groups.models import BuyingGroup, Member, RoleTemplate, Stage, TemplateRole

    rng = random.Random(7)
    n_contacts = args.contacts
    n_accounts = max(1, n_contacts // 10)
    n_groups = args.groups
    now = timezone.now()
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE accounts_activity, buying_groups_member, buying_groups_buyinggroup, "
            "buying_groups_templaterole, buying_groups_roletemplate, buying_groups_dirtyscore, "
            "buying_groups_summary, buying_groups_generationjob, accounts_contactaccount, "
            "accounts_contact, accounts_account, accounts_product RESTART IDENTITY CASCADE"
        )
    products = [Product.objects.create(name=f"Bench product {i}") for i in range(2)]
    template = RoleTemplate.objects.create(name="Bench template", solution_interest=products[0])
    roles = [
        TemplateRole.objects.create(template=template, name=f"Role {i}", weight=i + 1, position=i)
        for i in range(5)
    ]
    stage = Stage.objects.order_by("position").first()
    raw = connection.connection  # psycopg connection for COPY
    with raw.cursor() as cur:
        _copy(
            cur,
            Account,
            ["name", "is_target", "created_at", "updated_at"],
            ((f"Bench account {i}", True, now, now) for i in range(n_accounts)),
        )
        cur.execute("SELECT min(id) FROM accounts_account")
        first_account = cur.fetchone()[0]
        _copy(
            cur,
            Contact,
            ["account_id", "first_name", "last_name", "email", "created_at", "updated_at"],
            (
                (first_account + i // 10, "Bench", f"Person {i}", f"p{i}@bench.example", now, now)
                for i in range(n_contacts)
            ),
        )
        cur.execute("SELECT min(id) FROM accounts_contact")
        first_contact = cur.fetchone()[0]
        _copy(
            cur,
            ContactAccount,
            ["contact_id", "account_id", "is_primary", "created_at"],
            ((first_contact + i, first_account + i // 10, True, now) for i in range(n_contacts)),
        )
        _copy(
            cur,
            BuyingGroup,
            [
                "account_id",
                "name",
                "solution_interest_id",
                "role_template_id",
                "stage_id",
                "created_at",
                "updated_at",
            ],
            (
                (
                    first_account + g % n_accounts,
                    f"Group {g}",
                    products[g // n_accounts].pk,
                    template.pk,
                    stage.pk,
                    now,
                    now,
                )
                for g in range(n_groups)
            ),
        )
        cur.execute("SELECT min(id) FROM buying_groups_buyinggroup")
        first_group = cur.fetchone()[0]

        def members():
            for g in range(n_groups):
                account_index = g % n_accounts
                base = first_contact + account_index * 10 + (5 if g >= n_accounts else 0)
                for k in range(5):
                    if account_index * 10 + k < n_contacts:
                        yield (first_group + g, base + k, roles[k].pk, "rule", now)

        n_members = _copy(
            cur, Member, ["group_id", "contact_id", "role_id", "source", "added_at"], members()
        )
        kinds = [
            "email_opened",
            "email_clicked",
            "web_visit",
            "form_submitted",
            "meeting",
            "email_replied",
            "email_sent",
        ]

        def activities():
            for _ in range(n_contacts * args.activities_per_contact):
                contact = first_contact + rng.randrange(n_contacts)
                account = first_account + (contact - first_contact) // 10
                kind = rng.choice(kinds)
                when = now - timedelta(seconds=rng.randrange(60 * 86400))
                yield (contact, account, kind, when, "contact", rng.random() < 0.03, now)

        n_activities = _copy(
            cur,
            Activity,
            [
                "contact_id",
                "account_id",
                "type",
                "occurred_at",
                "initiated_by",
                "is_bot",
                "created_at",
            ],
            activities(),
        )
        cur.execute("ANALYZE")
    raw.commit()
    return {
        "accounts": n_accounts,
        "contacts": n_contacts,
        "groups": n_groups,
        "members": n_members,
        "activities": n_activities,
        "build_seconds": round(time.monotonic() - started, 1),
    }


def time_full_recompute() -> dict:
    from buying_groups.services.scores import scores_recompute_all

    started = time.monotonic()
    result = scores_recompute_all()
    seconds = time.monotonic() - started
    return {"full_recompute_seconds": round(seconds, 2), **result, "load": _load()}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def contact_table() -> dict:
    """``accounts_contact``'s fillfactor, size and HOT share of its updates so far: the
    score copy (phase 3) is only cheap when its updates are HOT (accounts migration 0004,
    plus one ``VACUUM FULL accounts_contact`` for a table filled before it)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.reloptions, pg_relation_size(c.oid), s.n_tup_upd, s.n_tup_hot_upd "
            "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.relname = 'accounts_contact'"
        )
        options, size, updates, hot = cur.fetchone()
    return {
        "contact_options": options or ["fillfactor=100"],
        "contact_mb": round(size / 2**20),
        "contact_updates": updates,
        "contact_hot_updates": hot,
    }


def reset_scores() -> None:
    """Make every score change on the next recompute: the worst case (after a bulk load)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE buying_groups_contactscore SET score = 101")
        # The copy in the wide accounts_contact rows differs too, so all 1 M are rewritten.
        cur.execute("UPDATE accounts_contact SET engagement_score = 101 - engagement_score")
        cur.execute("UPDATE buying_groups_buyinggroup SET engagement_score = 0, member_count = 0")


def time_incremental(samples: int) -> dict:
    from django.core.cache import cache
    from django.db import connection

    from abm.celery import app as celery_app
    from accounts.models import Contact
    from accounts.services.activities import activity_record
    from buying_groups.models import BuyingGroup, Member
    from buying_groups.services.scores import FLUSH_KEY

    if not os.environ.get("REDIS_URL"):
        return {"incremental": "skipped: REDIS_URL is not set"}
    celery_app.conf.task_always_eager = False
    cache.delete(FLUSH_KEY)
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "CONN_MAX_AGE": "0"}
    worker = subprocess.Popen(
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
            "--hostname=abm-bg-bench@%h",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies = []
    try:
        time.sleep(4)  # let the worker connect
        rng = random.Random(11)
        last_group = BuyingGroup.objects.order_by("-id").values_list("id", flat=True).first()
        # The first sample only warms the worker up (imports, connections); it is not counted.
        for index in range(samples + 1):
            group_id = rng.randrange(1, last_group + 1)
            member = Member.objects.filter(group_id=group_id).select_related("contact").first()
            if member is None:
                continue
            before = BuyingGroup.objects.get(pk=group_id).scores_computed_at
            contact = Contact.objects.get(pk=member.contact_id)
            started = time.monotonic()
            activity_record(contact=contact, type="email_replied")
            deadline = started + 30
            while time.monotonic() < deadline:
                current = BuyingGroup.objects.get(pk=group_id).scores_computed_at
                if current and current != before:
                    if index:
                        latencies.append(time.monotonic() - started)
                    break
                time.sleep(0.02)
            connection.close()
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    latencies.sort()
    if not latencies:
        return {"incremental": "no sample completed"}
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    return {
        "incremental_samples": len(latencies),
        "incremental_median_seconds": round(statistics.median(latencies), 3),
        "incremental_p95_seconds": round(p95, 3),
        "incremental_max_seconds": round(latencies[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--activities-per-contact", type=int, default=2)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is emptied).")
    import django

    django.setup()
    from django.core.management import call_command

    # With --skip-build only this app's migrations are applied (the data is reused as is).
    call_command("migrate", *(["buying_groups"] if args.skip_build else []), verbosity=0)
    figures = {}
    print("contact table:", contact_table(), flush=True)
    if not args.skip_build:
        figures.update(build(args))
        print("built:", figures, flush=True)
    first = time_full_recompute()
    print("full recompute:", first, flush=True)
    started = time.monotonic()
    reset_scores()
    print(f"made every score stale in {time.monotonic() - started:.1f} s (not timed)", flush=True)
    worst = time_full_recompute()
    print("full recompute, every score changed:", worst, flush=True)
    again = time_full_recompute()
    print("full recompute again (steady state):", again, flush=True)
    figures.update({"first": first, "every_score_changed": worst, "steady": again})
    figures["contact_table_after"] = contact_table()
    figures.update(time_incremental(args.samples))
    print("RESULT", figures, flush=True)


if __name__ == "__main__":
    main()
