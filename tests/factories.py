import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from pledges.models import (
    Category,
    DecisionMeeting,
    DecisionRecord,
    PledgeList,
    Prohibition,
    Project,
)
from villages.models import City, District, Membership, Township, Village

PASSWORD = "a-Good-pass-2026"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{5300 + n}")
    name = factory.LazyAttribute(lambda o: f"测试{o.code}市")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"52{n + 1:04d}")
    name = factory.Sequence(lambda n: f"测试{n}区")
    # The city whose code the district's starts with (made when missing).
    city = factory.LazyAttribute(lambda o: CityFactory(code=o.code[:4]))


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


def decided(pledge_list: PledgeList, **deciding) -> DecisionRecord:
    """A complete 4+2 record for the list: four meetings a week apart, the deciding one a
    representatives' meeting of 45 (40 present, 38 for) with its signed minutes; `deciding`
    overrides the deciding meeting's fields."""
    record = DecisionRecord.objects.create(pledge_list=pledge_list)
    first = datetime.date(pledge_list.year, 1, 5)
    for week, step in enumerate(DecisionMeeting.Step):
        fields = {"entitled": 7, "present": 7}
        if step == DecisionMeeting.Step.DECIDE:
            fields = {
                "kind": DecisionMeeting.Kind.REPRESENTATIVES,
                "entitled": 45,
                "present": 40,
                "votes_for": 38,
                "votes_against": 1,
                "votes_abstain": 1,
                "image": "minutes/signed.jpg",
                **deciding,
            }
        DecisionMeeting.objects.create(
            record=record,
            step=step,
            date=first + datetime.timedelta(weeks=week),
            place="村委会会议室",
            chaired_by="杨健",
            outcome="同意清单",
            **fields,
        )
    return record


def full_list(status: str = PledgeList.Status.DRAFT, *, decision: bool = True, **kwargs):
    """A list with the full 10 projects and 5 prohibitions, in the given status, and (unless
    `decision=False`) a complete 4+2 record: ready to submit."""
    pledge_list = PledgeListFactory(status=status, **kwargs)
    for number in range(1, settings.PLEDGE_PROJECT_COUNT + 1):
        ProjectFactory(pledge_list=pledge_list, number=number)
    for number in range(1, settings.PLEDGE_PROHIBITION_COUNT + 1):
        ProhibitionFactory(pledge_list=pledge_list, number=number)
    if decision:
        decided(pledge_list)
    return pledge_list
