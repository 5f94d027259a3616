"""A real Celery worker on Redis and PostgreSQL advances cadences: SIGKILL it mid-run,
start it again, and every person's step ran exactly once (one StepRun, one message at
the SMTP server), none lost."""

import collections
import time
from datetime import time as clock_time

import pytest
from django.utils import timezone

from accounts.tests.factories import ContactFactory, UserFactory
from sales_actions.cadences import enrolment, services
from sales_actions.cadences.models import Enrolment, StepRun
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory
from sales_actions.tests.test_outbox_crash import Recorder, _services, free_port, wait_for
from tests.workers import shared_database_url, worker_env, worker_kill, worker_start

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
PEOPLE = 600


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_run_each_step_runs_once(settings):
    _services()
    import redis
    from aiosmtpd.controller import Controller

    from abm.celery import app
    from sales_actions.cadences.scheduler import cadences_tick
    from sales_actions.services import sales_email_reconcile, sales_emails_sweep

    recorder = Recorder(delay=0.002)
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = worker_env(
        database_url=shared_database_url(),
        redis_url=settings.REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        CADENCE_ADVANCE_BATCH="5",
        CADENCE_ADVANCE_TASKS="1",
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = worker_start(env, pool="prefork")
    try:
        # Given 600 people due for a one-email cadence
        owner = UserFactory()
        cadence = services.cadence_create(
            user=owner, name="Crash", skip_weekends=False,
            business_hours_start=clock_time(0, 0), business_hours_end=clock_time(23, 59, 59),
        )  # fmt: skip
        services.cadence_step_add(
            user=owner, cadence=cadence, kind="auto_email", template_id=EmailTemplateFactory().pk
        )
        contacts = ContactFactory.create_batch(PEOPLE)
        enrolment.enrolments_add(user=owner, cadence=cadence, contacts=contacts)
        Enrolment.objects.update(next_due_at=timezone.now())

        # When the worker is SIGKILLed while it advances them, and started again
        cadences_tick()
        wait_for(lambda: StepRun.objects.count() >= 30, 60, "the first steps")
        worker_kill(worker)
        assert StepRun.objects.count() < PEOPLE, "the kill came too late to prove anything"
        worker = worker_start(env, pool="prefork")
        cadences_tick()  # beat's next tick: the killed task's rows are still due

        def advanced() -> bool:
            if not Enrolment.objects.filter(status="active").exists():
                return True
            cadences_tick()
            time.sleep(1)
            return False

        wait_for(advanced, 120, "every person to be advanced")
        settings.SALES_EMAIL_SENDING_LEASE_SECONDS = 0
        settings.SALES_EMAIL_REQUEUE_SECONDS = 0
        sales_emails_sweep()
        settings.SALES_EMAIL_SENDING_LEASE_SECONDS = 300

        def drained() -> bool:
            if not SalesEmail.objects.filter(status__in=["queued", "sending"]).exists():
                return True
            sales_emails_sweep()
            time.sleep(0.9)
            return False

        wait_for(drained, 120, "the outbox to drain")
        accepted = set(recorder.message_ids)
        for email in SalesEmail.objects.filter(status="unknown"):
            sales_email_reconcile(
                email=email, outcome="sent" if email.message_id in accepted else "resend"
            )
        wait_for(lambda: SalesEmail.objects.filter(status="sent").count() == PEOPLE, 60, "all sent")

        # Then each person's step ran exactly once and each got exactly one message
        assert StepRun.objects.count() == PEOPLE
        assert set(Enrolment.objects.values_list("status", flat=True)) == {"finished"}
        per_enrolment = collections.Counter(StepRun.objects.values_list("enrolment_id", flat=True))
        assert max(per_enrolment.values()) == 1
        counts = collections.Counter(recorder.message_ids)
        assert set(counts) == set(SalesEmail.objects.values_list("message_id", flat=True))
        assert len(counts) == PEOPLE and max(counts.values()) == 1
    finally:
        app.conf.task_always_eager = eager
        if worker.poll() is None:
            worker_kill(worker)
        controller.stop()
