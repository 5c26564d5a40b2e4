"""`seed_demo`: the demo district (villages, users; see `seed_villages`) plus a year of
pledge lists for every demo village, and the opinion collection (民意征集) around them.

The year looks like one in progress: most lists are published and their projects are spread
between planned, in progress (some overdue), completed and verified; a few lists are still in
review. The demo users get what the demo walks through: the `village` user's 龙江村 has a
published list with a project waiting for verification, and the `township` cadre has a
submitted list to review in 海龙镇.

Every village also gets the meetings where opinions were collected and the residents'
suggestions, in the proportions of seed 000 (342 meetings and 626 suggestions for 119
villages): most adopted into a project of the village's list, some answered as not adopted,
passed up to the township (with an escalation), closed, or still waiting for a reply (some
overdue). 龙江村 has suggestions waiting for its `village` user, one of them overdue.

Everything comes from one `random.Random(seed)`, drawn the same number of times whatever the
date, so a seed always gives the same lists. Meetings and suggestions draw from their own
`random.Random(seed * 7 + 1)`, so adding them changed no list, and receipt codes from one
seeded by the seed and the year, so another year's codes do not repeat this year's (a code
already in the database is drawn again). Rows are written with bulk inserts, a few hundred
villages at a time, so `--villages 30000` stays within minutes and bounded memory; each row
still gets its initial history row (django-simple-history's `bulk_create_with_history`).
"""

import datetime
import random
import time
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import reset_queries, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from demo.management.commands.seed_villages import VILLAGES_PER_DISTRICT
from pledges.models import Category, Escalation, PledgeList, ProgressUpdate, Prohibition, Project
from suggestions.models import RECEIPT_ALPHABET, Meeting, Suggestion
from villages.models import Membership, Village

CHUNK = 500  # villages per round: memory stays flat at any --villages
BATCH = 1000  # rows per INSERT: well under PostgreSQL's 65,535 parameters per query
CHANGE_REASON = "演示数据"

# Per category: (title, unit, possible target quantities, budget range in 万元). No unit and
# no quantities for what cannot be counted.
PROJECT_TITLES = {
    Category.ROADS: [
        ("硬化通组路", "公里", (1.2, 1.5, 2, 2.5, 3, 3.8), (40, 180)),
        ("修缮产业路", "公里", (1, 1.5, 2, 3), (30, 120)),
        ("硬化串户路", "米", (500, 800, 1200, 1500), (10, 45)),
        ("安装道路安全护栏", "米", (300, 600, 900), (8, 30)),
    ],
    Category.DRINKING_WATER: [
        ("铺设饮水管道", "米", (800, 1200, 1800, 2500, 3480), (10, 60)),
        ("新建蓄水池", "座", (1, 2, 3), (8, 40)),
        ("改造老旧供水管网", "米", (600, 1000, 1500), (15, 50)),
        ("安装净水消毒设备", "台", (1, 2), (3, 12)),
    ],
    Category.LIGHTING: [
        ("安装太阳能路灯", "盏", (20, 30, 40, 50, 60, 80), (6, 30)),
        ("更换LED节能路灯", "盏", (15, 25, 40), (3, 12)),
        ("维修损坏路灯", "盏", (10, 20, 30), (1, 5)),
    ],
    Category.IRRIGATION: [
        ("修建灌溉水渠", "米", (500, 800, 1200, 1500), (15, 80)),
        ("整治病险山塘", "座", (1, 2), (10, 50)),
        ("安装提灌设施", "处", (1, 2, 3), (8, 30)),
        ("疏浚田间沟渠", "米", (600, 1000, 2000), (5, 20)),
    ],
    Category.INDUSTRY: [
        ("建设蔬菜种植基地", "亩", (100, 200, 300, 500), (20, 100)),
        ("发展辣椒订单种植", "亩", (150, 300, 500), (15, 60)),
        ("建设食用菌大棚", "个", (10, 20, 30), (20, 90)),
        ("开展农村实用技术培训", "场", (4, 6, 10), (1, 5)),
        ("扶持发展林下养殖", "户", (20, 30, 50), (10, 40)),
    ],
    Category.HOUSING: [
        ("危房改造", "户", (5, 8, 12, 20), (15, 80)),
        ("整治农房屋顶漏雨", "户", (20, 40, 60), (10, 35)),
        ("安装燃气泄漏报警器", "户", (100, 200, 300), (3, 10)),
        ("治理地质灾害隐患点", "处", (1, 2, 3), (20, 100)),
    ],
    Category.CARE: [
        ("开办老年食堂", "个", (1,), (10, 30)),
        ("建设儿童之家", "个", (1,), (5, 15)),
        ("开展留守儿童关爱活动", "场", (6, 10, 12), (1, 3)),
        ("为高龄老人上门体检", "人", (80, 120, 200), (2, 6)),
        ("建设日间照料中心", "个", (1,), (20, 60)),
    ],
    Category.ENVIRONMENT: [
        ("建设垃圾收集点", "处", (4, 6, 8, 10), (3, 12)),
        ("改造农村户厕", "户", (30, 50, 80), (10, 40)),
        ("建设污水处理设施", "处", (1, 2), (30, 120)),
        ("开展人居环境集中整治", "", (), (2, 10)),
    ],
    Category.CULTURE: [
        ("建设文化活动广场", "处", (1,), (20, 80)),
        ("开办农家书屋", "间", (1,), (2, 6)),
        ("组织群众文艺演出", "场", (4, 6, 8), (1, 4)),
        ("建设便民服务站", "个", (1,), (5, 20)),
    ],
    Category.OTHER: [
        ("建设共享加油点", "个", (1,), (10, 30)),
        ("设立快递收发点", "个", (1, 2), (1, 4)),
        ("设立矛盾纠纷调解室", "间", (1,), (2, 6)),
        ("修订完善村规民约", "", (), (0.5, 2)),
    ],
}

# Urban communities (社区) have no fields to water or plant.
RURAL_ONLY = {Category.IRRIGATION, Category.INDUSTRY}

CATEGORY_PURPOSES = {
    Category.ROADS: "解决群众出行难和农产品运输难",
    Category.DRINKING_WATER: "保障群众饮水安全",
    Category.LIGHTING: "方便群众夜间出行",
    Category.IRRIGATION: "保障农田灌溉用水",
    Category.INDUSTRY: "带动群众就近务工增收",
    Category.HOUSING: "保障群众住房和生命财产安全",
    Category.CARE: "解决老人吃饭难、儿童看护难",
    Category.ENVIRONMENT: "改善村容村貌和人居环境",
    Category.CULTURE: "丰富群众文化生活",
    Category.OTHER: "方便群众生产生活",
}

VILLAGE_PLACES = ["一组", "二组和三组", "四组", "五组和六组", "村委会周边", "主干道沿线", "全村"]
COMMUNITY_PLACES = ["辖区", "老旧小区", "背街小巷", "社区服务中心周边", "主干道沿线"]

# The first post is the secretary, who leads the most projects (书记领办).
VILLAGE_POSTS = ["村党委书记", "村委会主任", "驻村第一书记", "村党委副书记", "村委会副主任"]
COMMUNITY_POSTS = [
    "社区党委书记",
    "社区居委会主任",
    "社区党委副书记",
    "社区居委会副主任",
    "社区监委会主任",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭罗梁宋郑谢韩唐冯"
GIVEN_NAMES = [
    "健", "明", "华", "勇", "军", "平", "刚", "敏", "静", "涛", "波", "丽",
    "红梅", "永刚", "海燕", "志强", "建国", "小兵", "德成", "文学", "仕伟", "春花",
]  # fmt: skip

FUNDING_SOURCES = [
    "财政衔接推进乡村振兴补助资金",
    "村集体经济收入",
    "部门项目资金",
    "一事一议财政奖补资金",
    "帮扶单位支持资金",
    "财政补助与群众自筹",
    "社会捐助",
]

PROHIBITIONS = [
    "不准优亲厚友办理低保",
    "不准收受群众礼品礼金",
    "不准推诿拖延群众办事",
    "不准插手村级工程项目、吃拿卡要",
    "不准挤占挪用惠民资金",
    "不准违规处置集体资产资源",
    "不准对群众态度生硬、门难进脸难看",
    "不准弄虚作假、虚报工作进度",
    "不准违规操办婚丧喜庆事宜",
    "不准工作日饮酒",
    "不准泄露群众个人信息",
    "不准对群众反映的问题不回应、不反馈",
]

RETURN_COMMENTS = [
    "部分项目预算测算偏粗，请细化后重新提交。",
    "请补充各项目的资金来源，并明确领办人。",
    "个别项目与上年重复，请结合群众意见调整。",
    "完成时限安排过紧，请合理安排工期后再报。",
]
APPROVAL_COMMENT = "经实地查看和可行性论证，同意实施。"

# What a village writes in a monthly report, early on and later.
EARLY_NOTES = [
    "资金已落实，正在组织实施。",
    "前期准备已完成，正在有序推进。",
    "召开群众会议通报进展，听取意见建议。",
]
LATE_NOTES = [
    "已完成大部分工作量，正在收尾。",
    "按计划推进，群众反映良好。",
    "受天气影响进度稍慢，已增派人手。",
]
FINISH_NOTES = [
    "项目已全部完成，组织群众代表现场查看。",
    "已全部完成，群众反映良好。",
    "已全部完成，资料已整理报镇（街道）验收。",
]
COMPLETED_NOTE = "已全部完成，申请验收销号。"
VERIFIED_NOTE = "经随访核查，已按承诺完成，予以销号。"

LIST_STATUS_WEIGHTS = {
    PledgeList.Status.PUBLISHED: 70,
    PledgeList.Status.APPROVED: 8,
    PledgeList.Status.SUBMITTED: 8,
    PledgeList.Status.RETURNED: 6,
    PledgeList.Status.DRAFT: 8,
}
PROJECT_STATUS_WEIGHTS = {
    Project.Status.PLANNED: 15,
    Project.Status.IN_PROGRESS: 40,
    Project.Status.COMPLETED: 15,
    Project.Status.VERIFIED: 30,
}
OVERDUE_SHARE = 0.3  # of the projects in progress
# 龙江村, the demo village: a bit of everything, two projects waiting for verification.
DEMO_VILLAGE_STATUSES = [
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
    Project.Status.COMPLETED,
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
    Project.Status.PLANNED,
    Project.Status.COMPLETED,
    Project.Status.IN_PROGRESS,
    Project.Status.VERIFIED,
    Project.Status.IN_PROGRESS,
]
STARTED = (Project.Status.IN_PROGRESS, Project.Status.COMPLETED, Project.Status.VERIFIED)

# Opinion collection (民意征集). Seed 000: 342 meetings and 626 suggestions for 119 villages,
# about 2.9 meetings and 5.3 suggestions a village.
MEETING_COUNT_WEIGHTS = {1: 15, 2: 25, 3: 30, 4: 20, 5: 10}
SUGGESTION_COUNT_WEIGHTS = {2: 7, 3: 12, 4: 17, 5: 20, 6: 18, 7: 13, 8: 8, 9: 5}
MEETING_KIND_WEIGHTS = {
    Meeting.Kind.MASS_MEETING: 65,
    Meeting.Kind.VISITS: 20,
    Meeting.Kind.REPRESENTATIVES: 15,
}
MEETING_ATTENDANCE = {
    Meeting.Kind.MASS_MEETING: (40, 120),
    Meeting.Kind.VISITS: (20, 60),
    Meeting.Kind.REPRESENTATIVES: (20, 45),
}
MEETING_NOTES = {
    Meeting.Kind.MASS_MEETING: [
        "召开群众会议，征集年度民生实事意见建议。",
        "在{place}召开院坝会，听取群众对今年民生实事的意见。",
        "召开群众会议，通报上年承诺践诺情况，征集今年意见建议。",
    ],
    Meeting.Kind.VISITS: [
        "村干部分组入户走访，收集群众急难愁盼问题。",
        "走访{place}留守老人和困难家庭，征集意见建议。",
    ],
    Meeting.Kind.REPRESENTATIVES: [
        "召开村民代表会议，讨论年度十件民生实事初步清单。",
        "召开党员和村民代表会议，征求对民生实事的意见。",
    ],
}
MEETING_DAYS = (2, 75)  # after 1 January: opinions are collected in the first months

SUGGESTION_STATUS_WEIGHTS = {
    Suggestion.Status.ADOPTED: 45,
    Suggestion.Status.NOT_ADOPTED: 25,
    Suggestion.Status.PASSED_UP: 5,
    Suggestion.Status.RECEIVED: 7,
    Suggestion.Status.CONSIDERING: 8,
    Suggestion.Status.CLOSED: 10,
}
# Answered suggestions mostly come from the meetings early in the year; those still open came
# in more often lately, another way.
MEETING_SHARE = 0.8
OPEN_MEETING_SHARE = 0.3
OTHER_CHANNEL_WEIGHTS = {
    Suggestion.Channel.ONLINE: 45,
    Suggestion.Channel.VISIT: 25,
    Suggestion.Channel.PHONE: 15,
    Suggestion.Channel.REPRESENTATIVE: 15,
}
OVERDUE_OPEN_SHARE = 0.5  # of the open ones not from a meeting: received over 15 days ago
NAMED_SHARE = 0.3  # residents who leave a name; some of them a phone number too
PHONE_SHARE = 0.6
HIDDEN_EVERY = 50  # one village in 50 (the 26th, the 76th …) has a suggestion hidden
REPLY_DAYS = (2, 40)
# 龙江村: a bit of everything, and two waiting for a reply (the first one overdue).
DEMO_SUGGESTION_STATUSES = [
    Suggestion.Status.ADOPTED,
    Suggestion.Status.NOT_ADOPTED,
    Suggestion.Status.RECEIVED,
    Suggestion.Status.ADOPTED,
    Suggestion.Status.CLOSED,
    Suggestion.Status.CONSIDERING,
    Suggestion.Status.ADOPTED,
    Suggestion.Status.PASSED_UP,
]

# What residents ask for, per category, with the project titles that answer it; {place} is a
# group of the village or a part of the community. Written for a village; `_for_kind` rewords
# them for a community.
SUGGESTION_TEXTS = {
    Category.ROADS: [
        ("{place}到村委会的路坑坑洼洼，下雨天车子进不去", ("硬化通组路", "硬化串户路")),
        ("{place}的通组路太窄，会车困难，建议加宽硬化", ("硬化通组路",)),
        ("产业路还是泥巴路，农产品运不出去，希望修一修", ("修缮产业路",)),
        ("{place}路边靠河沟的地方没有护栏，晚上走很危险", ("安装道路安全护栏",)),
    ],
    Category.DRINKING_WATER: [
        ("{place}一到夏天就停水，吃水要去挑", ("铺设饮水管道", "新建蓄水池")),
        ("自来水管老化，经常爆管漏水，建议更换", ("改造老旧供水管网", "铺设饮水管道")),
        ("下雨后自来水发浑，希望安装净水设备", ("安装净水消毒设备",)),
    ],
    Category.LIGHTING: [
        ("村口到小学的路没有路灯，晚上孩子放学不安全", ("安装太阳能路灯", "更换LED节能路灯")),
        ("{place}的路灯坏了好几盏，一直没人修", ("维修损坏路灯", "更换LED节能路灯")),
        ("{place}晚上黑漆漆的，希望安装太阳能路灯", ("安装太阳能路灯",)),
    ],
    Category.IRRIGATION: [
        ("希望修一条灌溉水渠", ("修建灌溉水渠",)),
        ("{place}的山塘漏水，栽秧时节灌溉用水不够", ("整治病险山塘",)),
        ("田间沟渠堵了，一下大雨就淹田，建议疏通", ("疏浚田间沟渠",)),
        ("{place}的田在坡上，水上不去，希望安装提灌设施", ("安装提灌设施",)),
    ],
    Category.INDUSTRY: [
        ("希望组织辣椒种植技术培训", ("开展农村实用技术培训", "发展辣椒订单种植")),
        ("建议发展食用菌大棚，让大家在家门口务工", ("建设食用菌大棚",)),
        ("种的蔬菜卖不出去，希望引进企业订单收购", ("建设蔬菜种植基地", "发展辣椒订单种植")),
        ("希望扶持大家在林下养鸡，增加点收入", ("扶持发展林下养殖",)),
    ],
    Category.HOUSING: [
        ("{place}有几户老房子漏雨，老人住着不安全", ("整治农房屋顶漏雨", "危房改造")),
        ("后山雨季经常掉石头，建议治理地质灾害隐患", ("治理地质灾害隐患点",)),
        ("独居老人用燃气不放心，建议安装燃气报警器", ("安装燃气泄漏报警器",)),
    ],
    Category.CARE: [
        ("老人吃饭难，建议办老年食堂", ("开办老年食堂", "建设日间照料中心")),
        ("留守儿童放学后没人管，希望建个儿童之家", ("建设儿童之家", "开展留守儿童关爱活动")),
        ("希望组织医生上门给高龄老人体检", ("为高龄老人上门体检",)),
    ],
    Category.ENVIRONMENT: [
        ("{place}垃圾乱堆乱放，希望多设几个垃圾收集点", ("建设垃圾收集点", "开展人居环境集中整治")),
        ("生活污水直接排进河沟，气味很大，建议建污水处理设施", ("建设污水处理设施",)),
        ("希望帮助改造旱厕", ("改造农村户厕",)),
    ],
    Category.CULTURE: [
        ("村里没有活动场地，希望建个文化广场", ("建设文化活动广场", "组织群众文艺演出")),
        ("希望办个农家书屋，孩子们放假有地方看书", ("开办农家书屋",)),
        ("建议在村委会设便民服务站，办事不用跑镇上", ("建设便民服务站",)),
    ],
    Category.OTHER: [
        ("加油要跑十几公里，希望设个共享加油点", ("建设共享加油点",)),
        ("快递只送到镇上，希望村里设个快递收发点", ("设立快递收发点",)),
        ("邻里之间为宅基地闹矛盾，希望有人帮忙调解", ("设立矛盾纠纷调解室", "修订完善村规民约")),
    ],
}
SUGGESTION_ENDINGS = [
    "。",
    "。",
    "，希望村里尽快解决。",
    "，请村委会考虑一下。",
    "，大家都很关心这个事。",
    "，希望今年能列入民生实事。",
]
SUGGESTION_PLACES = ["一组", "二组", "三组", "四组", "五组", "六组", "老寨", "新寨"]
COMMUNITY_SUGGESTION_PLACES = ["一号小区", "老旧小区", "背街小巷", "菜市场附近", "社区服务中心旁"]
VILLAGE_CATEGORIES = list(SUGGESTION_TEXTS)
COMMUNITY_CATEGORIES = [category for category in SUGGESTION_TEXTS if category not in RURAL_ONLY]
# Village wording → community wording, longest first.
COMMUNITY_WORDS = [
    ("村民代表", "居民代表"),
    ("村务", "居务"),
    ("村委会", "社区居委会"),
    ("村干部", "社区干部"),
    ("院坝会", "居民议事会"),
    ("村口", "小区门口"),
    ("村里", "社区里"),
    ("村级", "社区"),
]
RESIDENT_TITLES = ["大爷", "大妈", "阿姨", "师傅", "大哥", "大姐", "老师"]

NOT_ADOPTED_REPLIES = [
    "经村民代表会议讨论，今年资金有限，暂不纳入，明年优先考虑。",
    "经现场查看，该事项已纳入上级部门规划，将由相关部门统一实施。",
    "经可行性论证，该事项暂不具备实施条件，村干部已上门向您说明情况。",
    "已列入明年民生实事候选项目，届时优先考虑。",
]
CLOSED_REPLIES = [
    "已安排人员处理完毕，经回访群众表示满意。",
    "已联系相关部门维修，现已恢复正常。",
    "村干部已现场解答，问题已解决。",
]
PASSED_UP_REPLY = "该问题超出村级解决能力，已上报镇（街道）协调解决，有进展将及时告知您。"
HIDDEN_TEXTS = [
    "{place}组长就是个混子，什么事都不管，早该下台",
    "那个会计脑子有毛病，办个事推来推去",
]
ADOPTED_REPLY = "已纳入今年十件民生实事第{number}项（{title}），感谢您的建议。"
DRAFT_ADOPTED_REPLY = (
    "已列入今年十件民生实事清单草案第{number}项（{title}），待镇（街道）审核后公布。"
)
HIDDEN_REPLY = "您反映的情况已转村务监督委员会核实，请文明理性表达诉求。"
HIDDEN_REASON = "含有人身攻击内容"


def _title_pool(skip: set) -> list[tuple]:
    return [
        (category, *entry)
        for category, entries in PROJECT_TITLES.items()
        if category not in skip
        for entry in entries
    ]


VILLAGE_TITLES = _title_pool(set())
COMMUNITY_TITLES = _title_pool(RURAL_ONLY)


def _number(value: Decimal) -> str:
    """30, 2.5: a quantity as people write it."""
    return f"{value.normalize():f}"


def _done(target: Decimal | None, unit: str, percent: int) -> Decimal | None:
    """The quantity a percentage has reached, in whole lamps, metres, households … (rounded
    down: a canteen 60% built is not one canteen)."""
    if target is None:
        return None
    step = Decimal("0.1") if unit == "公里" else Decimal("1")
    return (target * percent / 100).quantize(step, rounding=ROUND_DOWN)


def _for_kind(text: str, community: bool) -> str:
    """A village's wording, or the same said of a community (社区)."""
    if community:
        for village_word, community_word in COMMUNITY_WORDS:
            text = text.replace(village_word, community_word)
    return text


class Command(BaseCommand):
    help = "Create the demo district, its users and a year of pledge lists."

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=VILLAGES_PER_DISTRICT)
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Pledge year for the demo lists (default: this year).",
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--no-reviews",
            dest="reviews",
            action="store_false",
            help="Skip the year-end reviews of the year before (reviews' seed_reviews).",
        )

    def handle(self, *args, villages: int, year: int | None, seed: int, **options):
        year = year or timezone.localdate().year
        with transaction.atomic():
            call_command(
                "seed_villages",
                villages=villages,
                year=year,
                seed=seed,
                stdout=self.stdout,
                stderr=self.stderr,
            )
            if PledgeList.objects.filter(year=year).exists():
                self.stdout.write(f"Pledge lists for {year} are already loaded; nothing to do.")
                return
            started = time.monotonic()
            counts = self._seed_year(
                year,
                random.Random(seed),
                opinion_rng=random.Random(seed * 7 + 1),
                code_rng=random.Random(f"receipt codes {seed} {year}"),
            )
            # Last month's notices for the demo district, in its villages' inboxes.
            call_command("seed_notices", stdout=self.stdout, stderr=self.stderr)
            # Challenges, reports, a follower and standard replies in the demo village.
            call_command("seed_residents", year=year, stdout=self.stdout, stderr=self.stderr)
            if options.get("reviews", True):
                # The year before, reviewed (年度评议): its lists too, where missing.
                call_command(
                    "seed_reviews", year=year - 1, seed=seed, stdout=self.stdout, stderr=self.stderr
                )
        self.stdout.write(
            self.style.SUCCESS(
                "Pledge lists for {year}: {lists} lists, {projects} projects, {prohibitions} "
                "prohibitions, {updates} progress updates, {meetings} meetings, "
                "{suggestions} suggestions in {seconds:.1f} s.".format(
                    year=year, seconds=time.monotonic() - started, **counts
                )
            )
        )

    def _seed_year(
        self,
        year: int,
        rng: random.Random,
        *,
        opinion_rng: random.Random,
        code_rng: random.Random,
    ) -> dict:
        self.rng = rng
        self.opinion_rng = opinion_rng
        self.code_rng = code_rng
        self.villages_seen = 0
        self.year = year
        self.year_start = datetime.date(year, 1, 1)
        self.year_end = datetime.date(year, 12, 31)
        # The day the demo year has reached: today, or the year's end for a past year.
        self.as_of = min(max(timezone.localdate(), self.year_start), self.year_end)
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self._find_demo_people()
        villages = list(Village.objects.order_by("code").values_list("id", "township_id", "kind"))
        counts = {
            "lists": 0,
            "projects": 0,
            "prohibitions": 0,
            "updates": 0,
            "meetings": 0,
            "suggestions": 0,
        }
        for first in range(0, len(villages), CHUNK):
            for name, count in self._seed_chunk(villages[first : first + CHUNK]).items():
                counts[name] += count
            reset_queries()  # with DEBUG on, Django keeps every INSERT's SQL until told not to
        return counts

    def _find_demo_people(self) -> None:
        """The demo users and their places, so their lists can be the ones the demo needs.
        Missing users (a tree loaded some other way) just mean no special lists."""
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
        self.village_user = village_member.user if village_member else None
        self.demo_village_id = village_member.village_id if village_member else None
        self.township_user = township_member.user if township_member else None
        self.demo_township_id = township_member.township_id if township_member else None
        self.review_village_id = (
            Village.objects.filter(township_id=self.demo_township_id)
            .exclude(id=self.demo_village_id)
            .order_by("code")
            .values_list("id", flat=True)
            .first()
        )

    def _seed_chunk(self, villages: list[tuple]) -> dict:
        """Lists, then their projects and prohibitions, then progress updates for some of a
        few hundred villages. Ids come back from a query, not from bulk_create."""
        lists = [
            self._pledge_list(village_id, township_id) for village_id, township_id, _ in villages
        ]
        self._bulk_create(lists, PledgeList)
        list_ids = dict(
            PledgeList.objects.filter(
                year=self.year, village_id__in=[village[0] for village in villages]
            ).values_list("village_id", "id")
        )

        projects, prohibitions, updates = [], [], []
        for pledge_list, (village_id, _, kind) in zip(lists, villages, strict=True):
            list_id = list_ids[village_id]
            new_projects, new_updates = self._projects(
                list_id, pledge_list.status, kind, village_id
            )
            projects += new_projects
            updates += new_updates
            texts = self.rng.sample(PROHIBITIONS, settings.PLEDGE_PROHIBITION_COUNT)
            prohibitions += [
                Prohibition(pledge_list_id=list_id, number=number, text=text)
                for number, text in enumerate(texts, 1)
            ]
        self._bulk_create(projects, Project)
        self._bulk_create(prohibitions, Prohibition)

        project_ids = {
            (list_id, number): project_id
            for list_id, number, project_id in Project.objects.filter(
                pledge_list_id__in=list(list_ids.values()), status__in=STARTED
            ).values_list("pledge_list_id", "number", "id")
        }
        for list_id, number, update in updates:
            update.project_id = project_ids[list_id, number]
        self._bulk_create([update for _, _, update in updates], ProgressUpdate)
        return {
            "lists": len(lists),
            "projects": len(projects),
            "prohibitions": len(prohibitions),
            "updates": len(updates),
            **self._seed_opinions(villages, lists, list_ids),
        }

    def _bulk_create(self, objs: list, model) -> list:
        """The rows and the first history row of each, as save() would have written it."""
        return bulk_create_with_history(
            objs, model, batch_size=BATCH, default_change_reason=CHANGE_REASON
        )

    def _pledge_list(self, village_id: int, township_id: int) -> PledgeList:
        rng = self.rng
        status = rng.choices(list(LIST_STATUS_WEIGHTS), weights=LIST_STATUS_WEIGHTS.values())[0]
        if village_id == self.demo_village_id:
            status = PledgeList.Status.PUBLISHED
        elif village_id == self.review_village_id:
            status = PledgeList.Status.SUBMITTED
        village_user = self.village_user if village_id == self.demo_village_id else None
        cadre = self.township_user if township_id == self.demo_township_id else None

        # Lists are drawn up early in the year; one still waiting was sent in lately.
        early = self._moment(
            self.year_start + timedelta(days=5), self.year_start + timedelta(days=40)
        )
        lately = self._moment(max(self.year_start, self.as_of - timedelta(days=14)), self.as_of)
        reviewed = self._later(early, 2, 10)
        published = self._later(reviewed, 1, 5)
        comment = rng.choice(RETURN_COMMENTS)

        pledge_list = PledgeList(village_id=village_id, year=self.year, status=status)
        if status == PledgeList.Status.DRAFT:
            return pledge_list
        pledge_list.submitted_by = village_user
        if status == PledgeList.Status.SUBMITTED:
            pledge_list.submitted_at = lately
            return pledge_list
        pledge_list.submitted_at = early
        pledge_list.reviewed_at = reviewed
        pledge_list.reviewed_by = cadre
        if status == PledgeList.Status.RETURNED:
            pledge_list.review_comment = comment
            return pledge_list
        pledge_list.review_comment = APPROVAL_COMMENT
        if status == PledgeList.Status.PUBLISHED:
            pledge_list.published_at = published
            pledge_list.published_by = cadre
        return pledge_list

    def _projects(self, list_id: int, list_status: str, kind: str, village_id: int):
        """The list's projects, and its progress updates as (list id, number, update) until the
        projects have ids. Only published lists have work under way."""
        rng = self.rng
        is_demo = village_id == self.demo_village_id
        community = kind == Village.Kind.COMMUNITY
        posts = COMMUNITY_POSTS if community else VILLAGE_POSTS
        leads = [(self._person(), post) for post in [posts[0], *rng.sample(posts[1:], 3)]]
        places = COMMUNITY_PLACES if community else VILLAGE_PLACES
        titles = rng.sample(
            COMMUNITY_TITLES if community else VILLAGE_TITLES, settings.PLEDGE_PROJECT_COUNT
        )
        projects, updates = [], []
        for number, (category, title, unit, quantities, budget) in enumerate(titles, 1):
            status = rng.choices(
                list(PROJECT_STATUS_WEIGHTS), weights=PROJECT_STATUS_WEIGHTS.values()
            )[0]
            if list_status != PledgeList.Status.PUBLISHED:
                status = Project.Status.PLANNED
            elif is_demo:
                status = DEMO_VILLAGE_STATUSES[(number - 1) % len(DEMO_VILLAGE_STATUSES)]
            overdue = rng.random() < OVERDUE_SHARE and status == Project.Status.IN_PROGRESS
            start, finish = self._plan_dates(status, overdue)
            target = Decimal(str(rng.choice(quantities))) if quantities else None
            lead_name, lead_post = rng.choice(leads)
            amount = f"{_number(target)}{unit}" if target is not None else ""
            project = Project(
                pledge_list_id=list_id,
                number=number,
                title=title,
                category=category,
                description=(
                    f"{title}{amount}，{CATEGORY_PURPOSES[category]}。"
                    f"实施范围：{rng.choice(places)}。"
                ),
                lead_name=lead_name,
                lead_post=lead_post,
                target_quantity=target,
                unit=unit,
                budget=Decimal(rng.randint(int(budget[0] * 10), budget[1] * 10)) / 10,
                funding_source=rng.choice(FUNDING_SOURCES),
                planned_start=start,
                planned_finish=finish,
                status=status,
            )
            # Drawn for every project so the sequence does not depend on the status or date.
            percent = rng.randint(1, 9) * 10
            waited = self._moment(max(start, self.as_of - timedelta(days=20)), self.as_of)
            finished = self._moment(start, min(finish, self.as_of - timedelta(days=7)))
            verified = self._later(finished, 1, 15)

            last_report = self.as_of
            if status == Project.Status.IN_PROGRESS:
                project.percent_done = percent
                project.quantity_done = _done(target, unit, percent)
            elif status in (Project.Status.COMPLETED, Project.Status.VERIFIED):
                percent = 100
                project.percent_done = 100
                project.quantity_done = target
                project.completed_at = waited if status == Project.Status.COMPLETED else finished
                project.completed_by = self.village_user if is_demo else None
                project.status_note = COMPLETED_NOTE
                last_report = project.completed_at.date()
                if status == Project.Status.VERIFIED:
                    project.verified_at = verified
                    project.verified_by = self.township_user if is_demo else None
                    project.status_note = VERIFIED_NOTE
            projects.append(project)
            if status in STARTED:
                for update in self._updates(project, percent, last_report, is_demo):
                    updates.append((list_id, number, update))
        return projects, updates

    def _plan_dates(self, status: str, overdue: bool) -> tuple[datetime.date, datetime.date]:
        """Start and finish inside the year that fit the status on `as_of`: planned projects
        start later, open and just-completed ones finish later unless overdue, started ones
        have started."""
        rng = self.rng
        start = self.year_start + timedelta(days=rng.randint(10, 160))
        finish = min(self.year_end, start + timedelta(days=rng.randint(60, 240)))
        later = self.as_of + timedelta(days=rng.randint(5, 40))
        overdue_by = timedelta(days=rng.randint(1, 30))
        if status == Project.Status.PLANNED:
            start = min(self.year_end, max(start, later))
            finish = min(self.year_end, max(finish, start + timedelta(days=30)))
            return start, finish
        start = min(start, self.as_of)
        # Overdue needs room: a finish a month back and a start a month before that.
        if overdue and (self.as_of - self.year_start).days > 60:
            finish = self.as_of - overdue_by
            start = min(start, finish - timedelta(days=30))
        elif status in (Project.Status.IN_PROGRESS, Project.Status.COMPLETED):
            # Not late: still within its time, or done ahead of it and waiting for the check.
            finish = min(self.year_end, max(finish, later))
        return start, finish

    def _updates(self, project: Project, final: int, last_day, is_demo: bool):
        """One to three reports rising to the project's current percentage: the last one on
        the day it was completed, or within the month before `last_day` (reports are
        monthly)."""
        rng = self.rng
        earlier = list(range(10, final, 10))
        count = min(rng.randint(0, 2), len(earlier))
        percents = [*sorted(rng.sample(earlier, count)), final]
        latest = self._day(max(project.planned_start, last_day - timedelta(days=30)), last_day)
        if final == 100:
            latest = last_day
        days = [*sorted(self._day(project.planned_start, latest) for _ in percents[:-1]), latest]
        updates = []
        for day, percent in zip(days, percents, strict=True):
            quantity = _done(project.target_quantity, project.unit, percent)
            remark = rng.choice(EARLY_NOTES if percent < 50 else LATE_NOTES)
            if percent == 100:
                note = rng.choice(FINISH_NOTES)
            elif quantity:
                note = f"完成{percent}%（{_number(quantity)}{project.unit}），{remark}"
            else:
                note = f"完成{percent}%，{remark}"
            update = ProgressUpdate(
                date=day,
                percent_done=percent,
                quantity_done=quantity,
                note=note,
                author=self.village_user if is_demo else None,
            )
            if is_demo:
                update._history_user = self.village_user
            updates.append(update)
        return updates

    # Opinion collection (民意征集): meetings, suggestions and their replies.

    def _seed_opinions(self, villages: list[tuple], lists: list, list_ids: dict) -> dict:
        """The chunk's meetings and suggestions, the escalations of those passed up and the
        links of adopted ones to their projects. Suggestions point at meetings and escalations
        by the ids bulk_create sets on them (PostgreSQL, SQLite 3.35+, MariaDB 10.5+)."""
        projects = defaultdict(list)
        for list_id, *project in (
            Project.objects.filter(pledge_list_id__in=list(list_ids.values()))
            .order_by("pledge_list_id", "number")
            .values_list("pledge_list_id", "id", "number", "category", "title")
        ):
            projects[list_id].append(project)
        meetings, suggestions, escalations, adoptions = [], [], [], []
        for pledge_list, (village_id, _, kind) in zip(lists, villages, strict=True):
            community = kind == Village.Kind.COMMUNITY
            new_meetings, new_suggestions = self._opinions(
                village_id, community, pledge_list.status, projects[list_ids[village_id]]
            )
            meetings += new_meetings
            for suggestion, escalation, project_id in new_suggestions:
                suggestions.append(suggestion)
                if escalation is not None:
                    escalations.append(escalation)
                if project_id is not None:
                    adoptions.append((suggestion, project_id))
        self._bulk_create(meetings, Meeting)
        self._bulk_create(escalations, Escalation)
        self._set_receipt_codes(suggestions)
        self._bulk_create(suggestions, Suggestion)
        self._adopt(adoptions)
        return {"meetings": len(meetings), "suggestions": len(suggestions)}

    def _opinions(self, village_id: int, community: bool, list_status: str, projects: list):
        """A village's meetings, and its suggestions as (suggestion, escalation or None,
        project id adopted into or None)."""
        rng = self.opinion_rng
        is_demo = village_id == self.demo_village_id
        recorder = self.village_user if is_demo else None
        count = rng.choices(list(MEETING_COUNT_WEIGHTS), weights=MEETING_COUNT_WEIGHTS.values())[0]
        meetings = [self._meeting(village_id, community, recorder) for _ in range(count)]
        count = rng.choices(
            list(SUGGESTION_COUNT_WEIGHTS), weights=SUGGESTION_COUNT_WEIGHTS.values()
        )[0]
        statuses = rng.choices(
            list(SUGGESTION_STATUS_WEIGHTS), weights=SUGGESTION_STATUS_WEIGHTS.values(), k=count
        )
        hidden_at = rng.randrange(count)
        if self.villages_seen % HIDDEN_EVERY != HIDDEN_EVERY // 2:
            hidden_at = None
        self.villages_seen += 1
        if is_demo:
            statuses, hidden_at = DEMO_SUGGESTION_STATUSES, None
        suggestions = []
        open_before = 0
        for index, status in enumerate(statuses):
            # 龙江村: the first one waiting is overdue, the others are not.
            overdue = open_before == 0 if is_demo else None
            suggestions.append(
                self._suggestion(
                    village_id,
                    community,
                    status,
                    meetings,
                    projects,
                    list_status,
                    is_demo=is_demo,
                    hidden=index == hidden_at,
                    overdue=overdue,
                )
            )
            open_before += status in Suggestion.OPEN
        return meetings, suggestions

    def _meeting(self, village_id: int, community: bool, recorder) -> Meeting:
        rng = self.opinion_rng
        kind = rng.choices(list(MEETING_KIND_WEIGHTS), weights=MEETING_KIND_WEIGHTS.values())[0]
        low, high = MEETING_ATTENDANCE[kind]
        places = COMMUNITY_SUGGESTION_PLACES if community else SUGGESTION_PLACES
        first = min(self.year_start + timedelta(days=MEETING_DAYS[0]), self.as_of)
        last = min(self.year_start + timedelta(days=MEETING_DAYS[1]), self.as_of)
        meeting = Meeting(
            village_id=village_id,
            date=self._day(first, last, rng),
            kind=kind,
            attendance=rng.randint(low, high),
            notes=_for_kind(rng.choice(MEETING_NOTES[kind]), community).format(
                place=rng.choice(places)
            ),
            created_by=recorder,
        )
        if recorder:
            meeting._history_user = recorder
        return meeting

    def _suggestion(
        self,
        village_id: int,
        community: bool,
        status: str,
        meetings: list,
        projects: list,
        list_status: str,
        *,
        is_demo: bool,
        hidden: bool,
        overdue: bool | None,
    ) -> tuple:
        """One suggestion, dated to fit its status on `as_of`: an answered one has had its
        reply, an open one is overdue or recent as `overdue` says (drawn when None)."""
        rng = self.opinion_rng
        if hidden:
            status = Suggestion.Status.CLOSED
        if status == Suggestion.Status.ADOPTED and not projects:
            status = Suggestion.Status.NOT_ADOPTED
        is_open = status in Suggestion.OPEN

        # What it asks for: an adopted one, what its project does.
        project = rng.choice(projects) if status == Suggestion.Status.ADOPTED else None
        if project is not None:
            category = project[2]
        elif hidden:
            category = Category.OTHER
        else:
            category = rng.choice(COMMUNITY_CATEGORIES if community else VILLAGE_CATEGORIES)
        if hidden:
            template = rng.choice(HIDDEN_TEXTS)
        else:
            asks = SUGGESTION_TEXTS[category]
            if project is not None:  # what the project does, if some text asks for it
                asks = [ask for ask in asks if project[3] in ask[1]] or asks
            template = rng.choice(asks)[0]
        ending = rng.choice(SUGGESTION_ENDINGS)
        places = COMMUNITY_SUGGESTION_PLACES if community else SUGGESTION_PLACES
        text = _for_kind(template + ending, community).format(place=rng.choice(places))

        # How it came in, and who left a name.
        share = OPEN_MEETING_SHARE if is_open else MEETING_SHARE
        by_meeting = rng.random() < share and bool(meetings) and not (is_demo and is_open)
        meeting = rng.choice(meetings) if by_meeting else None
        channel = (
            Suggestion.Channel.MEETING
            if by_meeting
            else rng.choices(list(OTHER_CHANNEL_WEIGHTS), weights=OTHER_CHANNEL_WEIGHTS.values())[0]
        )
        name = phone = ""
        if rng.random() < NAMED_SHARE:
            name = rng.choice(SURNAMES) + rng.choice(RESIDENT_TITLES)
            if rng.random() < PHONE_SHARE:
                phone = f"1380000{rng.randint(0, 9999):04d}"  # not a real number

        # When: one draw per date whatever the date, so the sequence never depends on it.
        late = rng.random() < OVERDUE_OPEN_SHARE
        overdue = late if overdue is None else overdue
        reply_days = settings.SUGGESTION_REPLY_DAYS
        if meeting is not None:
            received = meeting.date
        elif not is_open:
            received = self._day(self.year_start, self.as_of - timedelta(days=REPLY_DAYS[0]), rng)
        elif overdue:
            received = self._day(
                max(self.year_start, self.as_of - timedelta(days=60)),
                self.as_of - timedelta(days=reply_days + 1),
                rng,
            )
        else:
            received = self._day(
                max(self.year_start, self.as_of - timedelta(days=reply_days - 3)), self.as_of, rng
            )
        replied_at = None
        if not is_open:
            last = max(received, min(received + timedelta(days=REPLY_DAYS[1]), self.as_of))
            first = min(received + timedelta(days=REPLY_DAYS[0]), last)
            replied_at = self._moment(first, last, rng)

        reply = ""
        if status == Suggestion.Status.ADOPTED:
            published = list_status in (PledgeList.Status.PUBLISHED, PledgeList.Status.APPROVED)
            reply = (ADOPTED_REPLY if published else DRAFT_ADOPTED_REPLY).format(
                number=project[1], title=project[3]
            )
        elif status == Suggestion.Status.NOT_ADOPTED:
            reply = rng.choice(NOT_ADOPTED_REPLIES)
        elif status == Suggestion.Status.PASSED_UP:
            reply = PASSED_UP_REPLY
        elif status == Suggestion.Status.CLOSED:
            reply = HIDDEN_REPLY if hidden else rng.choice(CLOSED_REPLIES)
        reply = _for_kind(reply, community)

        escalation = None
        if status == Suggestion.Status.PASSED_UP:
            escalation = Escalation(
                village_id=village_id,
                problem=text,
                level=Escalation.Level.TOWNSHIP,
                raised_by=None,
            )
        suggestion = Suggestion(
            village_id=village_id,
            year=self.year,
            channel=channel,
            meeting=meeting,
            text=text,
            category=category,
            name=name,
            phone=phone,
            received=received,
            status=status,
            receipt_code="",  # set by _set_receipt_codes: the default would draw from secrets
            reply=reply,
            replied_at=replied_at,
            replied_by=self.village_user if is_demo and replied_at else None,
            escalation=escalation,
            is_hidden=hidden,
            hidden_reason=HIDDEN_REASON if hidden else "",
        )
        if is_demo and channel != Suggestion.Channel.ONLINE:
            suggestion._history_user = self.village_user  # recorded by the village committee
        return suggestion, escalation, project[0] if project is not None else None

    def _set_receipt_codes(self, suggestions: list) -> None:
        """Codes from the seeded generator, unique in the chunk and in the database: a code
        already taken (by an earlier chunk, another year or a resident) is drawn again."""
        drawn = set()
        pending = suggestions
        while pending:
            for suggestion in pending:
                code = self._receipt_code()
                while code in drawn:
                    code = self._receipt_code()
                drawn.add(code)
                suggestion.receipt_code = code
            taken = set(
                Suggestion.objects.filter(
                    receipt_code__in=[suggestion.receipt_code for suggestion in pending]
                )
                .order_by()
                .values_list("receipt_code", flat=True)
            )
            pending = [suggestion for suggestion in pending if suggestion.receipt_code in taken]

    def _receipt_code(self) -> str:
        code = "".join(self.code_rng.choices(RECEIPT_ALPHABET, k=8))
        return f"{code[:4]}-{code[4:]}"

    def _adopt(self, adoptions: list[tuple]) -> None:
        """Adopted suggestions → their projects, and the same links on each suggestion's
        first history row, as `projects.set()` would have recorded them."""
        if not adoptions:
            return
        through = Suggestion.projects.through
        links = through.objects.bulk_create(
            [
                through(suggestion_id=suggestion.pk, project_id=project_id)
                for suggestion, project_id in adoptions
            ],
            batch_size=BATCH,
        )
        history_ids = dict(
            Suggestion.history.filter(
                id__in=[link.suggestion_id for link in links], history_type="+"
            )
            .order_by("history_id")  # the newest first row wins, should an id come back
            .values_list("id", "history_id")
        )
        history_links = apps.get_model("suggestions", "HistoricalSuggestion_projects")
        history_links.objects.bulk_create(
            [
                history_links(
                    history_id=history_ids[link.suggestion_id],
                    id=link.pk,
                    suggestion_id=link.suggestion_id,
                    project_id=link.project_id,
                )
                for link in links
            ],
            batch_size=BATCH,
        )

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def _day(
        self, first: datetime.date, last: datetime.date, rng: random.Random | None = None
    ) -> datetime.date:
        """A day from first to last (first when last is earlier). One random() whatever the
        span: randint's draws vary with its range, which here depends on today's date."""
        rng = rng or self.rng
        span = max(0, (last - first).days)
        return first + timedelta(days=int(rng.random() * (span + 1)))

    def _moment(
        self, first: datetime.date, last: datetime.date, rng: random.Random | None = None
    ) -> datetime.datetime:
        """Office hours on a day from first to last, never in the future."""
        rng = rng or self.rng
        day = self._day(first, last, rng)
        at = datetime.time(rng.randint(8, 17), rng.randint(0, 59), tzinfo=self.zone)
        return min(self.now, datetime.datetime.combine(day, at))

    def _later(self, moment: datetime.datetime, low: int, high: int) -> datetime.datetime:
        day = timezone.localtime(moment).date()
        return self._moment(day + timedelta(days=low), day + timedelta(days=high))
