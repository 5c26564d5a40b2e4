"""The demo's administrative tree and its users: the ground floor every other layer stands on.

A deterministic district modelled on Honghuagang (seed 000): 15 townships, 119 villages, one
demo user per role. Larger village counts add more districts of the same shape (a 12-digit code
leaves room for 999 villages per township, and real districts have 100–200 villages), so
`--villages 30000` looks like a province.
"""

import math
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from villages.models import District, Membership, Township, Village, name_to_pinyin

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
HEADS = "龙金石青白红新长安兴和平高永凤桂花松柏竹梅兰双三团水云田岩山河"
TAILS = "江溪坪坝湾塘岭坡桥沟口堡寨场林园丰光明华阳坎关庄台冲"

LOG_INS = (
    f"Demo log-ins (password for all: {DEMO_PASSWORD}):\n"
    "  admin     site administrator (/admin/)\n"
    "  district  district administrator\n"
    "  township  township cadre\n"
    "  village   village committee member\n"
    "  reviewer  reviewer (party member / resident representative)"
)


def is_loaded() -> bool:
    return District.objects.filter(code=_district_code(0)).exists()


def seed(*, villages: int, seed: int) -> dict[str, int]:
    """The districts, townships and villages for `villages` villages, and the demo users;
    returns how many districts, townships and villages it made."""
    with transaction.atomic():
        counts = _build_tree(villages, random.Random(seed))
        _create_users()
    return counts


def _district_code(index: int) -> str:
    # 5203xx is Zunyi; further districts take further prefecture numbers.
    return f"52{3 + index // 40:02d}{2 + index % 40:02d}"


def _name_pool(rng: random.Random, suffixes: list[str]) -> list[str]:
    """Every two-character name with each suffix, shuffled: a township never repeats a name."""
    names = [h + t for h in HEADS for t in TAILS if h != t]
    rng.shuffle(names)
    return [name + suffixes[i % len(suffixes)] for i, name in enumerate(names)]


def _build_tree(village_total: int, rng: random.Random) -> dict[str, int]:
    district_total = math.ceil(village_total / VILLAGES_PER_DISTRICT)
    district_names = _name_pool(rng, ["区", "县"])
    District.objects.bulk_create(
        District(code=_district_code(i), name=FIRST_DISTRICT if i == 0 else district_names[i])
        for i in range(district_total)
    )
    district_ids = dict(District.objects.values_list("code", "id"))

    township_names = _name_pool(rng, ["镇", "镇", "乡", "街道"])
    townships = []
    for d in range(district_total):
        code = _district_code(d)
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
        in_district = min(VILLAGES_PER_DISTRICT, village_total - made)
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
    return {"districts": district_total, "townships": len(townships), "villages": made}


def _create_users() -> None:
    district = District.objects.get(code=_district_code(0))
    township = district.townships.order_by("code").last()  # a 镇 with real villages
    village = township.villages.order_by("code").first()
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
    admin.first_name = "系统管理员"
    admin.save(update_fields=["first_name"])
    people = [
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
