"""Large files: checked and imported by one Celery task each, with a progress figure; the
tasks are safe to run twice. With REDIS_URL set, a real worker runs them."""

import time

import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportJob
from ops.models import OutboxTask
from ops.services import send_outbox
from pledges.models import Project
from tests.factories import MembershipFactory, VillageFactory
from tests.ops.test_outage import CLOSED_PORT, broker_at
from villages.models import Membership

from .sheets import row, upload, xlsx_bytes


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PLEDGE_IMPORT_SYNC_ROWS = 5  # anything larger goes to the worker
    return tmp_path


def _setup(client):
    village = VillageFactory()
    cadre = MembershipFactory(role=Membership.Role.TOWNSHIP_CADRE, township=village.township)
    client.force_login(cadre.user)
    rows = [row(village.code, n, f"项目{n}") for n in range(1, 11)]
    rows += [row(village.code, n, f"不准{n}", kind="不准事项") for n in range(1, 6)]
    return village, xlsx_bytes(rows)


def _wait_for(job, statuses, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job stayed {job.status}")


@pytest.mark.django_db
def test_a_large_file_is_queued_and_checked_by_the_task(
    client, media, django_capture_on_commit_callbacks
):
    village, content = _setup(client)
    url = reverse("imports:township_import", args=[village.township.code])
    with django_capture_on_commit_callbacks(execute=True):  # the task runs in-process here
        response = client.post(url, {"year": 2026, "file": upload(content)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.counts == {"new": 15, "changed": 0, "unchanged": 0, "error": 0}
    status = client.get(reverse("imports:import_job_status", args=[job.pk])).json()
    assert status == {
        "status": "previewed",
        "status_label": "已检查",
        "running": False,
        "done": 15,
        "total": 15,
        "url": job.get_absolute_url(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Project.objects.count() == 10


@pytest.mark.django_db
def test_the_page_shows_a_progress_bar_while_the_worker_runs(client, media):
    village, content = _setup(client)
    client.post(
        reverse("imports:township_import", args=[village.township.code]),
        {"year": 2026, "file": upload(content)},
    )  # the commit callback (queueing) is not run: the job waits
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEW_QUEUED
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="import-progress"' in page
    assert "js/import-progress.js" in page
    assert "<script>" not in page  # no inline script: a CSP can forbid it


@pytest.mark.django_db
def test_the_tasks_are_safe_to_run_twice(client, media):
    village, content = _setup(client)
    client.post(
        reverse("imports:township_import", args=[village.township.code]),
        {"year": 2026, "file": upload(content)},
    )
    job = ImportJob.objects.get()
    services.import_job_check(job_pk=job.pk)
    services.import_job_check(job_pk=job.pk)  # delivered twice: claimed already, does nothing
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert services.import_job_confirm(job=job, by=job.created_by)
    assert not services.import_job_confirm(job=job, by=job.created_by)  # a second press
    services.import_job_import(job_pk=job.pk)
    services.import_job_import(job_pk=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Project.objects.count() == 10
    assert Project.history.count() == 10


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_large_file(client, media, celery_worker):
    village, content = _setup(client)
    client.post(
        reverse("imports:township_import", args=[village.township.code]),
        {"year": 2026, "file": upload(content)},
    )
    job = _wait_for(ImportJob.objects.get(), {ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED})
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert job.counts["new"] == 15
    assert services.job_progress(job)["done"] == 15  # the worker's figure, through the cache
    client.post(reverse("imports:import_job_confirm", args=[job.pk]))
    job = _wait_for(
        job, {ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.PREVIEWED}
    )
    assert job.status == ImportJob.Status.DONE, job.message
    assert Project.objects.filter(pledge_list__village=village).count() == 10
    assert job.confirmed_by == job.created_by


@pytest.mark.django_db
def test_a_broker_that_is_down_keeps_the_check_waiting_until_it_is_back(
    client, media, django_capture_on_commit_callbacks
):
    """No broker listens on port 1: the page answers at once, the job waits and its check is
    kept in the outbox (ops.services.enqueue); the sweeper sends it once the broker is back
    (here: in-process), and the job is checked."""
    village, content = _setup(client)
    started = time.monotonic()
    with broker_at(CLOSED_PORT), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:township_import", args=[village.township.code]),
            {"year": 2026, "file": upload(content)},
        )
    assert time.monotonic() - started < 15
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.PREVIEW_QUEUED
    kept = OutboxTask.objects.get()
    assert (kept.task, kept.args, kept.sent) == ("imports.tasks.import_job_check", [job.pk], None)
    assert send_outbox() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.counts["new"] == 15
