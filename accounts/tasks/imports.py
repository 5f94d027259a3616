"""Tasks for CSV imports."""

from celery import shared_task

from accounts.services.imports import import_job_run

__all__ = ["import_job_process"]


@shared_task(name="accounts.import_job_process_task")
def import_job_process(job_id: int) -> None:
    """Validate and write one import job; a repeated delivery finds it claimed and returns."""
    import_job_run(job_id=job_id)
