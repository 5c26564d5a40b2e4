"""The demo's Chinese word lists: what pledge lists, suggestions and year-end reviews say.

The builders draw from these lists with seeded generators, so their order is part of what a
seed gives: append to a list rather than reorder it, or every demo changes. Village wording is
the default; `for_kind` rewords a text for an urban community (社区).
"""

import random
from decimal import Decimal

from pledges.models import Category
from suggestions.models import Meeting

# --- Pledge lists --------------------------------------------------------------------------

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


def _title_pool(skip: set) -> list[tuple]:
    """(category, title, unit, quantities, budget) for every title outside `skip`."""
    return [
        (category, *entry)
        for category, entries in PROJECT_TITLES.items()
        if category not in skip
        for entry in entries
    ]


VILLAGE_TITLES = _title_pool(set())
COMMUNITY_TITLES = _title_pool(RURAL_ONLY)


# --- Opinion collection (民意征集) ----------------------------------------------------------

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

# What residents ask for, per category, with the project titles that answer it; {place} is a
# group of the village or a part of the community. Written for a village; `for_kind` rewords
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

# --- Year-end reviews (年度评议) ------------------------------------------------------------

# Keyed by whether the voter is content with a finished project.
PROJECT_COMMENTS = {
    True: ["效果很好，群众很满意", "希望以后多办这样的实事", "质量不错", "进度快，办得实在"],
    False: [
        "还没有完工，希望加快进度",
        "质量还需要提高",
        "施工影响出行，希望改进",
        "后期管护要跟上",
    ],
}
REMARKS = ["有个别干部办事拖拉", "希望继续保持", "村务公开还可以更及时"]
OVERALL_COMMENTS = [
    "今年村里变化很大，为村干部点赞。",
    "希望明年继续把群众的事放在心上。",
    "建议多召开群众会议，听听大家的意见。",
    "总体满意，个别项目进度偏慢。",
    "希望加强项目建成后的管护。",
]


def full_name(rng: random.Random) -> str:
    """A surname and a given name: a project lead, a reviewer."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def as_written(value: Decimal) -> str:
    """30, 2.5: a quantity as people write it."""
    return f"{value.normalize():f}"


def for_kind(text: str, community: bool) -> str:
    """A village's wording, or the same said of a community (社区)."""
    if community:
        for village_word, community_word in COMMUNITY_WORDS:
            text = text.replace(village_word, community_word)
    return text
