import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from pledges.models import Category, PledgeList, Prohibition, Project
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


class PledgeListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PledgeList

    village = factory.SubFactory(VillageFactory)
    year = 2026


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    pledge_list = factory.SubFactory(PledgeListFactory)
    number = factory.Sequence(lambda n: n % 10 + 1)
    title = factory.Sequence(lambda n: f"安装太阳能路灯{n}")
    category = Category.LIGHTING
    target_quantity = Decimal("30")
    unit = "盏"
    lead_name = "杨健"
    lead_post = "村党委书记"
    planned_start = datetime.date(2026, 3, 1)
    planned_finish = datetime.date(2026, 10, 31)


class ProhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prohibition

    pledge_list = factory.SubFactory(PledgeListFactory)
    number = factory.Sequence(lambda n: n % 5 + 1)
    text = factory.Sequence(lambda n: f"不准优亲厚友{n}")


def full_list(status: str = PledgeList.Status.DRAFT, **kwargs) -> PledgeList:
    """A list with the full 10 projects and 5 prohibitions, in the given status."""
    pledge_list = PledgeListFactory(status=status, **kwargs)
    for number in range(1, settings.PLEDGE_PROJECT_COUNT + 1):
        ProjectFactory(pledge_list=pledge_list, number=number)
    for number in range(1, settings.PLEDGE_PROHIBITION_COUNT + 1):
        ProhibitionFactory(pledge_list=pledge_list, number=number)
    return pledge_list
