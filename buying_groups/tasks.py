"""Thin Celery wrappers around the buying-group services: ids in, idempotent by design."""

import logging

from abm.tasks import TRANSIENT_ERRORS, hub_task

log = logging.getLogger(__name__)


@hub_task(name="buying_groups.scores_flush_task", ignore_result=True)
def scores_flush_task() -> dict:
    """Recompute the scores queued as dirty (the debounced incremental path)."""
    from buying_groups.services.scores import scores_flush_dirty

    return scores_flush_dirty()


@hub_task(name="buying_groups.scores_recompute_all_task", ignore_result=True)
def scores_recompute_all_task() -> dict:
    """The scheduled full recompute: one set-based statement per phase (see the service)."""
    from buying_groups.services.scores import scores_recompute_all

    return scores_recompute_all()


@hub_task(name="buying_groups.generation_job_run_task", ignore_result=True)
def generation_job_run_task(job_id: int) -> None:
    """Run a generation job; finished jobs are left alone."""
    from buying_groups.services.generation import generation_job_run

    generation_job_run(job_id=job_id)


@hub_task(name="buying_groups.generation_jobs_requeue_task", ignore_result=True)
def generation_jobs_requeue_task() -> int:
    """Hand out again generation jobs whose message was lost with the broker (a job never
    started after two minutes); a twin run skips the groups the other one created."""
    from datetime import timedelta

    from django.utils import timezone

    from abm.tasks import enqueue
    from buying_groups.models import GenerationJob

    cutoff = timezone.now() - timedelta(seconds=120)
    ids = list(
        GenerationJob.objects.filter(
            status=GenerationJob.Status.PENDING, started_at__isnull=True, created_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )
    return sum(1 for pk in ids if enqueue(generation_job_run_task, pk))


@hub_task(
    name="buying_groups.summary_generate_task",
    bind=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def summary_generate_task(self, subject: str, object_id: int) -> None:
    """Write the AI summary of a group, contact or account if its data changed.

    A failure is recorded for the page (an error instead of "Writing…" forever); only
    transient errors are retried, and recorded once the retries are spent.
    """
    from buying_groups.services.summaries import summary_failed, summary_generate

    try:
        summary_generate(subject=subject, object_id=object_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise
        summary_failed(subject=subject, object_id=object_id, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - any other failure is shown, not retried
        log.exception("summary of %s %s failed", subject, object_id)
        summary_failed(subject=subject, object_id=object_id, error=str(exc) or type(exc).__name__)
