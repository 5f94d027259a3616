"""Thin Celery wrappers around the lead-scoring services."""

from abm.tasks import hub_task


@hub_task(name="accounts.lead_scores_flush_task", ignore_result=True)
def lead_scores_flush_task() -> dict:
    """Recompute the leads marked dirty (the debounced incremental path; beat's catch-up)."""
    from accounts.scoring.services import lead_scores_flush

    return lead_scores_flush()


@hub_task(name="accounts.lead_scores_recompute_all_task", ignore_result=True)
def lead_scores_recompute_all_task() -> dict:
    """Every lead's score, set-based (scheduled: points decay and expire with time)."""
    from django.core.cache import cache

    from accounts.scoring.services import RECOMPUTE_KEY, lead_scores_recompute_all

    cache.delete(RECOMPUTE_KEY)
    return lead_scores_recompute_all()


@hub_task(name="accounts.lead_scores_qualify_task", ignore_result=True)
def lead_scores_qualify_task() -> int:
    """Make the leads that crossed their threshold marketing-qualified (and tell owners)."""
    from accounts.scoring.services import lead_scores_qualify

    return lead_scores_qualify()
