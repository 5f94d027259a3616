"""Celery tasks of webhooks (imported by ``accounts.apps`` so the worker registers them)."""

from __future__ import annotations

from abm.tasks import enqueue, hub_task
from accounts.webhooks.sender import webhooks_send_due
from accounts.webhooks.services import webhooks_send_soon_clear

__all__ = ["webhooks_send_due_task"]


@hub_task(name="accounts.webhooks_send_due_task", ignore_result=True)
def webhooks_send_due_task() -> int:
    """Send what is due; queued after each commit that added deliveries, by replay, and
    by beat every 15 s (retries whose time came, and the catch-up after an outage)."""
    webhooks_send_soon_clear()
    sent, more = webhooks_send_due()
    if more:
        enqueue(webhooks_send_due_task)
    return sent
