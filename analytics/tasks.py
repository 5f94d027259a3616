"""Analyses that may run long run here: settings in, the result left in the cache."""

from abm.tasks import hub_task


@hub_task(name="analytics.analysis_run_task", ignore_result=True)
def analysis_run_task(kind: str, settings: dict) -> None:
    """Compute one analysis into the result cache (idempotent: the same key is rewritten)."""
    from analytics import engine
    from analytics.validation import settings_validate

    try:
        engine.run(kind=kind, settings=settings_validate(kind=kind, data=settings), use_cache=False)
    finally:
        engine.job_done(kind=kind, settings=settings_validate(kind=kind, data=settings))


@hub_task(name="analytics.firsts_refresh_dirty_task", ignore_result=True)
def firsts_refresh_dirty_task() -> int:
    """Recompute the lifecycle firsts of the accounts recent changes marked (debounced, and
    beat's catch-up); builds the table the first time it finds it never built."""
    from analytics.firsts.refresh import firsts_built, firsts_refresh_dirty

    if not firsts_built():
        return firsts_rebuild_task()
    return firsts_refresh_dirty()


@hub_task(name="analytics.firsts_rebuild_task", ignore_result=True)
def firsts_rebuild_task() -> int:
    """Recompute every account's lifecycle firsts (nightly; one run at a time)."""
    from django.core.cache import cache

    from analytics.firsts.refresh import firsts_rebuild

    if not cache.add("analytics:firsts:rebuilding", 1, 3 * 3600):
        return 0
    try:
        return firsts_rebuild()
    finally:
        cache.delete("analytics:firsts:rebuilding")
