"""Thin Celery wrappers of the insights workers: ids in, idempotent by design.

Registered by ``analytics.apps.AnalyticsConfig.ready`` (Celery's autodiscovery looks at
``analytics.tasks`` only). A re-run recomputes the same rows to the same values.
"""

from __future__ import annotations

from abm.tasks import enqueue, hub_task


@hub_task(name="analytics.health_refresh_dirty_task", ignore_result=True)
def health_refresh_dirty_task() -> int:
    """Recompute the health of the accounts marked by recent changes (debounced)."""
    from analytics.insights.health import health_refresh_dirty

    return health_refresh_dirty()


@hub_task(name="analytics.health_recompute_chunk_task", ignore_result=True)
def health_recompute_chunk_task(first_id: int, last_id: int) -> int:
    """Recompute every account with an id in [first_id, last_id]."""
    from analytics.insights.health import health_recompute_range

    return health_recompute_range(first_id=first_id, last_id=last_id)


@hub_task(name="analytics.health_recompute_all_task", ignore_result=True)
def health_recompute_all_task() -> int:
    """The scheduled full recompute (recency decays with time): one task per id chunk."""
    from analytics.insights.health import health_chunks

    chunks = health_chunks()
    for first_id, last_id in chunks:
        enqueue(health_recompute_chunk_task, first_id, last_id)
    return len(chunks)


@hub_task(name="analytics.impact_credits_refresh_task", ignore_result=True)
def impact_credits_refresh_task() -> int:
    """Recompute every deal's attribution shares (late-arriving touches included)."""
    from analytics.insights.impact import credits_refresh

    return credits_refresh()


@hub_task(name="analytics.upsell_intent_refresh_task", ignore_result=True)
def upsell_intent_refresh_task() -> int:
    """Recompute the product intent of accounts with a won deal (the upsell list)."""
    from analytics.insights.upsell import upsell_intent_refresh

    return upsell_intent_refresh()
