"""The permission matrix: each role × each place page × own / other scope."""

from django.contrib.auth.models import AnonymousUser
from django.test import TestCase
from django.urls import reverse

from tests.factories import DistrictFactory, TownshipFactory, VillageFactory
from tests.personas import DENIED, LOGIN, OK, WITH_A_ROLE, Personas, assert_matrix


class TwoDistricts(TestCase):
    """Two districts; personas hold roles in district A, township A1 or village A1a, and the
    outsiders in township A2 and its village."""

    @classmethod
    def setUpTestData(cls):
        cls.district = DistrictFactory(code="520302")
        cls.township = TownshipFactory(district=cls.district, code="520302015")
        cls.village = VillageFactory(township=cls.township, code="520302015201")
        cls.other_township = TownshipFactory(district=cls.district, code="520302014")
        cls.other_village = VillageFactory(township=cls.other_township, code="520302014201")
        cls.other_district = DistrictFactory(code="520303")
        cls.personas = Personas.around(cls.village, other_village=cls.other_village)


class RulesTests(TwoDistricts):
    def allowed(self, user, perm, obj) -> bool:
        # A fresh user object each time so no scope cached by an earlier check leaks in.
        user = type(user).objects.get(pk=user.pk) if user.pk else user
        return user.has_perm(perm, obj)

    def test_the_matrix(self):
        cases = [
            # (persona, permission, object, expected)
            ("district_admin", "villages.view_district", self.district, True),
            ("district_admin", "villages.view_district", self.other_district, False),
            ("district_admin", "villages.view_township", self.other_township, True),
            ("district_admin", "villages.view_village", self.other_village, True),
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
                self.assertIs(self.allowed(self.personas[persona], perm, obj), expected)

    def test_anonymous_has_no_place_permission(self):
        self.assertFalse(AnonymousUser().has_perm("villages.view_village", self.village))


class PlacePageTests(TwoDistricts):
    def pages(self):
        return {
            "district": reverse("villages:district_detail", args=[self.district.code]),
            "township": reverse("villages:township_detail", args=[self.township.code]),
            "other_township": reverse("villages:township_detail", args=[self.other_township.code]),
            "village": reverse("villages:village_detail", args=[self.village.code]),
            "other_village": reverse("villages:village_detail", args=[self.other_village.code]),
        }

    # Expected status of a GET per persona; other_* work in the other township and its village.
    MATRIX = {
        #                committee reviewer cadre admin other_committee other_cadre nobody
        "district": (DENIED, DENIED, DENIED, OK, DENIED, DENIED, DENIED),
        "township": (DENIED, DENIED, OK, OK, DENIED, DENIED, DENIED),
        "other_township": (DENIED, DENIED, DENIED, OK, DENIED, OK, DENIED),
        "village": (OK, OK, OK, OK, DENIED, DENIED, DENIED),
        "other_village": (DENIED, DENIED, DENIED, OK, OK, OK, DENIED),
    }
    ORDER = [*WITH_A_ROLE, "nobody"]

    def test_each_role_opens_its_own_pages_and_is_refused_elsewhere(self):
        assert_matrix(self, self.personas, self.pages(), self.MATRIX, self.ORDER)

    def test_anonymous_is_sent_to_log_in(self):
        assert_matrix(self, self.personas, self.pages(), LOGIN, ["anonymous"])

    def test_an_unknown_code_is_404(self):
        self.client.force_login(self.personas.district_admin)
        response = self.client.get(reverse("villages:village_detail", args=["999999999999"]))
        self.assertEqual(response.status_code, 404)

    def test_pages_refuse_post(self):
        self.client.force_login(self.personas.district_admin)
        for url in self.pages().values():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 405)
