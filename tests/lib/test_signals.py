"""lib.signals.announce: a signal sent once the write is certain, never breaking it."""

import logging

from django.db import transaction
from django.dispatch import Signal
from django.test import TestCase

from lib.signals import announce

happened = Signal()


class AnnounceTests(TestCase):
    def setUp(self):
        self.heard = []

        def listener(sender, value, **kwargs):
            self.heard.append(value)

        def broken(sender, **kwargs):
            raise RuntimeError("a receiver that fails")

        happened.connect(listener, weak=False, dispatch_uid="test.listener")
        happened.connect(broken, weak=False, dispatch_uid="test.broken")
        self.addCleanup(happened.disconnect, dispatch_uid="test.listener")
        self.addCleanup(happened.disconnect, dispatch_uid="test.broken")

    def test_it_is_heard_only_once_the_transaction_commits(self):
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            announce(happened, None, value="verified")
            self.assertEqual(self.heard, [])
        self.assertEqual(self.heard, ["verified"])

    def test_nothing_is_heard_for_a_rolled_back_write(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    announce(happened, None, value="never")
                    raise ValueError
            except ValueError:
                pass
        self.assertEqual((self.heard, callbacks), ([], []))

    def test_a_failing_receiver_is_logged_and_the_others_still_hear_it(self):
        with (
            self.assertLogs("lib.signals", level=logging.ERROR) as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            announce(happened, None, value="answered")
        self.assertEqual(self.heard, ["answered"])
        self.assertIn("broken", logs.output[0])
