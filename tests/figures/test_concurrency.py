"""Two residents send a village's suggestions at the same moment: each write recounts the
village's year in its own transaction, and neither count loses the other's suggestion; nor do
two villages of one district lose each other's change to the district's sums."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import TransactionTestCase

from figures import services
from figures.models import DistrictYear, VillageYear
from suggestions.models import Suggestion
from tests.factories import TownshipFactory, VillageFactory

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

    def test_two_villages_of_one_district_at_once_both_add_to_its_sums(self):
        # the villages' own locks do not hold each other up: the district's row is added to
        # in the database, so neither writer's change is lost
        township = TownshipFactory()
        villages = [VillageFactory(township=township), VillageFactory(township=township)]
        first_counted = threading.Event()
        errors = []

        def first():
            try:
                with transaction.atomic():
                    Suggestion.objects.create(village=villages[0], year=YEAR, text="修路")
                    first_counted.set()
                    time.sleep(0.5)  # the second writer adds meanwhile, or waits
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        def second():
            try:
                first_counted.wait(5)
                with transaction.atomic():
                    Suggestion.objects.create(village=villages[1], year=YEAR, text="装灯")
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
        sums = DistrictYear.objects.get(district=township.district, year=YEAR)
        self.assertEqual(sums.received, 2)
        self.assertEqual(services.district_differences(), [])
