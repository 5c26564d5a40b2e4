import datetime
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from lib.contacts import parse_contact
from pledges.models import Project
from residents import services, sms
from residents.models import Follow, Message
from suggestions.models import Suggestion
from tests.residents.world import build

PHONE = "13812345678"


class BrokenSms:
    def send(self, phone, text):
        raise ConnectionError("SMS gateway timed out")


class FollowTests(TestCase):
    def setUp(self):
        build(self)
        cache.clear()  # the rate limit counts in the cache
        sms.outbox.clear()

    def follow(self, contact=PHONE, **extra):
        return self.client.post(
            reverse("residents:follow_village", args=[self.village.code]),
            {"contact": contact, **extra},
        )

    def verify(self, project):
        Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
        project.refresh_from_db()
        self.client.force_login(self.personas.cadre)
        response = self.client.post(
            reverse("pledges:project_verify", args=[project.pk]), {"decision": "verify"}
        )
        self.client.logout()
        return response

    def test_following_sends_a_first_message_with_the_stop_link_once(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.assertContains(self.follow(), "您已关注龙江村")
        with self.captureOnCommitCallbacks(execute=True):
            self.follow(" 138-1234-5678 ")  # the same number, typed differently
        self.assertEqual(Follow.objects.count(), 1)
        [(phone, text)] = sms.outbox
        self.assertEqual(phone, PHONE)
        self.assertIn("龙江村", text)
        self.assertIn(Follow.objects.get().stop_url(), text)

    def test_a_contact_that_is_neither_phone_nor_e_mail_says_what_to_enter(self):
        response = self.follow("12345")
        self.assertContains(response, "请填写11位手机号或电子邮箱", status_code=400)
        self.assertContains(self.follow("x" * 300), "254", status_code=400)
        self.assertFalse(Follow.objects.exists())

    def test_an_unknown_village_is_404(self):
        url = reverse("residents:follow_village", args=["999999999999"])
        self.assertEqual(self.client.post(url, {"contact": PHONE}).status_code, 404)

    @override_settings(RESIDENT_CONTACT_RATE="2/d")
    def test_one_contact_is_limited_whatever_the_phone_it_is_typed_on(self):
        cache.clear()
        for _ in range(2):
            self.client = Client()
            self.assertEqual(self.follow().status_code, 200)
        self.client = Client()
        self.assertContains(self.follow(), PHONE, status_code=429)
        self.assertEqual(self.follow("13812345679").status_code, 200)

    def test_a_verified_project_is_told_once_to_each_follower_by_its_channel(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.follow()
            self.follow("Li@Example.com")
        sms.outbox.clear()
        mail.outbox.clear()
        project = self.pledge_list.projects.get(number=2)
        with self.captureOnCommitCallbacks(execute=True):
            self.verify(project)
        [(phone, text)] = sms.outbox
        self.assertIn(f"第{project.number}项", text)
        self.assertIn("已核实销号", text)
        [email] = mail.outbox
        self.assertEqual(email.to, ["li@example.com"])
        # telling again (a retried task, a second call) sends nothing more
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(services.project_verified(project), 0)
        self.assertEqual(len(sms.outbox), 1)
        self.assertEqual(Message.objects.filter(event=f"verified:{project.pk}").count(), 2)

    def test_the_stop_link_stops_with_one_click_and_can_be_undone(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.follow()
        follow = Follow.objects.get()
        stop = self.client.get(reverse("residents:unfollow", args=[follow.token]))
        self.assertContains(stop, "您不会再收到龙江村的消息")
        sms.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.verify(self.pledge_list.projects.get(number=3))
        self.assertEqual(sms.outbox, [])
        self.client.post(reverse("residents:unfollow", args=[follow.token]))
        follow.refresh_from_db()
        self.assertIsNone(follow.stopped_at)
        bad = reverse("residents:unfollow", args=["not-a-token"])
        self.assertEqual(self.client.get(bad).status_code, 404)

    def test_a_suggestion_author_is_told_once_when_it_is_answered(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("suggestions:suggest", args=[self.village.code]),
                {
                    "text": "村口需要路灯",
                    "category": "other",
                    "notify": PHONE,
                    "token": "a" * 32,
                },
            )
        suggestion = Suggestion.objects.get()
        self.assertEqual(suggestion.follows.get().address, PHONE)
        self.client.force_login(self.personas.committee)
        url = suggestion.get_absolute_url()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {"action": "not_adopted", "reply": "明年纳入清单"})
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {"action": "close", "reply": "明年纳入清单，已安排"})
        texts = [text for _phone, text in sms.outbox]
        self.assertEqual(len(texts), 2)  # the welcome, then the one answer
        self.assertIn("明年纳入清单", texts[1])
        self.assertIn(suggestion.receipt_code, texts[1])

    def test_a_failing_channel_is_recorded_and_the_sweeper_sends_it_later(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.follow()
        follow = Follow.objects.get()
        project = self.pledge_list.projects.get(number=4)
        with (
            override_settings(SMS_BACKEND="tests.residents.test_follow.BrokenSms"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            services.project_verified(project)
        message = follow.messages.get(event=f"verified:{project.pk}")
        self.assertEqual(message.status, Message.Status.FAILED)
        self.assertEqual(message.attempts, 1)
        self.assertIn("SMS gateway timed out", message.last_error)
        # not yet due again (2 minutes × 2 after one attempt), then due, the gateway back:
        # the sweeper sends it, once
        Message.objects.filter(pk=message.pk).update(
            modified=timezone.now() - datetime.timedelta(minutes=3)
        )
        self.assertEqual(services.sweep(), 0)
        Message.objects.filter(pk=message.pk).update(
            modified=timezone.now() - datetime.timedelta(minutes=5)
        )
        sms.outbox.clear()
        self.assertEqual(services.sweep(), 1)
        self.assertEqual(services.sweep(), 0)
        message.refresh_from_db()
        self.assertEqual(message.status, Message.Status.SENT)
        self.assertEqual(len(sms.outbox), 1)

    def test_contacts_are_parsed_into_channels(self):
        self.assertEqual(parse_contact("+86 138 1234 5678"), ("sms", PHONE))
        self.assertEqual(parse_contact("A@B.cn"), ("email", "a@b.cn"))


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class FollowWorkerTests(TransactionTestCase):
    """A real worker on Redis sends what the web process queued on commit."""

    @pytest.fixture(autouse=True)
    def _worker(self, celery_worker):
        self.worker = celery_worker

    def test_the_worker_sends_each_message_once(self):
        build(self)
        sms.outbox.clear()
        services.follow(channel="sms", address=PHONE, village=self.village)
        services.follow(channel="sms", address="13900000000", village=self.village)
        project = self.pledge_list.projects.get(number=5)
        services.project_verified(project)
        services.project_verified(project)  # a second call queues nothing new
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Message.objects.exclude(status="sent").exists():
            time.sleep(0.2)
        self.assertFalse(Message.objects.exclude(status="sent").exists())
        self.assertEqual(Message.objects.count(), 4)  # two welcomes, two verified
        self.assertEqual(len(sms.outbox), 4)
