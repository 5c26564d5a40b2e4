import factory
from django.contrib.auth import get_user_model

from villages.models import District, Membership, Township, Village

PASSWORD = "a-Good-pass-2026"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"52{n + 1:04d}")
    name = factory.Sequence(lambda n: f"测试{n}区")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试{n}镇")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试{n}村")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Membership.Role.VILLAGE_COMMITTEE
