"""Background work of the imports app: large Excel files (see services.py)."""

from celery import shared_task

from . import services


@shared_task
def import_job_check(job_pk: int) -> None:
    """The dry run of a large upload: fills the job's preview. Safe to run twice."""
    services.import_job_check(job_pk=job_pk)


@shared_task
def import_job_import(job_pk: int) -> None:
    """The all-or-nothing import of a confirmed upload. Safe to run twice."""
    services.import_job_import(job_pk=job_pk)
