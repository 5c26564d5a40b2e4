"""Background work of pledges: opening a year for every village of a district."""

from celery import shared_task

from . import services


@shared_task
def open_year_job_run(job_pk: int) -> None:
    """Open the job's year in batches (services.open_year_job_run). Safe to run twice."""
    services.open_year_job_run(job_pk=job_pk)
