"""`seed_villages`: the ground floor of `seed_demo` (which lives in the pledges app and adds
pledge lists on top).

Builds a deterministic demo district modelled on Honghuagang (seed 000): 15 townships, 119
villages, one demo user per role. Larger `--villages` counts add more districts of the same
shape (a 12-digit code leaves room for 999 villages per township, and real districts have
100–200 villages), so `--villages 30000` looks like a province.
"""

import math
import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from villages.models import District, Membership, Township, Village, name_to_pinyin

DEMO_PASSWORD = "demo-pass-2026"
VILLAGES_PER_DISTRICT = 119
TOWNSHIPS_PER_DISTRICT = 15
BATCH = 2000

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


def _name_pool(rng: random.Random, suffixes: list[str]) -> list[str]:
    """Every two-character name with each suffix, shuffled: a township never repeats a name."""
    names = [h + t for h in HEADS for t in TAILS if h != t]
    rng.shuffle(names)
    return [name + suffixes[i % len(suffixes)] for i, name in enumerate(names)]


class Command(BaseCommand):
    help = "Create the demo district, townships, villages and one demo user per role."

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=VILLAGES_PER_DISTRICT)
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Pledge year for the demo lists (default: this year).",
        )
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, villages: int, year: int | None, seed: int, **options):
        if villages < 1:
            raise CommandError("--villages must be at least 1.")
        if District.objects.filter(code=self._district_code(0)).exists():
            self.stdout.write("The demo district is already loaded; nothing to do.")
            self._print_logins()
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = self._build_tree(villages, random.Random(seed))
            self._create_users()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded: {districts} districts, {townships} townships, {villages} villages "
                "in {seconds:.1f} s.".format(seconds=time.monotonic() - started, **counts)
            )
        )
        self._print_logins()

    @staticmethod
    def _district_code(index: int) -> str:
        # 5203xx is Zunyi; further districts take further prefecture numbers.
        return f"52{3 + index // 40:02d}{2 + index % 40:02d}"

    def _build_tree(self, village_total: int, rng: random.Random) -> dict:
        district_total = math.ceil(village_total / VILLAGES_PER_DISTRICT)
        district_names = _name_pool(rng, ["区", "县"])
        District.objects.bulk_create(
            District(
                code=self._district_code(i), name=FIRST_DISTRICT if i == 0 else district_names[i]
            )
            for i in range(district_total)
        )
        district_ids = dict(District.objects.values_list("code", "id"))

        township_names = _name_pool(rng, ["镇", "镇", "乡", "街道"])
        townships = []
        for d in range(district_total):
            code = self._district_code(d)
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

    def _create_users(self) -> None:
        district = District.objects.get(code=self._district_code(0))
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

    def _print_logins(self) -> None:
        self.stdout.write(
            f"Demo log-ins (password for all: {DEMO_PASSWORD}):\n"
            "  admin     site administrator (/admin/)\n"
            "  district  district administrator\n"
            "  township  township cadre\n"
            "  village   village committee member\n"
            "  reviewer  reviewer (party member / resident representative)"
        )
