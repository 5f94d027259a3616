"""Thin Celery wrappers around the buying-group services: ids in, idempotent by design."""

from celery import shared_task


@shared_task(name="buying_groups.scores_flush", ignore_result=True)
def scores_flush() -> dict:
    """Recompute the scores queued as dirty (the debounced incremental path)."""
    from buying_groups.services.scores import scores_flush_dirty

    return scores_flush_dirty()


@shared_task(name="buying_groups.scores_recompute_all", ignore_result=True)
def scores_recompute_all() -> dict:
    """The scheduled full recompute: one set-based statement per phase (see the service)."""
    from buying_groups.services.scores import scores_recompute_all as recompute

    return recompute()


@shared_task(name="buying_groups.generation_job_run", ignore_result=True)
def generation_job_run(job_id: int) -> None:
    """Run a generation job; finished jobs are left alone."""
    from buying_groups.services.generation import generation_job_run as run

    run(job_id=job_id)


@shared_task(
    name="buying_groups.summary_generate",
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def summary_generate(subject: str, object_id: int) -> None:
    """Write the AI summary of a group, contact or account if its data changed."""
    from buying_groups.services.summaries import summary_generate as generate

    generate(subject=subject, object_id=object_id)
