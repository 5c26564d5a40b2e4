from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges import services
from pledges.models import PledgeList, Project
from tests.factories import (
    MembershipFactory,
    PledgeListFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    full_list,
)
from tests.pledges.test_open_year_job import receivers_of_written_in_bulk

Status = Project.Status
LAST, THIS = 2025, 2026


def last_year(village, statuses: dict[int, str]) -> PledgeList:
    """A published list of LAST with the given statuses by project number (others planned)."""
    pledge_list = full_list(status=PledgeList.Status.PUBLISHED, village=village, year=LAST)
    for number, status in statuses.items():
        Project.objects.filter(pledge_list=pledge_list, number=number).update(status=status)
    return pledge_list


class CarryOverTests(TestCase):
    def setUp(self):
        self.township = TownshipFactory()
        self.district = self.township.district
        self.village = VillageFactory(township=self.township)
        # 1 verified, 2 cancelled, 3 completed but never verified, 4 in progress, 5–10 planned
        self.old = last_year(
            self.village,
            {1: Status.VERIFIED, 2: Status.CANCELLED, 3: Status.COMPLETED, 4: Status.IN_PROGRESS},
        )
        self.user = UserFactory()

    def test_opening_a_year_with_carry_over_copies_only_unfinished_projects(self):
        services.pledge_list_open_year(
            district=self.district, year=THIS, by=self.user, carry_over=True
        )
        draft = PledgeList.objects.get(village=self.village, year=THIS)
        carried = list(draft.projects.order_by("number"))
        old_numbers = [p.carried_from.number for p in carried]
        self.assertEqual(old_numbers, [4, 5, 6, 7, 8, 9, 10])
        self.assertEqual([p.number for p in carried], list(range(1, 8)))
        first = carried[0]
        old_four = self.old.projects.get(number=4)
        self.assertEqual(first.title, old_four.title)
        self.assertEqual(first.status, Status.PLANNED)
        self.assertEqual(first.percent_done, 0)
        self.assertEqual(list(old_four.carried_into.all()), [first])
        # each copy has its creation in history, by the user who opened the year
        self.assertEqual(first.history.get().history_user, self.user)

    def test_a_completed_project_waiting_for_verification_is_not_carried_but_named(self):
        draft = PledgeListFactory(village=self.village, year=THIS)
        result = services.pledge_list_carry_over(pledge_list=draft, by=self.user)
        waiting = self.old.projects.get(number=3)
        self.assertEqual(result.awaiting_verification, [waiting])
        self.assertEqual([p.carried_from.number for p in result.carried], [4, 5, 6, 7, 8, 9, 10])
        self.assertFalse(draft.projects.filter(carried_from=waiting).exists())
        # still a number for the callers that count
        self.assertEqual(result, 7)
        self.assertEqual(f"{result}", "7")

    def test_verified_minutes_later_it_stays_out_and_sent_back_it_comes_along(self):
        draft = PledgeListFactory(village=self.village, year=THIS)
        services.pledge_list_carry_over(pledge_list=draft, by=self.user)
        waiting = self.old.projects.get(number=3)
        self.assertTrue(waiting.verify(by=self.user, note="现场核实"))
        again = services.pledge_list_carry_over(pledge_list=draft, by=self.user)
        self.assertEqual((again, again.awaiting_verification), (0, []))
        Project.objects.filter(pk=waiting.pk).update(status=Status.COMPLETED)
        waiting.refresh_from_db()
        self.assertTrue(waiting.send_back(by=self.user, reason="还差两段路面"))
        last = services.pledge_list_carry_over(pledge_list=draft, by=self.user)
        self.assertEqual([p.carried_from for p in last.carried], [waiting])

    def test_opening_a_year_without_carry_over_leaves_the_lists_empty(self):
        services.pledge_list_open_year(district=self.district, year=THIS, by=self.user)
        self.assertFalse(Project.objects.filter(pledge_list__year=THIS).exists())

    def test_carrying_over_twice_copies_nothing_twice_and_numbers_after_existing_items(self):
        draft = PledgeListFactory(village=self.village, year=THIS)
        Project.objects.create(pledge_list=draft, number=1, title="新项目")
        self.assertEqual(services.pledge_list_carry_over(pledge_list=draft, by=self.user), 7)
        self.assertEqual(services.pledge_list_carry_over(pledge_list=draft, by=self.user), 0)
        self.assertEqual(draft.projects.count(), 8)
        self.assertEqual(max(draft.projects.values_list("number", flat=True)), 8)

    def test_an_unpublished_last_year_list_carries_nothing(self):
        other = VillageFactory(township=self.township)
        full_list(status=PledgeList.Status.APPROVED, village=other, year=LAST)
        draft = PledgeListFactory(village=other, year=THIS)
        self.assertEqual(services.pledge_list_carry_over(pledge_list=draft, by=self.user), 0)

    def test_the_reads_do_not_grow_with_the_villages(self):
        # is a job for the year waiting, the villages without a list (counted for the job,
        # then one batch), the job, the completed projects left for verification (counted);
        # the lists, the copies and their history are INSERTs (the copies INSERT … SELECT);
        # what the receivers of written_in_bulk read is theirs
        counts = []
        for villages in (1, 6):
            township = TownshipFactory()
            for _ in range(villages):
                last_year(VillageFactory(township=township), {1: Status.VERIFIED})
            quiet = receivers_of_written_in_bulk(lambda **kwargs: None)
            with quiet, CaptureQueriesContext(connection) as queries:
                services.pledge_list_open_year(
                    district=township.district, year=THIS, by=self.user, carry_over=True
                )
            self.assertEqual(
                Project.objects.filter(
                    pledge_list__year=THIS, pledge_list__village__township=township
                ).count(),
                villages * 9,
            )
            counts.append(sum(q["sql"].startswith("SELECT") for q in queries.captured_queries))
        self.assertEqual(counts, [5, 5])


class CarryOverPageTests(TestCase):
    def setUp(self):
        self.village = VillageFactory()
        last_year(self.village, {1: Status.VERIFIED})
        self.draft = PledgeListFactory(village=self.village, year=THIS)
        self.url = reverse("pledges:pledge_list_carry_over", args=[self.draft.pk])

    def member(self, role, place):
        membership = MembershipFactory(role=role, **{place._meta.model_name: place})
        self.client.force_login(membership.user)

    def test_the_village_committee_carries_over_from_the_editor(self):
        self.member("village_committee", self.village)
        response = self.client.post(self.url, follow=True)
        self.assertContains(response, "9")
        self.assertEqual(self.draft.projects.count(), 9)
        self.assertContains(
            self.client.get(reverse("pledges:pledge_list_edit", args=[self.draft.pk])), self.url
        )

    def test_another_village_committee_is_refused_and_nothing_changes(self):
        self.member("village_committee", VillageFactory(township=self.village.township))
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.assertEqual(self.draft.projects.count(), 0)

    def test_a_submitted_list_takes_nothing(self):
        self.member("township_cadre", self.village.township)
        PledgeList.objects.filter(pk=self.draft.pk).update(status=PledgeList.Status.SUBMITTED)
        self.client.post(self.url)
        self.assertEqual(self.draft.projects.count(), 0)

    def test_the_project_page_links_to_the_project_it_continues(self):
        self.member("village_committee", self.village)
        self.client.post(self.url)
        project = self.draft.projects.get(number=1)
        page = self.client.get(reverse("pledges:project_detail", args=[project.pk]))
        self.assertContains(page, project.carried_from.get_absolute_url())
