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
