from django.test import TestCase
from django.urls import reverse

from tests.factories import (
    PASSWORD,
    DistrictFactory,
    MembershipFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import Membership

Role = Membership.Role


class LoginTests(TestCase):
    def test_the_login_page_is_in_chinese_by_default(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, '<html lang="zh-Hans">')
        self.assertContains(response, "登录")
        self.assertContains(response, "用户名")

    def test_english_is_available(self):
        response = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Log in")

    def test_a_wrong_password_says_so_in_chinese(self):
        UserFactory(username="cadre")
        response = self.client.post(reverse("login"), {"username": "cadre", "password": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请输入一个正确的")

    def test_a_right_password_logs_in_and_goes_home(self):
        UserFactory(username="cadre")
        response = self.client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_log_out_needs_post(self):
        self.client.force_login(UserFactory())
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        self.assertRedirects(
            self.client.post(reverse("logout")), reverse("home"), target_status_code=302
        )

    def test_password_change_checks_the_new_password(self):
        user = UserFactory()
        self.client.force_login(user)
        response = self.client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"},
        )
        self.assertContains(response, "密码只包含数字")
        response = self.client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Longer-pass-77",
                "new_password2": "Longer-pass-77",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))
        user.refresh_from_db()
        self.assertTrue(user.check_password("Longer-pass-77"))


class QueryBudgetTests(TestCase):
    """Place pages run a fixed number of queries whatever the number of villages."""

    def build(self, townships: int, villages_each: int):
        district = DistrictFactory()
        for _ in range(townships):
            township = TownshipFactory(district=district)
            VillageFactory.create_batch(villages_each, township=township)
        admin = MembershipFactory(role=Role.DISTRICT_ADMIN, district=district).user
        return district, admin

    def test_the_district_page_budget_does_not_grow(self):
        for townships, villages_each in [(2, 1), (6, 5)]:
            district, admin = self.build(townships, villages_each)
            self.client.force_login(admin)
            url = reverse("villages:district_detail", args=[district.code])
            # session, user, district, memberships (scope), townships with village counts
            with self.subTest(townships=townships), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertEqual(len(response.context["townships"]), townships)

    def test_the_township_page_budget_does_not_grow(self):
        for villages_each in [1, 12]:
            district, admin = self.build(1, villages_each)
            township = district.townships.get()
            self.client.force_login(admin)
            url = reverse("villages:township_detail", args=[township.code])
            # session, user, township with district, memberships (scope), villages
            with self.subTest(villages=villages_each), self.assertNumQueries(5):
                response = self.client.get(url)
            self.assertContains(response, township.villages.first().name)

    def test_the_village_page_budget(self):
        district, admin = self.build(1, 3)
        village = district.townships.get().villages.first()
        self.client.force_login(admin)
        # session, user, village with township and district, memberships (scope)
        with self.assertNumQueries(4):
            self.client.get(reverse("villages:village_detail", args=[village.code]))
