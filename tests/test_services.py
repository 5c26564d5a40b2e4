"""The real services: PostgreSQL, a Celery worker on Redis. Skipped where they are missing;
`.ci/run` provides both and fails if these were skipped."""

import pytest
from django.db import IntegrityError, connection, transaction

from config.celery import app
from tests.factories import CityFactory, TownshipFactory, VillageFactory
from villages.models import District
from villages.tasks import ping


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_runs_on_postgresql_with_the_constraints_in_force():
    assert connection.vendor == "postgresql"
    city = CityFactory(code="5203")
    # The check constraint itself refuses the short code (not the missing city: it has one).
    with pytest.raises(IntegrityError, match="district_code_has_6_digits"), transaction.atomic():
        District.objects.create(city=city, code="52030", name="短码区")
    District.objects.create(city=city, code="520302", name="红花岗区")  # six digits will do


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_a_real_worker_on_redis(celery_worker):
    assert app.conf.broker_url.startswith("redis://")
    township = TownshipFactory()
    VillageFactory.create_batch(3, township=township)
    result = ping.delay()
    # The worker read the rows this test committed: same broker, same database.
    assert result.get(timeout=30) == {"pong": True, "villages": 3}
