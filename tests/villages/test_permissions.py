"""The permission matrix: each role × each place page × own / other scope."""

from django.contrib.auth.models import AnonymousUser
from django.test import TestCase
from django.urls import reverse

from tests.factories import (
    DistrictFactory,
    MembershipFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import Membership

Role = Membership.Role


class Personas(TestCase):
    """Two districts; personas hold roles in district A, township A1 or village A1a."""

    @classmethod
    def setUpTestData(cls):
        cls.district = DistrictFactory(code="520302")
        cls.township = TownshipFactory(district=cls.district, code="520302015")
        cls.village = VillageFactory(township=cls.township, code="520302015201")
        cls.other_township = TownshipFactory(district=cls.district, code="520302014")
        cls.other_village = VillageFactory(township=cls.other_township, code="520302014201")
        cls.other_district = DistrictFactory(code="520303")

        cls.admin = MembershipFactory(role=Role.DISTRICT_ADMIN, district=cls.district).user
        cls.cadre = MembershipFactory(role=Role.TOWNSHIP_CADRE, township=cls.township).user
        cls.committee = MembershipFactory(role=Role.VILLAGE_COMMITTEE, village=cls.village).user
        cls.reviewer = MembershipFactory(role=Role.REVIEWER, village=cls.village).user
        cls.nobody = UserFactory()


class RulesTests(Personas):
    def allowed(self, user, perm, obj) -> bool:
        # A fresh user object each time so no scope cached by an earlier check leaks in.
        user = type(user).objects.get(pk=user.pk) if user.pk else user
        return user.has_perm(perm, obj)

    def test_the_matrix(self):
        cases = [
            # (persona, permission, object, expected)
            ("admin", "villages.view_district", self.district, True),
            ("admin", "villages.view_district", self.other_district, False),
            ("admin", "villages.view_township", self.other_township, True),
            ("admin", "villages.view_village", self.other_village, True),
            ("cadre", "villages.view_district", self.district, False),
            ("cadre", "villages.view_township", self.township, True),
            ("cadre", "villages.view_township", self.other_township, False),
            ("cadre", "villages.view_village", self.village, True),
            ("cadre", "villages.view_village", self.other_village, False),
            ("committee", "villages.view_township", self.township, False),
            ("committee", "villages.view_village", self.village, True),
            ("committee", "villages.view_village", self.other_village, False),
            ("committee", "villages.change_village_contact", self.village, True),
            ("reviewer", "villages.view_village", self.village, True),
            ("reviewer", "villages.view_village", self.other_village, False),
            ("reviewer", "villages.change_village_contact", self.village, False),
            ("nobody", "villages.view_village", self.village, False),
        ]
        for persona, perm, obj, expected in cases:
            with self.subTest(persona=persona, perm=perm, obj=obj):
                self.assertIs(self.allowed(getattr(self, persona), perm, obj), expected)

    def test_anonymous_has_no_place_permission(self):
        self.assertFalse(AnonymousUser().has_perm("villages.view_village", self.village))


class PlacePageTests(Personas):
    def pages(self):
        return {
            "district": reverse("villages:district_detail", args=[self.district.code]),
            "township": reverse("villages:township_detail", args=[self.township.code]),
            "other_township": reverse("villages:township_detail", args=[self.other_township.code]),
            "village": reverse("villages:village_detail", args=[self.village.code]),
            "other_village": reverse("villages:village_detail", args=[self.other_village.code]),
        }

    def test_each_role_opens_its_own_pages_and_is_refused_elsewhere(self):
        expected = {
            "admin": {
                "district": 200,
                "township": 200,
                "other_township": 200,
                "village": 200,
                "other_village": 200,
            },
            "cadre": {
                "district": 403,
                "township": 200,
                "other_township": 403,
                "village": 200,
                "other_village": 403,
            },
            "committee": {
                "district": 403,
                "township": 403,
                "other_township": 403,
                "village": 200,
                "other_village": 403,
            },
            "reviewer": {
                "district": 403,
                "township": 403,
                "other_township": 403,
                "village": 200,
                "other_village": 403,
            },
            "nobody": {
                "district": 403,
                "township": 403,
                "other_township": 403,
                "village": 403,
                "other_village": 403,
            },
        }
        pages = self.pages()
        for persona, codes in expected.items():
            self.client.force_login(getattr(self, persona))
            for page, status in codes.items():
                with self.subTest(persona=persona, page=page):
                    self.assertEqual(self.client.get(pages[page]).status_code, status)

    def test_anonymous_is_sent_to_log_in(self):
        for url in self.pages().values():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(
                    response, f"{reverse('login')}?next={url}", fetch_redirect_response=False
                )

    def test_an_unknown_code_is_404(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("villages:village_detail", args=["999999999999"]))
        self.assertEqual(response.status_code, 404)

    def test_pages_refuse_post(self):
        self.client.force_login(self.admin)
        for url in self.pages().values():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)
