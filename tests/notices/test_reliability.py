"""The reliability bars, with real processes: Celery workers on Redis (subprocesses that can
be killed, or the in-thread worker), PostgreSQL, a web server, a broker that is down, and
local SMTP and robot servers. `.ci/run` runs these; elsewhere they skip without the
services."""

import datetime
import importlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from notices import services
from notices.models import Delivery, Notice, NoticeRun
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory
from villages.models import Membership, Village

from .helpers import PERIOD, RobotServer, SMTPServer, village_with_work, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
Status = Delivery.Status


def _database_url() -> str:
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": app.conf.broker_url,
        "LOG_LEVEL": "WARNING",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """`celery -A config worker` in a process of its own (and its own session, so that it
    can be killed outright), on the test database and the test broker."""

    def __init__(self, tmp_path: Path, **env):
        self.name = f"notices-test-{uuid.uuid4().hex[:8]}@%h"
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],  # fmt: skip
            cwd=ROOT,
            env=_env(**env),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: "ready." in self.log.read_text() or self.process.poll() is not None, 60)
        assert self.process.poll() is None, self.log.read_text()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, the task in hand is neither finished nor acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _sweep() -> dict:
    return services.notices_sweep(stale=datetime.timedelta(0))


def _finish(villages, timeout: float = 90) -> None:
    """Run the sweeper (what beat does every 5 minutes) until every village is done."""

    def finished():
        if _all_done(villages):
            return True
        _sweep()
        return False

    wait_for(finished, timeout, interval=1.0)


def _all_done(villages) -> bool:
    """Every village has its notice and nothing is left pending."""
    have = Notice.objects.filter(period=PERIOD, village__in=villages).count()
    pending = Delivery.objects.filter(notice__period=PERIOD).exclude(status=Status.SENT)
    return have == len(villages) and not pending.exists()


def test_a_worker_killed_mid_batch_leaves_every_village_exactly_one_notice(tmp_path):
    app.control.purge()
    townships = [TownshipFactory() for _ in range(3)]
    villages = [
        village_with_work(township, by_email=True, emails=f"cun{i}@example.org")
        for township in townships
        for i in range(4)
    ]
    with SMTPServer(delay=0.25) as smtp:
        mail_env = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "NOTICE_CLAIM_SECONDS": 1}
        first = Worker(tmp_path, **mail_env)
        try:
            run = services.notice_run_create(period=PERIOD)
            # In the middle of the first township's batch: its notices are written and its
            # e-mails are going out, one every 0.25 s.
            wait_for(lambda: len(smtp.messages) >= 1, 60)
            first.kill()
        finally:
            first.stop()
        at_kill = (Notice.objects.count(), len(smtp.messages))
        assert at_kill[0] < len(villages) or Delivery.objects.exclude(status=Status.SENT).exists()

        second = Worker(tmp_path, **mail_env)
        try:
            time.sleep(1.2)  # the killed worker's claims lapse (NOTICE_CLAIM_SECONDS)
            _finish(villages)
        finally:
            second.stop()

    for village in villages:
        assert Notice.objects.filter(village=village, period=PERIOD).count() == 1
    assert Delivery.objects.filter(status=Status.SENT).count() == 2 * len(villages)
    received = [message["to"][0] for message in smtp.messages]
    assert set(received) == {f"cun{i}@example.org" for i in range(4)}
    assert Delivery.objects.filter(channel="email").count() == len(villages)
    # E-mail is at least once: only a message in flight at the kill may go twice.
    assert len(received) <= len(villages) + 1
    _sweep()
    run.refresh_from_db()
    assert run.completed_at is not None


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None,
        False, None, None, {},
    )  # fmt: skip


def _open(opener, url: str, data: dict | None = None) -> tuple[int, str, float]:
    started = time.monotonic()
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


def test_with_the_broker_down_pages_and_the_command_answer_and_nothing_is_lost(tmp_path):
    app.control.purge()
    township = TownshipFactory()
    villages = [village_with_work(township) for _ in range(3)]
    other = TownshipFactory(district=township.district)
    villages += [village_with_work(other) for _ in range(2)]
    cadre = MembershipFactory(role=Membership.Role.TOWNSHIP_CADRE, township=township).user
    broker_down = {"CELERY_BROKER_URL": f"redis://127.0.0.1:{_free_port()}/0"}

    # The command: answers at once and keeps the request.
    started = time.monotonic()
    command = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "send_monthly_notices",
            "--period",
            PERIOD,
            "--township",
            other.code,
        ],  # fmt: skip
        cwd=ROOT,
        env=_env(**broker_down),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert command.returncode == 0, command.stderr
    assert "The queue is not available" in command.stderr
    assert time.monotonic() - started < 20

    # The web app: pages answer, and "send now" keeps the request.
    client = Client()
    client.force_login(cadre)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=_env(**broker_down),
        stdout=(tmp_path / "runserver.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _probe(f"{base}/healthz/"), 60, interval=0.3)
        jar = CookieJar()
        jar.set_cookie(_cookie("sessionid", client.cookies["sessionid"].value))
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page_url = base + reverse("notices:township_notices", args=[township.code])
        status, html, seconds = _open(opener, f"{page_url}?period={PERIOD}")
        assert (status, seconds < 10) == (200, True)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, html, seconds = _open(
            opener,
            base + reverse("notices:send_now", args=[township.code]),
            {"period": PERIOD, "confirmed": "1", "csrfmiddlewaretoken": token},
        )
        assert (status, seconds < 10) == (200, True)  # the redirect, followed
        assert "发送队列暂时不可用" in html
        status, _html, _seconds = _open(opener, f"{base}/board/")
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)

    assert NoticeRun.objects.count() == 2
    assert not Notice.objects.exists()

    # The schedule fired while Redis was down: beat recorded the run, the task never came.
    if not PeriodicTask.objects.filter(task=services.FIRE_TASK).exists():
        importlib.import_module("notices.migrations.0002_default_schedule").create_schedule(
            django_apps, None
        )
    PeriodicTask.objects.filter(task=services.FIRE_TASK).update(
        last_run_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    late = VillageFactory(township=TownshipFactory(district=township.district))

    # The broker is back: the sweeper sends everything, once.
    worker = Worker(tmp_path)
    try:
        result = _sweep()
        assert result["monthly"] is True
        everyone = [*villages, late]
        _finish(everyone)
    finally:
        worker.stop()
    assert Notice.objects.count() == len(everyone) == Village.objects.count()


def _probe(url: str) -> bool:
    """The server answers (whatever it says: /healthz/ reports the broker down)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_a_webhook_that_times_out_or_fails_is_retried_and_recorded_and_the_rest_delivered(
    celery_worker, settings
):
    app.control.purge()
    settings.NOTICE_ROBOT_HOSTS = ["127.0.0.1"]
    settings.NOTICE_WEBHOOK_TIMEOUT = 0.5
    settings.NOTICE_RETRY_BASE_SECONDS = 0.2
    settings.NOTICE_MAX_ATTEMPTS = 3
    township = TownshipFactory()
    cadre = MembershipFactory(role=Membership.Role.TOWNSHIP_CADRE, township=township).user
    with RobotServer(slow_seconds=1.5) as server:
        robot = {"robot": "own", "robot_kind": "wecom"}
        failing = village_with_work(
            township, by_email=True, emails="a@example.org", **robot, robot_url=server.url("/fail")
        )
        slow = village_with_work(township, **robot, robot_url=server.url("/slow"))
        fine = village_with_work(township, **robot, robot_url=server.url("/ok"))
        services.notice_run_create(period=PERIOD, township=township)

        def robot_status(village):
            robot = Delivery.objects.filter(notice__village=village, channel="robot")
            return robot.values_list("status", flat=True).first()

        wait_for(
            lambda: (
                (robot_status(failing), robot_status(slow), robot_status(fine))
                == (Status.FAILED, Status.FAILED, Status.SENT)
            ),
            60,
        )
        assert len(server.hits("/fail")) == 3
        assert len(server.hits("/slow")) == 3
        assert len(server.hits("/ok")) == 1
        # The other channels went out at once, whatever the robots did.
        assert not Delivery.objects.exclude(channel="robot").exclude(status=Status.SENT).exists()
        failed = Delivery.objects.get(notice__village=failing, channel="robot")
        assert (failed.attempts, failed.last_error) == (3, "HTTP 500 Internal Server Error")
        assert (
            "秒内没有响应" in Delivery.objects.get(notice__village=slow, channel="robot").last_error
        )

        client = Client()
        client.force_login(cadre)
        page = client.get(reverse("notices:failures", args=[township.code]))
        assert "HTTP 500 Internal Server Error" in page.content.decode()
        assert len(page.context["deliveries"]) == 2

        server.healthy = True
        client.post(reverse("notices:resend_all", args=[township.code]))
        wait_for(lambda: not Delivery.objects.exclude(status=Status.SENT).exists(), 30)
        assert len(server.hits("/fail")) == 4
