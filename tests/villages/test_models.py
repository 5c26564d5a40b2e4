from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import TestCase

from tests.factories import (
    CityFactory,
    DistrictFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import City, District, Membership, Village


class DivisionCodeTests(TestCase):
    def test_it_accepts_the_official_code_lengths(self):
        village = VillageFactory(
            code="520302015201", township__code="520302015", township__district__code="520302"
        )
        village.full_clean()
        village.township.full_clean()
        village.township.district.full_clean()

    def test_it_rejects_a_code_with_letters_or_the_wrong_length(self):
        for code in ["52030", "5203021", "52030x"]:
            with self.subTest(code=code), self.assertRaises(ValidationError) as caught:
                District(code=code, name="区").full_clean()
            self.assertIn("code", caught.exception.message_dict)

    def test_the_database_refuses_a_code_of_the_wrong_length(self):
        with self.assertRaises(IntegrityError):
            District.objects.create(code="5203", name="区", city=CityFactory(code="5203"))

    def test_the_database_refuses_a_city_code_of_the_wrong_length(self):
        with self.assertRaises(IntegrityError):
            City.objects.create(code="520", name="市")

    def test_a_district_code_must_start_with_its_city_code(self):
        district = District(code="520102", name="南明区", city=CityFactory(code="5203"))
        with self.assertRaises(ValidationError) as caught:
            district.full_clean()
        self.assertIn("5203", str(caught.exception.message_dict["code"]))
        DistrictFactory.build(code="520302", city=district.city).full_clean()

    def test_a_village_code_must_start_with_its_township_code(self):
        township = TownshipFactory(code="520302015", district__code="520302")
        village = Village(township=township, code="520302014201", name="错村")
        with self.assertRaises(ValidationError) as caught:
            village.full_clean()
        self.assertIn("520302015", str(caught.exception.message_dict["code"]))

    def test_a_township_code_must_start_with_its_district_code(self):
        township = TownshipFactory.build(code="520303001", district=DistrictFactory(code="520302"))
        with self.assertRaises(ValidationError):
            township.full_clean()

    def test_codes_are_unique(self):
        VillageFactory(code="520302015201", township__code="520302015")
        with self.assertRaises(IntegrityError):
            VillageFactory(code="520302015201", township=Village.objects.get().township)


class MembershipTests(TestCase):
    def test_a_role_needs_the_matching_place_and_no_other(self):
        user = UserFactory()
        village = VillageFactory()
        bad = Membership(user=user, role=Membership.Role.TOWNSHIP_CADRE, village=village)
        with self.assertRaises(ValidationError) as caught:
            bad.full_clean()
        self.assertIn("township", caught.exception.message_dict)

    def test_the_database_refuses_a_role_with_the_wrong_place(self):
        with self.assertRaises(IntegrityError):
            Membership.objects.create(
                user=UserFactory(), role=Membership.Role.DISTRICT_ADMIN, village=VillageFactory()
            )

    def test_a_city_administrator_needs_a_city_and_no_other_place(self):
        district = DistrictFactory()
        bad = Membership(user=UserFactory(), role=Membership.Role.CITY_ADMIN, district=district)
        with self.assertRaises(ValidationError) as caught:
            bad.full_clean()
        self.assertIn("city", caught.exception.message_dict)
        with self.assertRaises(IntegrityError):
            Membership.objects.create(
                user=UserFactory(), role=Membership.Role.CITY_ADMIN, district=district
            )

    def test_one_user_may_hold_several_roles_but_not_the_same_one_twice(self):
        user = UserFactory()
        village = VillageFactory()
        Membership.objects.create(
            user=user, role=Membership.Role.VILLAGE_COMMITTEE, village=village
        )
        Membership.objects.create(user=user, role=Membership.Role.REVIEWER, village=village)
        Membership.objects.create(
            user=user, role=Membership.Role.TOWNSHIP_CADRE, township=village.township
        )
        with self.assertRaises(IntegrityError):
            Membership.objects.create(user=user, role=Membership.Role.REVIEWER, village=village)

    def test_the_scope_is_read_once_per_user_object(self):
        user = UserFactory()
        village = VillageFactory()
        Membership.objects.create(user=user, role=Membership.Role.REVIEWER, village=village)
        with self.assertNumQueries(1):
            scope = Membership.objects.scope_for(user)
            Membership.objects.scope_for(user)
        self.assertEqual(scope.reviewer_village_ids, {village.pk})
        self.assertEqual(scope.committee_village_ids, set())
