"""Cadence scheduler throughput: real Celery workers advance 100,000 due enrolments.

Every enrolment is due for its first step, an automatic email: advancing it writes the
StepRun (unique idempotency key), renders the email into the outbox and moves the person
to the next step (a call task two days later), a batch per transaction. The figure is the
time from beat's tick to no enrolment left due, with the workers (Redis broker) doing the
work; the outbox then delivers to a dummy mail backend on the same workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_bench_cadences \
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/cadences_bench.py [--people N]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--batch", type=int, default=500, help="CADENCE_ADVANCE_BATCH")
    parser.add_argument("--per-account", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL, a database of your own) and REDIS_URL.")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "abm.settings",
            "DEBUG": "1",
            "EMAIL_URL": "dummymail://",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CADENCE_ADVANCE_BATCH": str(args.batch),
            "CADENCE_ADVANCE_TASKS": str(args.workers * args.concurrency),
        }
    )
    import common

    if not args.keep:
        common.database_create(database_url)
    common.django_setup()
    import redis
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Account, Contact, ContactAccount, User
    from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment, StepRun
    from sales_actions.cadences.scheduler import cadences_tick
    from sales_actions.models import EmailTemplate, SalesEmail, Workspace

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    load_started = time.monotonic()
    with connection.cursor() as cursor:  # a clean slate in the bench's own database
        cursor.execute(
            "TRUNCATE sales_actions_steprun, sales_actions_enrolment, sales_actions_cadencestep,"
            " sales_actions_cadence, sales_actions_trackedlink, sales_actions_salesemail,"
            " sales_actions_sendbatch, accounts_task, accounts_activity, accounts_accountrollup,"
            " accounts_accountrollupdirty, accounts_contactaccount, accounts_contact,"
            " accounts_account CASCADE"
        )
    owner, _ = User.objects.get_or_create(
        username="bench-rep",
        defaults={"role": "sales_rep", "first_name": "Bench", "last_name": "Rep",
                  "email": "bench-rep@hub.example", "signature": "Bench Rep\nABM Hub",
                  "time_zone": "UTC"},
    )  # fmt: skip
    workspace, _ = Workspace.objects.get_or_create(name="Bench")
    template, _ = EmailTemplate.objects.get_or_create(
        name="Bench cadence email",
        defaults={
            "workspace": workspace,
            "kind": "sales",
            "subject": 'Quick question for {{ account.name|default:"you" }}',
            "body_html": '<p>Hi {{ contact.first_name|default:"there" }},</p><p>Teams at '
            '{{ account.name }} use <a href="https://example.com/guide">our guide</a> and '
            '<a href="https://example.com/pricing">pricing</a>.</p><p>{{ sender.signature }}</p>',
            "status": "approved",
            "lineage": uuid.uuid4(),
        },
    )
    from datetime import time as clock

    cadence = Cadence.objects.create(
        name="Bench cadence", owner=owner, skip_weekends=False,
        business_hours_start=clock(0, 0), business_hours_end=clock(23, 59, 59),
    )  # fmt: skip
    first = CadenceStep.objects.create(
        cadence=cadence, position=1, kind="auto_email", template=template
    )
    CadenceStep.objects.create(cadence=cadence, position=2, kind="call", day_offset=2)
    accounts = Account.objects.bulk_create(
        [
            Account(name=f"Bench Account {i}", domain=f"bench{i}.example")
            for i in range(-(-args.people // args.per_account))
        ],
        batch_size=2000,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                account=accounts[i // args.per_account], first_name=f"First{i}",
                last_name=f"Last{i}", email=f"bench{i}@mail.example",
            )
            for i in range(args.people)
        ],
        batch_size=5000,
    )  # fmt: skip
    ContactAccount.objects.bulk_create(
        [ContactAccount(contact=c, account_id=c.account_id, is_primary=True) for c in contacts],
        batch_size=5000,
    )
    due = timezone.now()
    Enrolment.objects.bulk_create(
        [
            Enrolment(cadence=cadence, contact=c, status="active", step=first, next_due_at=due,
                      enrolled_by=owner, enrolled_at=due)
            for c in contacts
        ],
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded {args.people:,} due enrolments in {time.monotonic() - load_started:.1f} s")
    connection.close()

    env = dict(os.environ)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "abm",
                "worker",
                "-c",
                str(args.concurrency),
                "-P",
                "prefork",
                "-n",
                f"cadbench{n}@%h",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )  # fmt: skip
        for n in range(args.workers)
    ]
    time.sleep(8)  # let the workers connect before the clock starts
    try:
        started = time.monotonic()
        tick = cadences_tick()
        print(f"tick: {tick}")
        remaining = args.people
        while remaining:
            time.sleep(0.25)
            remaining = Enrolment.objects.filter(status="active", next_due_at__lte=due).count()
            if time.monotonic() - started > 1800:
                sys.exit("timed out")
        elapsed = time.monotonic() - started
        runs = StepRun.objects.count()
        emails = SalesEmail.objects.count()
        print(
            f"advanced {args.people:,} enrolments in {elapsed:.1f} s "
            f"({args.people / elapsed:,.0f}/s): {runs:,} step runs, {emails:,} outbox rows, "
            f"{args.workers} workers x {args.concurrency} processes, batch {args.batch}"
        )
        assert runs == args.people and emails == args.people, "a step ran twice or not at all"
        while SalesEmail.objects.filter(status__in=["queued", "sending"]).exists():
            time.sleep(0.5)
            if time.monotonic() - started > 1800:
                sys.exit("timed out draining the outbox")
        print(f"outbox drained (dummy backend) {time.monotonic() - started:.1f} s after the tick")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
