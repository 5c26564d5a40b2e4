"""The demo's administrative tree and its users: the ground floor every other layer stands on.

A deterministic district modelled on Honghuagang (seed 000): 15 townships, 119 villages, one
demo user per role, in 遵义市 (5203) beside three small sibling districts (two townships of two
villages each: `SIBLINGS`), so the city page compares real districts. Larger village counts add
more districts of the same shape (a 12-digit code leaves room for 999 villages per township,
and real districts have 100–200 villages), 40 to a city, so `--villages 30000` looks like a
province of seven cities.
"""

import math
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from villages.models import City, District, Membership, Township, Village, name_to_pinyin

DEMO_PASSWORD = "demo-pass-2026"
VILLAGES_PER_DISTRICT = 119
TOWNSHIPS_PER_DISTRICT = 15
BATCH = 2000  # villages per INSERT: a village row is small

FIRST_DISTRICT = "红花岗区"
FIRST_TOWNSHIPS = [
    "老城街道",
    "万里路街道",
    "中华路街道",
    "南门关街道",
    "延安路街道",
    "北京路街道",
    "中山路街道",
    "舟水桥街道",
    "长征街道",
    "忠庄街道",
    "南关街道",
    "金鼎山镇",
    "深溪镇",
    "巷口镇",
    "海龙镇",
]
# Zunyi's real districts beside the demo's, each (code, name, its townships): small, so the
# default demo stays fast; their villages come on top of `--villages`.
SIBLINGS = [
    ("520303", "汇川区", ["泗渡镇", "沙湾镇"]),
    ("520304", "播州区", ["鸭溪镇", "枫香镇"]),
    ("520322", "桐梓县", ["九坝镇", "松坎镇"]),
]
VILLAGES_PER_SIBLING_TOWNSHIP = 2
CITY_NAMES = {"5203": "遵义市", "5204": "安顺市", "5205": "毕节市", "5206": "铜仁市"}
DISTRICTS_PER_CITY = 40
HEADS = "龙金石青白红新长安兴和平高永凤桂花松柏竹梅兰双三团水云田岩山河"
TAILS = "江溪坪坝湾塘岭坡桥沟口堡寨场林园丰光明华阳坎关庄台冲"

LOG_INS = (
    f"Demo log-ins (password for all: {DEMO_PASSWORD}):\n"
    "  admin     site administrator (/admin/)\n"
    "  city      city administrator (遵义市)\n"
    "  district  district administrator\n"
    "  township  township cadre\n"
    "  village   village committee member\n"
    "  reviewer  reviewer (party member / resident representative)"
)


def is_loaded() -> bool:
    return District.objects.filter(code=FIRST_DISTRICT_CODE).exists()


def seed(
    *,
    villages: int,
    seed: int,
    per_district: int = VILLAGES_PER_DISTRICT,
    per_city: int = DISTRICTS_PER_CITY,
) -> dict[str, int]:
    """The cities, districts, townships and villages for `villages` villages (`per_district`
    to a district, `per_district` districts to a city: at most MAX_DISTRICTS_PER_CITY), and
    the demo users; returns how many of each it made."""
    with transaction.atomic():
        counts = _build_tree(villages, random.Random(seed), per_district, per_city)
        _create_users()
    return counts


FIRST_DISTRICT_CODE = "520302"  # Honghuagang, Zunyi (5203)
# Two digits under a city's code (00 too: valid in form, though no real district has it),
# less the three real SIBLINGS in Zunyi.
MAX_DISTRICTS_PER_CITY = 97


def _district_codes(total: int, per_city: int) -> list[str]:
    """Honghuagang first; then codes 50–99, 00–49 under 5203 clear of the real SIBLINGS,
    then under further prefecture numbers, `per_city` districts to each (the first
    counting Honghuagang, not the siblings)."""
    reserved = {FIRST_DISTRICT_CODE, *(code for code, _name, _townships in SIBLINGS)}
    codes, city = [FIRST_DISTRICT_CODE], 3
    while len(codes) < total:
        prefix = f"52{city:02d}"
        free = [f"{prefix}{n:02d}" for n in (*range(50, 100), *range(50))]
        free = [code for code in free if code not in reserved]
        room = per_city - sum(code.startswith(prefix) for code in codes)
        codes += free[: min(room, total - len(codes))]
        city += 1
    return codes


def _name_pool(rng: random.Random, suffixes: list[str]) -> list[str]:
    """Every two-character name with each suffix, shuffled: a township never repeats a name."""
    names = [h + t for h in HEADS for t in TAILS if h != t]
    rng.shuffle(names)
    return [name + suffixes[i % len(suffixes)] for i, name in enumerate(names)]


def _build_tree(
    village_total: int, rng: random.Random, per_district: int, per_city: int
) -> dict[str, int]:
    district_total = math.ceil(village_total / per_district)
    district_names = _name_pool(rng, ["区", "县"])
    codes = _district_codes(district_total, per_city)
    city_ids = _build_cities({code[:4] for code in codes} | {"5203"}, rng)
    District.objects.bulk_create(
        District(
            city_id=city_ids[code[:4]],
            code=code,
            name=FIRST_DISTRICT if i == 0 else district_names[i],
        )
        for i, code in enumerate(codes)
    )
    District.objects.bulk_create(
        District(city_id=city_ids[code[:4]], code=code, name=name) for code, name, _t in SIBLINGS
    )
    district_ids = dict(District.objects.values_list("code", "id"))

    township_names = _name_pool(rng, ["镇", "镇", "乡", "街道"])
    townships = []
    for d in range(district_total):
        code = codes[d]
        for t in range(TOWNSHIPS_PER_DISTRICT):
            name = (
                FIRST_TOWNSHIPS[t]
                if d == 0
                else township_names[(d * TOWNSHIPS_PER_DISTRICT + t) % len(township_names)]
            )
            townships.append(
                Township(
                    district_id=district_ids[code],
                    code=f"{code}{t + 1:03d}",
                    name=name,
                    email=f"town{code}{t + 1:03d}@example.org",
                )
            )
    Township.objects.bulk_create(townships, batch_size=BATCH)
    township_ids = dict(Township.objects.values_list("code", "id"))

    village_names = _name_pool(rng, ["村"])
    batch, made = [], 0
    for d in range(district_total):
        in_district = min(per_district, village_total - made)
        for v in range(in_district):
            t = v % TOWNSHIPS_PER_DISTRICT
            township = townships[d * TOWNSHIPS_PER_DISTRICT + t]
            number = v // TOWNSHIPS_PER_DISTRICT
            # 街道 hold communities (居委会, codes 0xx); 镇 and 乡 hold villages (2xx).
            is_community = township.name.endswith("街道")
            name = village_names[(made + v) % len(village_names)]
            if d == 0 and t == TOWNSHIPS_PER_DISTRICT - 1 and number == 0:
                name = "龙江村"  # the village of seed 000, home of the demo users
            village_name = name[:-1] + "社区" if is_community else name
            batch.append(
                Village(
                    township_id=township_ids[township.code],
                    code=f"{township.code}{(1 if is_community else 201) + number:03d}",
                    name=village_name,
                    pinyin=name_to_pinyin(village_name),
                    kind=Village.Kind.COMMUNITY if is_community else Village.Kind.VILLAGE,
                )
            )
            if len(batch) == BATCH:
                Village.objects.bulk_create(batch)
                batch = []
        made += in_district
    Village.objects.bulk_create(batch)
    siblings = _build_siblings(district_ids, village_names, made)
    return {
        "cities": len(city_ids),
        "districts": district_total + len(SIBLINGS),
        "townships": len(townships) + siblings["townships"],
        "villages": made + siblings["villages"],
    }


def _build_cities(codes: set[str], rng: random.Random) -> dict[str, int]:
    """The cities of these codes, by their real names where the demo knows them."""
    names = _name_pool(rng, ["市"])
    known = set(City.objects.filter(code__in=codes).values_list("code", flat=True))
    City.objects.bulk_create(
        City(code=code, name=CITY_NAMES.get(code, names[i]))
        for i, code in enumerate(sorted(codes))
        if code not in known
    )
    return dict(City.objects.filter(code__in=codes).values_list("code", "id"))


def _build_siblings(district_ids: dict[str, int], names: list[str], start: int) -> dict:
    """SIBLINGS' townships and villages (a few, with plain village codes 2xx), named from
    `names` on from `start`."""
    townships = [
        Township(
            district_id=district_ids[code],
            code=f"{code}{t + 1:03d}",
            name=name,
            email=f"town{code}{t + 1:03d}@example.org",
        )
        for code, _name, township_names in SIBLINGS
        for t, name in enumerate(township_names)
    ]
    Township.objects.bulk_create(townships)
    township_ids = dict(
        Township.objects.filter(code__in=[t.code for t in townships]).values_list("code", "id")
    )
    villages = []
    for township in townships:
        for number in range(VILLAGES_PER_SIBLING_TOWNSHIP):
            name = names[(start + len(villages)) % len(names)]
            villages.append(
                Village(
                    township_id=township_ids[township.code],
                    code=f"{township.code}{201 + number:03d}",
                    name=name,
                    pinyin=name_to_pinyin(name),
                )
            )
    Village.objects.bulk_create(villages)
    return {"townships": len(townships), "villages": len(villages)}


def _create_users() -> None:
    district = District.objects.get(code=FIRST_DISTRICT_CODE)
    township = district.townships.order_by("code").last()  # a 镇 with real villages
    village = township.villages.order_by("code").first()
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
    admin.first_name = "系统管理员"
    admin.save(update_fields=["first_name"])
    people = [
        ("city", "市委组织部 陈静", Membership.Role.CITY_ADMIN, {"city": district.city}),
        ("district", "区委组织部 王敏", Membership.Role.DISTRICT_ADMIN, {"district": district}),
        (
            "township",
            f"{township.name} 李强",
            Membership.Role.TOWNSHIP_CADRE,
            {"township": township},
        ),
        (
            "village",
            f"{village.name} 张华",
            Membership.Role.VILLAGE_COMMITTEE,
            {"village": village},
        ),
        ("reviewer", f"{village.name} 刘芳", Membership.Role.REVIEWER, {"village": village}),
    ]
    for username, full_name, role, place in people:
        user = User.objects.create_user(username, password=DEMO_PASSWORD, first_name=full_name)
        Membership.objects.create(user=user, role=role, **place)


@dataclass(frozen=True)
class DemoPeople:
    """The demo users and their places, so their lists and reviews can be the ones the demo
    walks through. Missing users (a tree loaded some other way) just mean no special rows."""

    village_user: AbstractBaseUser | None
    village_id: int | None  # 龙江村
    township_user: AbstractBaseUser | None
    township_id: int | None  # 海龙镇
    review_village_id: int | None  # the township's first other village: its list is waiting

    @classmethod
    def find(cls) -> "DemoPeople":
        village_member = (
            Membership.objects.filter(
                user__username="village", role=Membership.Role.VILLAGE_COMMITTEE
            )
            .select_related("user")
            .first()
        )
        township_member = (
            Membership.objects.filter(
                user__username="township", role=Membership.Role.TOWNSHIP_CADRE
            )
            .select_related("user")
            .first()
        )
        village_id = village_member.village_id if village_member else None
        township_id = township_member.township_id if township_member else None
        return cls(
            village_user=village_member.user if village_member else None,
            village_id=village_id,
            township_user=township_member.user if township_member else None,
            township_id=township_id,
            review_village_id=(
                Village.objects.filter(township_id=township_id)
                .exclude(id=village_id)
                .order_by("code")
                .values_list("id", flat=True)
                .first()
            ),
        )
