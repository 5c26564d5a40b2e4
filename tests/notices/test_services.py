"""Runs, deliveries, retries, robots, the sweeper and the schedule (tasks run in-process)."""

import base64
import datetime
import hashlib
import hmac
import io
import json
import urllib.parse

from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notices import services
from notices.channels import DeliveryError, RateLimited, post_robot
from notices.models import (
    CalendarDay,
    Delivery,
    Notice,
    NoticeRun,
    TownshipNoticeSettings,
    VillageNoticeSettings,
)
from notices.workdays import is_working_day, next_working_day
from tests.factories import DistrictFactory, TownshipFactory, VillageFactory

from .helpers import PERIOD, RobotServer, aware, village_with_work

Status = Delivery.Status
Channel = Delivery.Channel
LOCAL_ROBOTS = {"NOTICE_ROBOT_HOSTS": ["127.0.0.1"], "NOTICE_WEBHOOK_TIMEOUT": 0.5}


def statuses(notice) -> dict:
    return dict(notice.deliveries.values_list("channel", "status"))


class RunTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.villages = [
            village_with_work(cls.township, by_email=True, emails="a@example.org, b@example.org")
            for _ in range(3)
        ]
        cls.other_township = TownshipFactory(district=cls.township.district)
        cls.outside = village_with_work(cls.other_township)

    def run_now(self, **kwargs) -> NoticeRun:
        with self.captureOnCommitCallbacks(execute=True):
            return services.notice_run_create(period=PERIOD, **kwargs)

    def test_a_township_run_writes_and_delivers_one_notice_per_village(self):
        run = self.run_now(township=self.township)
        self.assertIsNone(run.queue_error)
        notices = Notice.objects.filter(period=PERIOD)
        self.assertEqual(
            set(notices.values_list("village", flat=True)), {v.pk for v in self.villages}
        )
        for notice in notices:
            self.assertEqual(statuses(notice), {"inbox": "sent", "email": "sent"})
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual(mail.outbox[0].to, ["a@example.org", "b@example.org"])
        self.assertIn(PERIOD, mail.outbox[0].subject)

    def test_running_it_again_sends_nothing_twice(self):
        for _ in range(3):
            self.run_now(township=self.township)
            self.run_now(village=self.villages[0])
        self.assertEqual(Notice.objects.filter(period=PERIOD).count(), 3)
        self.assertEqual(Delivery.objects.count(), 6)
        self.assertEqual(len(mail.outbox), 3)

    def test_one_village(self):
        self.run_now(village=self.villages[1])
        self.assertEqual(
            list(Notice.objects.values_list("village", flat=True)), [self.villages[1].pk]
        )

    def test_every_village(self):
        run = self.run_now()
        self.assertEqual(Notice.objects.count(), 4)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(services.notice_run_continue(run=run), 0)
        run.refresh_from_db()
        self.assertIsNotNone(run.completed_at)

    def test_a_village_without_settings_gets_the_inbox_and_its_own_address(self):
        village = VillageFactory(township=self.other_township, email="cun@example.org")
        self.run_now(village=village)
        self.assertEqual(
            statuses(Notice.objects.get(village=village)), {"inbox": "sent", "email": "sent"}
        )


class FailureTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.village = village_with_work(cls.township, by_email=True, emails="cun@example.org")

    def generate(self):
        run = NoticeRun.objects.create(period=PERIOD, township=self.township)
        with self.captureOnCommitCallbacks(execute=True):
            return services.notices_generate_and_deliver(run=run, township=self.township)

    @override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,  # nothing listens: connection refused
        NOTICE_MAX_ATTEMPTS=3,
    )
    def test_a_failing_channel_is_retried_then_failed_and_never_blocks_the_inbox(self):
        counts = self.generate()
        self.assertEqual(counts["failed"], 1)
        notice = Notice.objects.get()
        email = notice.deliveries.get(channel=Channel.EMAIL)
        self.assertEqual((email.status, email.attempts), (Status.PENDING, 1))
        self.assertIn("ConnectionRefusedError", email.last_error)
        self.assertGreater(email.next_attempt_at, timezone.now())  # backoff: 60 s, then 120 s
        self.assertEqual(statuses(notice)["inbox"], Status.SENT)
        for attempt in (2, 3):
            self.assertEqual(services.delivery_attempt(delivery_id=email.pk), "failed")
            email.refresh_from_db()
            self.assertEqual(email.attempts, attempt)
        self.assertEqual(email.status, Status.FAILED)
        self.assertEqual(services.delivery_attempt(delivery_id=email.pk), "not pending")

        with self.settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            with self.captureOnCommitCallbacks(execute=True):
                self.assertTrue(services.delivery_resend(delivery=email))
            email.refresh_from_db()
            self.assertEqual(email.status, Status.SENT)
            self.assertEqual(email.last_error, "")
            self.assertEqual(len(mail.outbox), 1)

    @override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=9,
    )
    def test_an_unreachable_mail_server_fails_the_whole_batch_at_once(self):
        village_with_work(self.township, by_email=True, emails="cun2@example.org")
        self.assertEqual(self.generate()["failed"], 2)
        emails = Delivery.objects.filter(channel=Channel.EMAIL)
        self.assertEqual(set(emails.values_list("status", "attempts")), {(Status.PENDING, 1)})
        self.assertEqual(len({e.last_error for e in emails}), 1)
        self.assertEqual(
            Delivery.objects.filter(channel=Channel.INBOX, status=Status.SENT).count(), 2
        )

    def test_a_claimed_delivery_is_not_sent_by_a_second_worker(self):
        self.generate()
        email = Delivery.objects.get(channel=Channel.EMAIL)
        Delivery.objects.filter(pk=email.pk).update(status=Status.PENDING)
        claimed = Delivery.objects.filter(pk=email.pk).claim()
        self.assertEqual(len(claimed), 1)
        self.assertEqual(Delivery.objects.filter(pk=email.pk).claim(), [])
        self.assertEqual(services.delivery_attempt(delivery_id=email.pk), "not pending")


@override_settings(**LOCAL_ROBOTS)
class RobotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(name="海龙镇")

    def setUp(self):
        cache.clear()  # the robots' per-minute budgets

    def test_wechat_work_text_message(self):
        with RobotServer() as server:
            robot = TownshipNoticeSettings(robot_kind="wecom", robot_url=server.url("/ok"))
            post_robot(robot, "通报" * 2000)
        (request,) = server.requests
        self.assertEqual(request["json"]["msgtype"], "text")
        content = request["json"]["text"]["content"]
        self.assertLessEqual(len(content.encode()), 2048)  # WeChat Work's limit
        self.assertTrue(content.endswith("…"))

    def test_dingtalk_signing(self):
        secret = "SECtest0123456789"
        with RobotServer() as server:
            robot = TownshipNoticeSettings(
                robot_kind="dingtalk", robot_url=server.url("/ok"), robot_secret=secret
            )
            post_robot(robot, "月度通报")
        query = server.requests[0]["query"]
        timestamp, sign = query["timestamp"][0], query["sign"][0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        self.assertEqual(sign, expected)  # parse_qs has already url-decoded it
        self.assertEqual(urllib.parse.unquote_plus(urllib.parse.quote_plus(expected)), sign)

    def test_errors_say_what_happened(self):
        with RobotServer(slow_seconds=2) as server:
            for path, message in [
                ("/fail", "HTTP 500"),
                ("/slow", "0.5 秒内没有响应"),
                ("/missing", "HTTP 404"),
            ]:
                robot = TownshipNoticeSettings(robot_kind="wecom", robot_url=server.url(path))
                with self.subTest(path=path), self.assertRaisesMessage(DeliveryError, message):
                    post_robot(robot, "x")
            robot = TownshipNoticeSettings(robot_kind="dingtalk", robot_url=server.url("/limited"))
            with self.assertRaises(RateLimited) as limited:
                post_robot(robot, "x")
            self.assertEqual(limited.exception.retry_after, 600)  # DingTalk blocks 10 minutes

    @override_settings(NOTICE_ROBOT_PER_MINUTE=3)
    def test_each_robot_keeps_within_its_rate_limit(self):
        with RobotServer() as server:
            robot = TownshipNoticeSettings(robot_kind="wecom", robot_url=server.url("/ok"))
            for _ in range(3):
                post_robot(robot, "x")
            with self.assertRaises(RateLimited):
                post_robot(robot, "x")
            other = TownshipNoticeSettings(robot_kind="wecom", robot_url=server.url("/other"))
            with self.assertRaisesMessage(DeliveryError, "HTTP 404"):  # its own budget
                post_robot(other, "x")
        self.assertEqual(len(server.requests), 4)

    @override_settings(NOTICE_ROBOT_HOSTS=["qyapi.weixin.qq.com"])
    def test_only_robot_hosts_are_called(self):
        robot = TownshipNoticeSettings(robot_kind="wecom", robot_url="http://127.0.0.1:9/x")
        with self.assertRaisesMessage(DeliveryError, "机器人地址不是企业微信或钉钉的地址"):
            post_robot(robot, "x")

    def test_villages_sharing_the_township_robot_get_one_summary(self):
        with RobotServer() as server:
            TownshipNoticeSettings.objects.create(
                township=self.township, robot_kind="wecom", robot_url=server.url("/ok")
            )
            villages = [village_with_work(self.township, robot="township") for _ in range(4)]
            own = village_with_work(
                self.township, robot="own", robot_kind="dingtalk", robot_url=server.url("/ok-own")
            )
            with self.captureOnCommitCallbacks(execute=True):
                services.notice_run_create(period=PERIOD, township=self.township)
        self.assertEqual(len(server.requests), 2)  # one summary, one village's own robot
        (summary,) = server.hits("/ok")
        text = summary["json"]["text"]["content"]
        self.assertIn("4", text.splitlines()[0])
        for village in villages:
            self.assertIn(village.name, text)
        (own_message,) = server.hits("/ok-own")
        self.assertIn(own.name, own_message["json"]["text"]["content"])
        self.assertFalse(Delivery.objects.exclude(status=Status.SENT).exists())
        self.assertEqual(Notice.objects.filter(village=own).count(), 1)

    def test_a_township_without_a_robot_fails_the_shared_deliveries_visibly(self):
        village = village_with_work(self.township, robot="township")
        with self.captureOnCommitCallbacks(execute=True):
            services.notice_run_create(period=PERIOD, village=village)
        robot = Delivery.objects.get(channel=Channel.ROBOT)
        self.assertEqual((robot.status, robot.attempts), (Status.PENDING, 1))
        self.assertEqual(robot.last_error, "镇（街道）尚未设置群机器人。")
        self.assertEqual(Delivery.objects.get(channel=Channel.INBOX).status, Status.SENT)


class SweeperTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory()
        cls.villages = [village_with_work(cls.township) for _ in range(2)]

    def sweep(self, **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return services.notices_sweep(**kwargs)

    def test_it_finishes_a_run_whose_tasks_were_lost(self):
        run = NoticeRun.objects.create(period=PERIOD, township=self.township)  # never queued
        self.assertEqual(self.sweep()["batches"], 0)  # not stale yet
        self.assertEqual(self.sweep(stale=datetime.timedelta(0))["batches"], 1)
        self.assertEqual(Notice.objects.count(), 2)
        self.sweep(stale=datetime.timedelta(0))
        run.refresh_from_db()
        self.assertIsNotNone(run.completed_at)

    def test_a_run_due_later_waits_for_its_day(self):
        NoticeRun.objects.create(
            period=PERIOD,
            township=self.township,
            due_at=timezone.now() + datetime.timedelta(days=2),
        )
        self.sweep(stale=datetime.timedelta(0))
        self.assertEqual(Notice.objects.count(), 0)
        self.sweep(now=timezone.now() + datetime.timedelta(days=3), stale=datetime.timedelta(0))
        self.assertEqual(Notice.objects.count(), 2)

    def test_it_sends_deliveries_left_pending(self):
        run = NoticeRun.objects.create(period=PERIOD, township=self.township)
        services.notices_generate(run=run, township=self.township)  # the worker died here
        self.assertEqual(Delivery.objects.filter(status=Status.PENDING).count(), 2)
        self.assertEqual(self.sweep(stale=datetime.timedelta(0))["deliveries"], 2)
        self.assertEqual(Delivery.objects.filter(status=Status.SENT).count(), 2)

    def test_it_starts_the_month_when_beat_fired_but_the_broker_was_down(self):
        task = PeriodicTask.objects.get(task="notices.tasks.fire_monthly_notices")
        fired = timezone.now() - datetime.timedelta(minutes=30)
        PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=fired)
        result = self.sweep(stale=datetime.timedelta(minutes=10))
        self.assertTrue(result["monthly"])
        run = NoticeRun.objects.get(township=None, village=None)
        self.assertEqual(run.period, timezone.localtime(fired).strftime("%Y-%m"))
        self.assertFalse(self.sweep(stale=datetime.timedelta(minutes=10))["monthly"])


class ScheduleTests(TestCase):
    def test_the_default_schedule_is_in_the_database(self):
        task = PeriodicTask.objects.get(task="notices.tasks.fire_monthly_notices")
        crontab = task.crontab
        self.assertEqual(
            (crontab.minute, crontab.hour, crontab.day_of_month, str(crontab.timezone)),
            ("0", "9", "1", "Asia/Shanghai"),
        )
        self.assertEqual(json.loads(task.kwargs), {"move_to_working_day": True})
        sweeper = PeriodicTask.objects.get(task="notices.tasks.sweep_notices")
        self.assertEqual((sweeper.interval.every, sweeper.interval.period), (5, "minutes"))

    def test_a_holiday_moves_the_notices_to_the_next_working_day(self):
        # 1 October 2026: National Day; the holiday runs to the 7th (chinese-calendar).
        run = services.notice_run_monthly(now=aware(datetime.date(2026, 10, 1)))
        due = timezone.localtime(run.due_at)
        self.assertEqual((due.date(), due.hour), (datetime.date(2026, 10, 8), 9))
        self.assertEqual(run.period, "2026-10")
        run = services.notice_run_monthly(
            now=aware(datetime.date(2026, 10, 1)), move_to_working_day=False
        )
        self.assertEqual(timezone.localtime(run.due_at).date(), datetime.date(2026, 10, 1))

    def test_a_working_day_fires_at_once(self):
        run = services.notice_run_monthly(now=aware(datetime.date(2026, 6, 1)))  # a Monday
        self.assertEqual(timezone.localtime(run.due_at).date(), datetime.date(2026, 6, 1))

    def test_years_the_package_does_not_know_fall_back_to_the_table_then_weekdays(self):
        self.assertTrue(is_working_day(datetime.date(2027, 5, 3)))  # Monday, no data: weekday
        self.assertEqual(next_working_day(datetime.date(2027, 5, 1)), datetime.date(2027, 5, 3))
        CalendarDay.objects.create(date=datetime.date(2027, 5, 3), is_working_day=False)
        CalendarDay.objects.create(date=datetime.date(2027, 5, 8), is_working_day=True)  # Sat
        self.assertEqual(next_working_day(datetime.date(2027, 5, 1)), datetime.date(2027, 5, 4))
        self.assertTrue(is_working_day(datetime.date(2027, 5, 8)))
        run = services.notice_run_monthly(now=aware(datetime.date(2027, 5, 1)))
        self.assertEqual(timezone.localtime(run.due_at).date(), datetime.date(2027, 5, 4))


class CommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.township = TownshipFactory(code="520302015")
        cls.village = village_with_work(cls.township, name="龙江村")
        cls.other = village_with_work(TownshipFactory(district=cls.township.district))

    def call(self, *args) -> str:
        out = io.StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("send_monthly_notices", *args, stdout=out, stderr=out)
        return out.getvalue()

    def test_a_dry_run_writes_nothing(self):
        out = self.call("--period", PERIOD, "--dry-run")
        self.assertIn("2 notices would be written", out)
        self.assertIn("月度通报", out)
        self.assertFalse(Notice.objects.exists())
        self.assertFalse(NoticeRun.objects.exists())

    def test_one_township(self):
        out = self.call("--period", PERIOD, "--township", "520302015")
        self.assertIn(f"queued for {PERIOD}: 1 villages", out)
        self.assertEqual(list(Notice.objects.values_list("village", flat=True)), [self.village.pk])

    def test_every_village(self):
        self.call("--period", PERIOD)
        self.assertEqual(Notice.objects.count(), 2)

    def test_bad_input_says_what_to_fix(self):
        with self.assertRaisesMessage(CommandError, "YYYY-MM"):
            self.call("--period", "2026-13")
        with self.assertRaisesMessage(CommandError, "No township"):
            self.call("--township", "999999999")


class SeedTests(TestCase):
    def test_the_demo_district_gets_last_months_notices_in_the_inbox(self):
        township = TownshipFactory(district=DistrictFactory(code="520302"))
        village_with_work(township)
        village_with_work(township, by_email=True, emails="cun@example.org")
        out = io.StringIO()
        call_command("seed_notices", stdout=out)
        self.assertIn("2 villages", out.getvalue())
        self.assertEqual(Notice.objects.count(), 2)
        self.assertEqual(
            list(Delivery.objects.values_list("channel", "status")), [("inbox", "sent")] * 2
        )
        self.assertEqual(mail.outbox, [])  # a demo sends no e-mail
        call_command("seed_notices", stdout=out)
        self.assertEqual(Notice.objects.count(), 2)


class SettingsValidationTests(TestCase):
    def test_channels_say_what_to_fix(self):
        village = VillageFactory()
        for fields, field in [
            ({"by_email": True, "emails": ""}, "emails"),
            ({"emails": "not-an-address"}, "emails"),
            ({"robot": "own"}, "robot_url"),
            (
                {"robot": "own", "robot_url": "https://evil.example.org/x", "robot_kind": "wecom"},
                "robot_url",
            ),
            (
                {
                    "robot": "own",
                    "robot_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                    "robot_kind": "wecom",
                    "robot_secret": "SECx",
                },
                "robot_secret",
            ),
        ]:
            with self.subTest(fields=fields):
                settings = VillageNoticeSettings(village=village, **fields)
                with self.assertRaises(Exception) as raised:
                    settings.full_clean()
                self.assertIn(field, raised.exception.message_dict)
