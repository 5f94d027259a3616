"""Handing the hub event stream to its consumers (live feed, webhooks)."""

from __future__ import annotations

from abm.tasks import hub_task
from accounts.services.hub_events import hub_events_dispatch, hub_events_prune

__all__ = ["hub_events_dispatch_task", "hub_events_prune_task"]


@hub_task(name="accounts.hub_events_dispatch_task", ignore_result=True)
def hub_events_dispatch_task() -> int:
    """Queued after each commit that wrote events; beat runs it every 15 s as the catch-up."""
    return hub_events_dispatch()


@hub_task(name="accounts.hub_events_prune_task", ignore_result=True)
def hub_events_prune_task() -> int:
    """Drop dispatched events older than HUB_EVENTS_KEEP_DAYS (daily)."""
    return hub_events_prune()
