"""The district opens the coming year only, after a page that says what will happen; a worker
opens it while a page shows the progress, and only the district's own administrators see it."""

import datetime
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from pledges.models import OpenYearJob, PledgeList, Project
from pledges.work import district_work
from tests.factories import (
    DistrictFactory,
    MembershipFactory,
    PledgeListFactory,
    ProjectFactory,
    VillageFactory,
)
from tests.personas import LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix
from villages.models import Membership

NOT_FOUND = 404


class OpenYearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.this_year = timezone.localdate().year
        cls.next_year = cls.this_year + 1
        cls.village = VillageFactory()
        cls.other = VillageFactory(township=cls.village.township)
        cls.district = cls.village.township.district
        last = PledgeListFactory(
            village=cls.village, year=cls.this_year, status=PledgeList.Status.PUBLISHED
        )
        ProjectFactory(pledge_list=last, status=Project.Status.IN_PROGRESS)
        ProjectFactory(pledge_list=last, status=Project.Status.COMPLETED)
        cls.admin = MembershipFactory(
            role=Membership.Role.DISTRICT_ADMIN, district=cls.district
        ).user
        cls.url = reverse("pledges:open_year", args=[cls.district.code])
        cls.overview = reverse("dashboards:district_overview", args=[cls.district.code])

    def setUp(self):
        self.client.force_login(self.admin)

    def confirm(self, **data):
        return self.client.post(
            f"{self.url}?year={self.next_year}", {"confirmed": "1", "carry_over": "1", **data}
        )

    def test_the_overview_offers_the_coming_year_not_the_open_one(self):
        page = self.client.get(self.overview)
        self.assertContains(page, f"{self.url}?year={self.next_year}")
        self.assertNotContains(page, f'{self.url}?year={self.this_year}"')

    def test_the_confirmation_says_what_will_happen_with_figures(self):
        page = self.client.get(f"{self.url}?year={self.next_year}")
        self.assertContains(page, "2个村中的2个村")
        self.assertContains(page, "1个未完成项目")
        self.assertContains(page, "1个项目已完成待核实，不结转")
        self.assertContains(page, 'name="confirmed" value="1"')
        self.assertFalse(PledgeList.objects.filter(year=self.next_year).exists())

    def test_a_post_without_confirmation_opens_nothing(self):
        response = self.client.post(f"{self.url}?year={self.next_year}", {"carry_over": "1"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(OpenYearJob.objects.exists())
        self.assertFalse(PledgeList.objects.filter(year=self.next_year).exists())

    def test_a_confirmed_post_queues_a_job_and_leads_to_its_progress_page(self):
        with self.captureOnCommitCallbacks() as queued:  # the worker has not run yet
            response = self.confirm()
        job = OpenYearJob.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(
            (job.district, job.year, job.carry_over, job.status, job.total, job.created_by),
            (self.district, self.next_year, True, OpenYearJob.Status.QUEUED, 2, self.admin),
        )
        self.assertEqual(len(queued), 1)
        self.assertFalse(PledgeList.objects.filter(year=self.next_year).exists())
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, '<progress max="2" value="0"')
        self.assertContains(page, "0 / 2个村")
        self.assertContains(page, "排队等待中")
        # It refreshes itself, with no script at all (the CSP allows no inline script).
        self.assertContains(page, '<meta http-equiv="refresh" content="2">', html=False)
        self.assertNotContains(page, "<script")

    def test_once_the_worker_is_done_the_page_says_what_was_created_and_leads_back(self):
        with self.captureOnCommitCallbacks(execute=True):  # the worker's turn, in-process
            response = self.confirm()
        job = OpenYearJob.objects.get()
        self.assertEqual(job.status, OpenYearJob.Status.DONE)
        page = self.client.get(response["Location"])
        self.assertContains(page, '<progress max="2" value="2"')
        self.assertContains(page, "2 / 2个村")
        self.assertContains(page, "已开启")
        self.assertNotContains(page, 'http-equiv="refresh"')
        stats = re.sub(r"\s+", " ", page.content.decode())
        self.assertIn("<strong>2</strong> 份新清单草稿", stats)
        self.assertIn("<strong>1</strong> 个未完成项目已结转", stats)
        self.assertIn("<strong>1</strong> 个已完成项目留待镇（街道）核实", stats)
        self.assertContains(page, f'href="{self.overview}?year={self.next_year}"')
        new = PledgeList.objects.filter(year=self.next_year)
        self.assertEqual(new.count(), 2)
        self.assertEqual(
            list(Project.objects.filter(pledge_list__in=new).values_list("carried_from__status")),
            [(Project.Status.IN_PROGRESS,)],
        )

    def test_a_second_post_while_the_job_waits_shows_that_job_and_starts_none(self):
        with self.captureOnCommitCallbacks() as first:
            self.confirm()
        job = OpenYearJob.objects.get()
        with self.captureOnCommitCallbacks() as second:
            response = self.confirm(carry_over="")
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(OpenYearJob.objects.count(), 1)
        self.assertEqual((len(first), len(second)), (1, 0))
        # The confirmation page, asked for again, leads to the job too.
        page = self.client.get(f"{self.url}?year={self.next_year}")
        self.assertRedirects(page, job.get_absolute_url(), fetch_redirect_response=False)

    def test_asking_again_after_the_worker_was_lost_queues_the_same_job_again(self):
        with self.captureOnCommitCallbacks():
            self.confirm()
        job = OpenYearJob.objects.get()
        OpenYearJob.objects.filter(pk=job.pk).update(
            status=OpenYearJob.Status.RUNNING,
            modified=timezone.now() - datetime.timedelta(minutes=10),
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.confirm()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        job.refresh_from_db()  # queued again, and run by the worker
        self.assertEqual((job.status, job.lists_created), (OpenYearJob.Status.DONE, 2))

    def test_while_it_runs_the_queue_shows_its_progress_instead_of_offering_to_open(self):
        today = timezone.localdate()
        [line] = district_work(self.district, today)
        self.assertEqual(line.url, f"{self.url}?year={self.next_year}")
        with self.captureOnCommitCallbacks():
            self.confirm()
        job = OpenYearJob.objects.get()
        OpenYearJob.objects.filter(pk=job.pk).update(status=OpenYearJob.Status.RUNNING, done=1)
        PledgeListFactory(village=self.village, year=self.next_year)  # the first batch
        with self.assertNumQueries(3):  # problems passed up, the years' state, the job
            [line] = district_work(self.district, today)
        self.assertEqual((line.kind, line.url), ("open_year", job.get_absolute_url()))
        self.assertEqual(line.title, f"正在开启{self.next_year}年度：1 / 2个村")
        landing = self.client.get(reverse("home"))
        self.assertContains(landing, job.get_absolute_url())
        self.assertNotContains(landing, f"{self.url}?year=")

    def test_after_an_error_the_queue_and_the_overview_offer_to_finish_the_year(self):
        PledgeListFactory(village=self.village, year=self.next_year)  # opened before it failed
        OpenYearJob.objects.create(
            district=self.district,
            year=self.next_year,
            status=OpenYearJob.Status.FAILED,
            total=2,
            done=1,
            message="数据库连接中断",
        )
        [line] = district_work(self.district, timezone.localdate())
        self.assertEqual(line.url, f"{self.url}?year={self.next_year}")
        self.assertIn("中止", line.title)
        page = self.client.get(f"{self.url}?year={self.next_year}")
        self.assertContains(page, "2个村中的1个村")  # what is left to open

    def test_the_open_year_or_a_later_one_cannot_be_opened(self):
        for year in (self.this_year, self.this_year + 2):
            with self.subTest(year=year):
                response = self.client.post(f"{self.url}?year={year}", {"confirmed": "1"})
                self.assertRedirects(response, self.overview, fetch_redirect_response=False)
        self.assertFalse(OpenYearJob.objects.exists())
        self.assertEqual(PledgeList.objects.filter(year=self.this_year).count(), 1)

    def test_a_township_cadre_cannot_open_a_year(self):
        cadre = MembershipFactory(
            role=Membership.Role.TOWNSHIP_CADRE, township=self.village.township
        ).user
        self.client.force_login(cadre)
        response = self.client.get(f"{self.url}?year={self.next_year}")
        self.assertEqual(response.status_code, 403)


class OpenYearJobPageTests(TestCase):
    """Only those who may open a year in the district see its job: for anyone else it does
    not exist."""

    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.personas = Personas.around(cls.village)
        cls.job = OpenYearJob.objects.create(
            district=cls.village.township.district, year=2027, total=1
        )
        cls.another_admin = MembershipFactory(
            role=Membership.Role.DISTRICT_ADMIN, district=DistrictFactory()
        ).user

    def urls(self):
        return {"job": self.job.get_absolute_url()}

    def test_only_the_district_administrator_sees_the_job(self):
        #                committee reviewer cadre admin other_committee other_cadre
        matrix = {"job": (NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND)}
        assert_matrix(self, self.personas, self.urls(), matrix, WITH_A_ROLE)
        assert_matrix(self, self.personas, self.urls(), NOT_FOUND, ["nobody"])
        assert_matrix(self, self.personas, self.urls(), LOGIN, ["anonymous"])

    def test_another_districts_administrator_does_not_find_it(self):
        self.client.force_login(self.another_admin)
        self.assertEqual(self.client.get(self.job.get_absolute_url()).status_code, 404)

    def test_the_figures_are_grouped_by_thousands(self):
        OpenYearJob.objects.filter(pk=self.job.pk).update(
            status=OpenYearJob.Status.RUNNING, total=30000, done=1234
        )
        self.client.force_login(self.personas.district_admin)
        page = self.client.get(self.job.get_absolute_url())
        self.assertContains(page, '<progress max="30000" value="1234"')
        self.assertContains(page, "1,234 / 30,000个村")

    def test_the_page_only_answers_get(self):
        self.client.force_login(self.personas.district_admin)
        self.assertEqual(self.client.post(self.job.get_absolute_url()).status_code, 405)

    def test_a_job_that_stopped_moving_offers_to_continue_it(self):
        OpenYearJob.objects.filter(pk=self.job.pk).update(
            status=OpenYearJob.Status.RUNNING, modified=timezone.now() - datetime.timedelta(hours=1)
        )
        self.client.force_login(self.personas.district_admin)
        page = self.client.get(self.job.get_absolute_url())
        self.assertContains(page, "继续开启")
        self.assertContains(page, 'name="confirmed" value="1"')


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_year_is_open_when_the_confirmation_answers(client):
    """No broker (a laptop, CELERY_TASK_ALWAYS_EAGER): the job runs as the confirmation's
    transaction commits, inside the request, and the page it leads to says it is done."""
    village = VillageFactory()
    district = village.township.district
    admin = MembershipFactory(role=Membership.Role.DISTRICT_ADMIN, district=district).user
    client.force_login(admin)
    year = timezone.localdate().year  # nothing is open yet: this year comes first
    url = reverse("pledges:open_year", args=[district.code])
    response = client.post(f"{url}?year={year}", {"confirmed": "1"})
    job = OpenYearJob.objects.get()
    assert response.status_code == 302
    assert job.status == OpenYearJob.Status.DONE
    assert PledgeList.objects.get(year=year, village=village).status == PledgeList.Status.DRAFT
    assert "已开启" in client.get(response["Location"]).content.decode()
