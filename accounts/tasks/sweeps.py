"""Catch-up for jobs queued while the broker was down (beat runs it every minute)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from abm.tasks import enqueue, hub_task
from accounts.models import ImportJob

__all__ = ["import_jobs_requeue_task"]

# A job still waiting this long after it was created lost its message (Redis went away
# before a worker took it). Handing it out twice is harmless: a run claims the job first.
LOST_AFTER_SECONDS = 120


def import_jobs_requeue(*, older_than_seconds: int = LOST_AFTER_SECONDS) -> int:
    """Queue again every import job still pending after ``older_than_seconds``."""
    from accounts.tasks.imports import import_job_process

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if enqueue(import_job_process, pk))


@hub_task(name="accounts.import_jobs_requeue_task", ignore_result=True)
def import_jobs_requeue_task() -> int:
    """Hand out again import jobs whose message was lost with the broker."""
    return import_jobs_requeue()
