from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import TestCase

from demo.places import DEMO_PASSWORD
from villages.models import City, District, Membership, Township, Village


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_villages", stdout=out, **options)
    return out.getvalue()


class SeedVillagesTests(TestCase):
    def test_it_builds_the_seed_000_district_with_one_user_per_role(self):
        output = seed()
        district = District.objects.get(code="520302")
        self.assertEqual(district.name, "红花岗区")
        self.assertEqual(district.townships.count(), 15)
        self.assertEqual(Village.objects.filter(township__district=district).count(), 119)
        self.assertTrue(Village.objects.filter(name="龙江村", township__district=district).exists())
        for username in ["admin", "city", "district", "township", "village", "reviewer"]:
            self.assertIn(username, output)
            user = get_user_model().objects.get(username=username)
            self.assertTrue(user.check_password(DEMO_PASSWORD))
        self.assertEqual(
            sorted(Membership.objects.values_list("role", flat=True)),
            sorted(Membership.Role.values),
        )

    def test_every_code_is_valid_and_nested(self):
        seed(villages=300)
        for village in Village.objects.with_tree():
            village.full_clean()
            village.township.full_clean()
        for district in District.objects.select_related("city"):
            district.full_clean()
        self.assertEqual(District.objects.count(), 3 + 3)  # with the 3 sibling districts
        self.assertEqual(Village.objects.count(), 300 + 12)
        # No township repeats a village name.
        for township in Township.objects.all():
            names = list(township.villages.values_list("name", flat=True))
            self.assertEqual(len(names), len(set(names)))

    def test_it_is_deterministic_for_a_seed(self):
        seed(seed=7)
        first = list(Village.objects.values_list("code", "name"))
        Membership.objects.all().delete()
        get_user_model().objects.all().delete()
        Village.objects.all().delete()
        Township.objects.all().delete()
        District.objects.all().delete()
        seed(seed=7)
        self.assertEqual(list(Village.objects.values_list("code", "name")), first)

    def test_a_second_run_changes_nothing(self):
        seed()
        output = seed()
        self.assertIn("already loaded", output)
        self.assertEqual(Village.objects.count(), 131)


class SeedCitiesTests(TestCase):
    def test_the_demo_district_lies_in_zunyi_beside_real_sibling_districts(self):
        seed()
        zunyi = City.objects.get(code="5203")
        self.assertEqual(zunyi.name, "遵义市")
        self.assertEqual(
            list(zunyi.districts.values_list("code", "name")),
            [
                ("520302", "红花岗区"),
                ("520303", "汇川区"),
                ("520304", "播州区"),
                ("520322", "桐梓县"),
            ],
        )
        for district in zunyi.districts.exclude(code="520302"):
            self.assertEqual(Village.objects.filter(township__district=district).count(), 4)
        city_admin = Membership.objects.get(user__username="city")
        self.assertEqual((city_admin.role, city_admin.city), (Membership.Role.CITY_ADMIN, zunyi))

    def test_more_villages_spread_over_cities_each_district_under_its_own(self):
        seed(villages=400, villages_per_district=20, districts_per_city=8)
        self.assertEqual(City.objects.count(), 3)  # 20 districts: 8 + 8 + 4
        sizes = dict(City.objects.values_list("code").annotate(n=Count("districts")))
        self.assertEqual(sizes, {"5203": 8 + 3, "5204": 8, "5205": 4})
        for district in District.objects.select_related("city"):
            self.assertTrue(district.code.startswith(district.city.code))

    def test_a_city_holds_at_most_the_district_codes_it_has(self):
        with self.assertRaises(CommandError):
            seed(districts_per_city=98)
