"""Thin Celery wrappers around the buying-group services: ids in, idempotent by design."""

from celery import shared_task
from django.db import transaction


@shared_task(name="buying_groups.scores_flush", ignore_result=True)
def scores_flush() -> dict:
    """Recompute the scores queued as dirty (the debounced incremental path)."""
    from buying_groups.services.scores import scores_flush_dirty

    return scores_flush_dirty()


@shared_task(name="buying_groups.scores_recompute_all", ignore_result=True)
def scores_recompute_all() -> int:
    """Fan the full recompute out as one task per chunk of contact and group ids."""
    from buying_groups.services.scores import contact_chunks, group_chunks

    chunks = 0
    for lo, hi in contact_chunks():
        scores_recompute_contacts.delay(lo, hi)
        chunks += 1
    for lo, hi in group_chunks():
        scores_recompute_groups.delay(lo, hi)
        chunks += 1
    return chunks


@shared_task(name="buying_groups.scores_recompute_contacts", ignore_result=True)
def scores_recompute_contacts(lo: int, hi: int) -> int:
    from buying_groups.services.scores import contacts_recompute

    with transaction.atomic():
        return contacts_recompute(lo=lo, hi=hi, only_changed=True)


@shared_task(name="buying_groups.scores_recompute_groups", ignore_result=True)
def scores_recompute_groups(lo: int, hi: int) -> int:
    from buying_groups.services.scores import groups_recompute

    with transaction.atomic():
        return groups_recompute(lo=lo, hi=hi)


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
