"""Query counts of the busiest pages, written out, at two data sizes: they must not grow."""

import datetime

from django.test import TestCase
from django.urls import reverse

from pledges import services
from pledges.models import ChangeRequest, Escalation, PledgeList
from tests.factories import MembershipFactory, TownshipFactory, VillageFactory, full_list
from villages.models import Membership

Role = Membership.Role


class DashboardBudgetTests(TestCase):
    def build(self, villages: int):
        township = TownshipFactory()
        for _ in range(villages):
            pledge_list = full_list(
                status=PledgeList.Status.PUBLISHED, village=VillageFactory(township=township)
            )
            Escalation.objects.create(
                village=pledge_list.projects.first().pledge_list.village,
                project=pledge_list.projects.first(),
                problem="缺资金",
            )
        VillageFactory(township=township)  # one village with no list yet
        cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=township).user
        return township, cadre

    def test_the_township_dashboard(self):
        for villages in (1, 6):
            township, cadre = self.build(villages)
            self.client.force_login(cadre)
            url = reverse("dashboards:township_dashboard", args=[township.code])
            # session, user, township + district, memberships (scope),
            # lists with project counts, villages, open escalations with their projects,
            # residents' open challenges, open reports, the year switcher, pending changes
            with self.subTest(villages=villages), self.assertNumQueries(11):
                response = self.client.get(url)
            self.assertEqual(len(response.context["rows"]), villages + 1)
            self.assertEqual(response.context["totals"]["project_count"], villages * 10)

    def test_the_district_overview(self):
        for villages in (1, 6):
            township, _cadre = self.build(villages)
            TownshipFactory(district=township.district)
            admin = MembershipFactory(role=Role.DISTRICT_ADMIN, district=township.district).user
            self.client.force_login(admin)
            url = reverse("dashboards:district_overview", args=[township.district.code])
            # session, user, district, memberships (scope),
            # per-township list summary, townships with village counts, district escalations,
            # suggestion figures (counts, reply times, meetings), the year switcher,
            # the years already open
            with self.subTest(villages=villages), self.assertNumQueries(12):
                self.client.get(url)

    def test_the_filtered_project_list(self):
        for villages in (1, 6):
            township, cadre = self.build(villages)
            self.client.force_login(cadre)
            url = reverse("pledges:township_projects", args=[township.code]) + "?year=2026"
            # session, user, township + district, memberships (scope), projects with lists,
            # the year switcher
            with self.subTest(villages=villages), self.assertNumQueries(6):
                response = self.client.get(url)
            self.assertEqual(len(response.context["projects"]), villages * 10)


class ListPagesBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=cls.village).user

    def test_the_list_editor(self):
        self.client.force_login(self.committee)
        for year, projects in ((2025, 2), (2026, 10)):
            pledge_list = PledgeList.objects.create(village=self.village, year=year)
            for number in range(1, projects + 1):
                pledge_list.projects.create(number=number, title=f"项目{number}")
            url = reverse("pledges:pledge_list_edit", args=[pledge_list.pk])
            # session, user, list with village tree, memberships (scope),
            # project count + projects, prohibition count + prohibitions
            with self.subTest(projects=projects), self.assertNumQueries(8):
                self.client.get(url)

    def test_the_list_page(self):
        self.client.force_login(self.committee)
        for year, updates in ((2025, 1), (2026, 4)):
            pledge_list = full_list(
                status=PledgeList.Status.PUBLISHED, village=self.village, year=year
            )
            for project in pledge_list.projects.all():
                for _ in range(updates):
                    services.progress_update_create(
                        project=project, by=self.committee, percent_done=10
                    )
            url = pledge_list.get_absolute_url()
            # session, user, list with village tree, memberships (scope),
            # projects, their updates, the updates' photos, prohibitions, the village's years,
            # the 4+2 record, its meetings, the list's history
            with self.subTest(updates=updates), self.assertNumQueries(12):
                self.client.get(url)

    def test_the_project_page(self):
        self.client.force_login(self.committee)
        for year, events in ((2025, 1), (2026, 5)):
            pledge_list = full_list(
                status=PledgeList.Status.PUBLISHED, village=self.village, year=year
            )
            project = pledge_list.projects.get(number=1)
            for day in range(events):
                services.progress_update_create(
                    project=project,
                    by=self.committee,
                    percent_done=10 + day,
                    date=datetime.date(2026, 5, day + 1),
                )
                Escalation.objects.create(
                    village=project.pledge_list.village,
                    project=project,
                    problem=f"问题{day}",
                    raised_by=self.committee,
                )
            ChangeRequest.objects.create(
                project=project, reason="延期", title="新名称", status=ChangeRequest.Status.REJECTED
            )
            url = project.get_absolute_url()
            # session, user, project with list and village tree, memberships (scope),
            # pending change request, history with users, updates with authors, their photos,
            # change requests with users, escalations with users
            with self.subTest(events=events), self.assertNumQueries(10):
                response = self.client.get(url)
            self.assertEqual(
                sum(e["kind"] == "update" for e in response.context["timeline"]), events
            )
