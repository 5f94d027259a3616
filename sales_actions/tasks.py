"""Thin Celery wrappers around the outbox services (ids in, nothing out)."""

from __future__ import annotations

from abm.tasks import TRANSIENT_ERRORS, hub_task
from sales_actions.services.outbox import (
    TransientSendError,
    sales_emails_deliver,
    sales_emails_fail,
    sales_emails_sweep,
)


@hub_task(
    name="sales_actions.sales_emails_deliver_task",
    bind=True,
    # The mail server's "try later" retries like a broker or database hiccup, with Celery's
    # backoff from 10 s (10, 20, 40, 80, 160 s, jittered). A retry resends only the rows
    # still ``queued``: the ones sent meanwhile are left alone.
    autoretry_for=(*TRANSIENT_ERRORS, TransientSendError),
    retry_backoff=10,
    acks_late=True,
    reject_on_worker_lost=True,
)
def sales_emails_deliver_task(self, email_ids: list[int]) -> None:
    """Send these outbox rows; rows already past ``queued`` are left alone."""
    retries = self.request.retries
    while True:
        try:
            sales_emails_deliver(email_ids=email_ids)
            return
        except TransientSendError as exc:
            if retries >= self.max_retries:
                sales_emails_fail(email_ids=exc.email_ids, error=f"Gave up after retries: {exc}")
                return
            if not self.request.is_eager:
                raise  # autoretry: Celery's backoff, then this task again
            # Eager mode has no worker to come back later (and Celery's eager retry raises
            # through the caller): try again here, at once.
            retries += 1


@hub_task(name="sales_actions.sales_emails_sweep_task")
def sales_emails_sweep_task() -> None:
    """Settle stale ``sending`` rows as unknown and hand forgotten ``queued`` rows out again."""
    sales_emails_sweep()
