"""Sales-email throughput: 10,000 personalized emails to a local SMTP server.

Two real Celery workers (Redis broker) send through Django's SMTP backend to an
aiosmtpd server in this process; the figure is emails accepted by the server per
second, from the first send request until the outbox is drained.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_email_bench \
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/sales_email_bench.py [--emails N]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Counter:
    """aiosmtpd handler: counts accepted messages and distinct Message-IDs."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.ids: set[str] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        content = envelope.original_content or envelope.content
        head = content.split(b"\r\n\r\n", 1)[0]
        message_id = next(
            (
                line.split(b":", 1)[1].strip()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"message-id:")
            ),
            b"",
        )
        with self.lock:
            self.count += 1
            self.ids.add(message_id.decode())
        return "250 2.0.0 Ok"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--per-account", type=int, default=500)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL, a database of your own) and REDIS_URL.")

    from aiosmtpd.controller import Controller

    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "abm.settings",
            "DEBUG": "1",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SALES_EMAIL_CHUNK_SIZE": "50",
        }
    )
    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every line
    import redis
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Account, Contact, ContactAccount, User
    from sales_actions.models import EmailTemplate, SalesEmail, Workspace
    from sales_actions.services import sales_email_send

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    with connection.cursor() as cursor:  # a clean slate in the bench's own database
        cursor.execute(
            "TRUNCATE sales_actions_salesemail, sales_actions_sendbatch, accounts_activity, "
            "accounts_contactaccount, accounts_contact, accounts_account CASCADE"
        )

    sender, _ = User.objects.get_or_create(
        username="bench-rep",
        defaults={"role": "sales_rep", "first_name": "Bench", "last_name": "Rep",
                  "email": "bench-rep@hub.example", "signature": "Bench Rep\nABM Hub"},
    )  # fmt: skip
    workspace, _ = Workspace.objects.get_or_create(name="Bench")
    template, _ = EmailTemplate.objects.get_or_create(
        name="Bench follow-up",
        defaults={
            "workspace": workspace,
            "kind": "sales",
            "subject": 'Quick question for {{ account.name|default:"you" }}',
            "body_html": '<p>Hi {{ contact.first_name|default:"there" }},</p><p>Teams at '
            '{{ account.name }} use <a href="https://example.com/guide">our guide</a> and '
            '<a href="https://example.com/pricing">pricing</a>.</p><p>{{ sender.signature }}</p>',
            "status": "approved",
            "lineage": __import__("uuid").uuid4(),
        },
    )
    accounts = Account.objects.bulk_create(
        [
            Account(name=f"Bench Account {i}", domain=f"bench{i}.example")
            for i in range(-(-args.emails // args.per_account))
        ]
    )
    contacts = []
    for i in range(args.emails):
        account = accounts[i // args.per_account]
        contacts.append(
            Contact(
                account=account,
                first_name=f"First{i}",
                last_name=f"Last{i}",
                email=f"bench{i}@mail.example",
            )
        )
    contacts = Contact.objects.bulk_create(contacts, batch_size=2000)
    ContactAccount.objects.bulk_create(
        [ContactAccount(contact=c, account_id=c.account_id, is_primary=True) for c in contacts],
        batch_size=2000,
    )
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
                "1",
                "-P",
                "prefork",
                "-n",
                f"bench{n}@%h",
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
    time.sleep(6)  # let the workers connect before the clock starts
    try:
        started = time.monotonic()
        for account in accounts:
            sales_email_send(user=sender, template_id=template.pk, account_id=account.pk)
        queued = time.monotonic()
        while counter.count < args.emails:
            time.sleep(0.05)
            if time.monotonic() - started > 1800:
                sys.exit("timed out")
        finished = time.monotonic()
        while SalesEmail.objects.exclude(status="sent").exists():
            time.sleep(0.1)
        settled = time.monotonic()
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()

    sent = SalesEmail.objects.filter(status="sent").count()
    print(
        f"emails: {args.emails}, workers: {args.workers} x concurrency {args.concurrency}, "
        "chunk: 50"
    )
    print(f"queued (render + outbox rows): {queued - started:.1f} s")
    print(f"accepted by the SMTP server: {counter.count} ({len(counter.ids)} distinct Message-IDs)")
    print(f"outbox rows sent: {sent}")
    print(
        f"all accepted after {finished - started:.1f} s; "
        f"outbox settled after {settled - started:.1f} s"
    )
    print(f"throughput: {args.emails / (finished - started):.0f} emails/s")


if __name__ == "__main__":
    main()
