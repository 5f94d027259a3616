"""Thin Celery wrappers of the cadence worker (no arguments: each claims its own work)."""

from __future__ import annotations

from abm.tasks import hub_task
from sales_actions.cadences.scheduler import cadence_advance, cadences_tick


@hub_task(name="sales_actions.cadences_tick_task")
def cadences_tick_task() -> dict:
    """Beat: end replied/bounced people, wake finished tasks, queue advance workers."""
    return cadences_tick()


@hub_task(
    name="sales_actions.cadence_advance_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=270,
    time_limit=300,
)
def cadence_advance_task() -> int:
    """Run the due steps, a batch per transaction, until none is due."""
    return cadence_advance()
