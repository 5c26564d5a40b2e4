from django.test import TestCase
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory, VillageFactory
from villages.models import Membership

Role = Membership.Role


class HomeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.village = VillageFactory()
        cls.township = cls.village.township
        cls.district = cls.township.district

    def test_it_sends_anonymous_visitors_to_the_public_board(self):
        self.assertRedirects(
            self.client.get("/"), reverse("board:board"), fetch_redirect_response=False
        )

    def test_it_sends_each_role_straight_to_its_place(self):
        cases = [
            (Role.DISTRICT_ADMIN, {"district": self.district}, "dashboards:district_overview"),
            (Role.TOWNSHIP_CADRE, {"township": self.township}, "dashboards:township_dashboard"),
            (Role.VILLAGE_COMMITTEE, {"village": self.village}, "pledges:village_list"),
            (Role.REVIEWER, {"village": self.village}, "pledges:village_list"),
        ]
        for role, place, view_name in cases:
            with self.subTest(role=role):
                self.client.force_login(MembershipFactory(role=role, **place).user)
                target = reverse(view_name, args=[place.popitem()[1].code])
                self.assertRedirects(self.client.get("/"), target, fetch_redirect_response=False)

    def test_it_lists_the_places_of_a_user_with_several(self):
        user = UserFactory()
        MembershipFactory(user=user, role=Role.TOWNSHIP_CADRE, township=self.township)
        other = VillageFactory(name="龙江村")
        MembershipFactory(user=user, role=Role.REVIEWER, village=other)
        self.client.force_login(user)
        response = self.client.get("/")
        self.assertContains(
            response, reverse("dashboards:township_dashboard", args=[self.township.code])
        )
        self.assertContains(response, reverse("pledges:village_list", args=[other.code]))
        self.assertContains(response, "评议人")

    def test_it_tells_a_user_without_a_role_whom_to_ask(self):
        self.client.force_login(UserFactory())
        self.assertContains(self.client.get("/"), "区委组织部")

    def test_the_two_memberships_of_one_village_go_straight_there(self):
        user = UserFactory()
        MembershipFactory(user=user, role=Role.VILLAGE_COMMITTEE, village=self.village)
        MembershipFactory(user=user, role=Role.REVIEWER, village=self.village)
        self.client.force_login(user)
        self.assertRedirects(
            self.client.get("/"),
            reverse("pledges:village_list", args=[self.village.code]),
            fetch_redirect_response=False,
        )
