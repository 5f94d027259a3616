"""Celery edges of best bets: the debounced refresh of marked people and the full rebuild."""

from __future__ import annotations

from abm.tasks import hub_task
from sales_actions.bestbets.services import bestbets_rebuild, bestbets_refresh_dirty


@hub_task(name="sales_actions.bestbets_refresh_dirty_task", ignore_result=True)
def bestbets_refresh_dirty_task() -> int:
    """After a burst of commits, and from beat: recompute the people marked dirty."""
    return bestbets_refresh_dirty()


@hub_task(name="sales_actions.bestbets_rebuild_task", ignore_result=True)
def bestbets_rebuild_task() -> int:
    """Beat, hourly: recompute everybody (points decay with time, not only with writes)."""
    return bestbets_rebuild().rows
