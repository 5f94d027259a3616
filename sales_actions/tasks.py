"""Thin Celery wrappers around the outbox services (ids in, nothing out)."""

from __future__ import annotations

import random
import time

from celery import shared_task

from sales_actions.services.outbox import (
    TransientSendError,
    sales_emails_deliver,
    sales_emails_fail,
    sales_emails_sweep,
)

MAX_RETRIES = 5


def backoff(retries: int) -> float:
    """Exponential backoff with jitter: about 10 s, 20 s, 40 s, 80 s, 160 s."""
    return 10 * 2**retries * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def sales_emails_deliver_task(self, email_ids: list[int]) -> None:
    """Send these outbox rows; rows already past ``queued`` are left alone."""
    if self.request.is_eager:
        _deliver_inline(email_ids)
        return
    try:
        sales_emails_deliver(email_ids=email_ids)
    except TransientSendError as exc:
        if self.request.retries >= MAX_RETRIES:
            sales_emails_fail(email_ids=exc.email_ids, error=f"Gave up after retries: {exc}")
            return
        raise self.retry(
            args=[exc.email_ids], countdown=backoff(self.request.retries), exc=exc
        ) from exc


def _deliver_inline(email_ids: list[int]) -> None:
    """Eager mode (no broker): the same retries, waited for in-process, at most ~3 s each."""
    for attempt in range(MAX_RETRIES + 1):
        try:
            sales_emails_deliver(email_ids=email_ids)
            return
        except TransientSendError as exc:
            email_ids = exc.email_ids
            if attempt == MAX_RETRIES:
                sales_emails_fail(email_ids=email_ids, error=f"Gave up after retries: {exc}")
                return
            time.sleep(min(backoff(attempt), 3))


@shared_task
def sales_emails_sweep_task() -> None:
    """Settle stale ``sending`` rows as unknown and hand forgotten ``queued`` rows out again."""
    sales_emails_sweep()
