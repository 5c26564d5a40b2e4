"""Two residents send a village's suggestions at the same moment: each write recounts the
village's year in its own transaction, and neither count loses the other's suggestion."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import TransactionTestCase

from figures.models import VillageYear
from suggestions.models import Suggestion
from tests.factories import VillageFactory

YEAR = 2026


@pytest.mark.postgres
class ConcurrentWritesTests(TransactionTestCase):
    def test_two_suggestions_at_once_are_both_counted(self):
        village = VillageFactory()
        first_counted = threading.Event()
        errors = []

        def first():
            try:
                with transaction.atomic():
                    Suggestion.objects.create(village=village, year=YEAR, text="修路")
                    first_counted.set()
                    time.sleep(0.5)  # the second writer counts meanwhile, or waits
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        def second():
            try:
                first_counted.wait(5)
                with transaction.atomic():
                    Suggestion.objects.create(village=village, year=YEAR, text="装灯")
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(errors, [])
        self.assertEqual(VillageYear.objects.get(village=village, year=YEAR).received, 2)
