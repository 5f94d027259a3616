"""A real SMTP server (aiosmtpd) and a real Celery worker on Redis and PostgreSQL:
SIGKILL the worker mid-batch, restart it, and every recipient still ends with exactly
one message at the server and no outbox row lost."""

import collections
import socket
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tests.factories import AccountFactory, ContactFactory
from conftest import skip_or_fail
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory
from tests.workers import shared_database_url, worker_env, worker_kill, worker_start

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class Recorder:
    """An aiosmtpd handler that keeps every Message-ID it accepted, a little slowly."""

    def __init__(self, delay: float):
        self.delay = delay
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        import asyncio

        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.message_ids.append(str(message["Message-ID"]).strip())
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _services():
    if not settings.IS_POSTGRES:
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if not settings.REDIS_URL:
        skip_or_fail("needs Redis: set REDIS_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError:
        skip_or_fail(f"Redis at {settings.REDIS_URL} does not answer")


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_loses_nothing_and_sends_nothing_twice(send, sales_rep, settings):
    _services()
    from aiosmtpd.controller import Controller

    from abm.celery import app
    from sales_actions.services import sales_email_reconcile, sales_emails_sweep

    recorder = Recorder(delay=0.03)
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = worker_env(
        database_url=shared_database_url(),
        redis_url=settings.REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
    )
    settings.SALES_EMAIL_CHUNK_SIZE = 10
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = worker_start(env, pool="prefork")
    try:
        # Given a batch of 80 recipients handed to one worker
        template = EmailTemplateFactory()
        account = AccountFactory()
        ContactFactory.create_batch(80, account=account)
        result = send(user=sales_rep, template_id=template.pk, account_id=account.pk)
        total = len(result.queued)
        assert total == 80

        # When the worker is SIGKILLed mid-batch and started again
        wait_for(lambda: len(recorder.message_ids) >= 20, 60, "the first messages")
        worker_kill(worker)
        assert len(recorder.message_ids) < total
        worker = worker_start(env, pool="prefork")
        # The periodic sweep: stale "sending" rows become unknown, forgotten queued rows
        # are handed out again (the killed task's broker message is not needed).
        settings.SALES_EMAIL_SENDING_LEASE_SECONDS = 0
        settings.SALES_EMAIL_REQUEUE_SECONDS = 0
        sales_emails_sweep()
        # Beat runs the sweep every minute; here every second. The sweep requeues only
        # when the broker is idle, which may not be true on its first pass. Rows the new
        # worker is sending now keep their lease, so no sweep below can flip them.
        settings.SALES_EMAIL_SENDING_LEASE_SECONDS = 300

        def drained() -> bool:
            if not SalesEmail.objects.filter(status__in=["queued", "sending"]).exists():
                return True
            sales_emails_sweep()
            time.sleep(0.9)
            return False

        wait_for(drained, 90, "the outbox to drain")
        # The unknown rows are settled from the server's log, as an operator would.
        accepted = set(recorder.message_ids)
        for email in SalesEmail.objects.filter(status="unknown"):
            sales_email_reconcile(
                email=email, outcome="sent" if email.message_id in accepted else "resend"
            )
        wait_for(
            lambda: SalesEmail.objects.filter(status="sent").count() == total,
            60,
            "every row to be sent",
        )

        # Then every recipient got exactly one message and no row was lost
        rows = list(SalesEmail.objects.values_list("message_id", flat=True))
        assert len(rows) == total
        counts = collections.Counter(recorder.message_ids)
        assert set(counts) == set(rows)
        assert max(counts.values()) == 1
    finally:
        app.conf.task_always_eager = eager
        if worker.poll() is None:
            worker_kill(worker)
        controller.stop()
