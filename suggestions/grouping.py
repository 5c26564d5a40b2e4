"""Residents' suggestions grouped by what they ask for, for the committee's drafting page: 37
texts about the lamps on one road become one group with a count and a representative text,
which the committee can turn into one candidate. A tool for the committee only: nothing here
runs when a resident writes.

Pure Python and numpy over the texts; no queries (the caller passes `(id, text)` pairs,
see `Suggestion.objects.for_grouping`). The method, measured on 260 labelled suggestions in
13 topics (tests/suggestions/test_grouping.py, bench/grouping/):

1. Normalise (NFKC: full-width letters and digits to half-width, lower case).
2. Village-livelihood words (`LEXICON`) found longest first are replaced by the topic they
   name (路灯/太阳能灯/照明 → one token), so that 路灯 and 太阳能灯, 水泥路 and 硬化 meet.
3. What is left is cut at punctuation and function characters and read as character bigrams,
   less a few dozen that say nothing about the topic (希望, 建议, 能不能…). No dictionary to
   load (jieba's costs about 1 s and 90 MB per process and groups no better here: see
   bench/grouping/README.md).
4. TF-IDF with sublinear tf; topic tokens weigh `TOPIC_WEIGHT` times a bigram; each text's
   vector has unit length, so a dot product is the cosine.
5. Average-linkage agglomerative clustering cut at cosine distance `threshold`; groups smaller
   than `min_size` then join the group they are closest to on average, if that is at least
   `attach` (a text like nothing else stays alone).

All pairs are compared: time and memory grow with n² (2,000 texts: under 1 s warm, about
110 MB at the peak), which suits one village's year of suggestions.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Topic → words that name it in residents' writing, dialect and plain. General village
# vocabulary: written from the practice (seed 000's lamps, channels, pipes, roads, canteens…)
# and ordinary speech, not from the labelled texts' phrases. A word belongs to one topic;
# people (老人, 娃娃, 群众) and places (组, 寨, 村口) belong to none.
LEXICON: dict[str, str] = {
    "路灯": (
        "路灯 太阳能灯 太阳能路灯 照明 照明灯 亮化 灯光 灯泡 灯杆 电灯 灯 摸黑 黑灯瞎火 黑漆漆 "
        "黑黢黢 夜路 不亮"
    ),
    "道路": (
        "道路 公路 村道 马路 水泥路 柏油路 沥青路 土路 泥巴路 泥路 毛路 砂石路 沙石路 石子路 "
        "通组路 通村路 通户路 入户路 连户路 产业路 生产路 机耕道 机耕路 便道 路面 路基 坑洼 "
        "坑坑洼洼 硬化 铺水泥 柏油 沥青 拓宽 加宽 错车 会车 修路 路烂 烂路 路窄 稀泥 烂泥 泥巴"
    ),
    "饮水": (
        "自来水 饮水 饮用水 吃水 喝水 挑水 水管 水管子 饮水管道 供水管道 主管道 水龙头 水压 水质 "
        "水表 水费 水钱 供水 停水 断水 井水 水井 山泉水 净水 水厂 水池 高位水池 蓄水池 人饮 "
        "人畜饮水 漂白粉"
    ),
    "环境卫生": (
        "垃圾 垃圾桶 垃圾池 垃圾箱 垃圾车 垃圾房 收集点 清运 保洁 保洁员 卫生 环境 环境卫生 脏 "
        "脏乱差 臭 臭气 苍蝇 蚊子 公厕 厕所 旱厕 改厕 污水 粪水 化粪池 乱丢 乱扔 乱倒 乱堆 乱放 "
        "整治 焚烧 烧垃圾 农膜 塑料袋 扫地 打扫 清扫"
    ),
    "水渠": (
        "水渠 沟渠 渠道 灌溉渠 灌溉 堰沟 堰塘 山塘 水塘 塘坝 提灌 提灌站 抽水机 抽水泵 水泵 喷灌 "
        "滴灌 浇灌 浇水 放水 排灌 闸门 水口 水利 水沟 三面光 衬砌 水库 渠"
    ),
    "农田": "田 农田 田地 旱地 田坎 秧 栽秧 插秧 春耕 耕地",
    "文化活动": (
        "广场 文化广场 广场舞 跳舞 舞蹈 活动室 活动中心 活动场所 文化活动 健身 健身器材 篮球场 "
        "篮球 乒乓球 书屋 图书室 农家书屋 书报 文艺 演出 戏台 唱戏 音响 文体 村史馆 文化长廊 "
        "腰鼓 棋牌 娱乐 锻炼"
    ),
    "养老": (
        "养老 养老院 敬老院 幸福院 日间照料 托老 助餐 助餐点 老人食堂 老年食堂 长者食堂 老人饭堂 "
        "送餐 空巢 孤寡 独居 留守老人 高龄 高龄补贴 养老保险 老年协会 互助养老 一键呼叫 五保"
    ),
    "学校": (
        "学校 校车 上学 放学 读书 幼儿园 村小 老师 教师 学生 课后 托管 寄宿 课桌 课桌椅 操场 "
        "作业 留守儿童 校舍 学堂 教学 家长 体育课 上课"
    ),
    "医疗": (
        "卫生室 卫生所 卫生院 诊所 村医 医生 看病 就医 药 药品 买药 拿药 医保 报销 体检 义诊 "
        "疫苗 输液 血压 血糖 糖尿病 慢性病 发烧 感冒 急救 家庭医生 医院 病人 生病 b超"
    ),
    "河道防洪": (
        "河道 河堤 河岸 河边 河坎 河床 河沟 小河 河 溪 小溪 防洪 防洪堤 洪水 山洪 涨水 涨大水 "
        "发大水 汛期 护岸 挡墙 排洪 排洪沟 水位 预警 挖沙 倒灌 暴雨"
    ),
    "网络信号": (
        "信号 信号塔 基站 网络 网速 宽带 光纤 上网 断网 wifi 4g 5g 移动 联通 电信 运营商 手机 "
        "电视信号 有线电视 网络电视 电视 打电话 打不通"
    ),
    "公交": (
        "公交 公交车 班车 客运 客车 招呼站 候车亭 站牌 公交站 车站 坐车 乘车 拦车 票价 车票 发车 "
        "班次 公交线路 末班车 直达车 出行 城乡公交 赶场 赶集"
    ),
    "产业": (
        "产业 合作社 种植 养殖 销路 销售 收购 卖不出去 分红 冷库 流转 土地流转 农技 技术员 培训 "
        "农家乐 旅游 乡村旅游 加工厂 加工 就业 企业 办厂 电商 大棚 基地 种植基地 化肥 种子 鸡苗 "
        "猪苗 庭院经济 茶叶 茶园 辣椒 李子 猕猴桃 中药材 烤烟 花椒 核桃 蔬菜 水果 果园 果子 刺梨 "
        "食用菌 养牛 养猪 养猪场 养羊 养鸡 养蜂 贷款 农产品 土特产"
    ),
    # Topics the labelled set does not have, so that their words do not fall into its topics.
    "用电": "停电 电压 变压器 电网 电线 用电 电费 跳闸",
    "治安": "治安 监控 摄像头 小偷 偷盗 被偷 打架 赌博 报警",
    "住房": "危房 住房 建房 宅基地 房屋 漏雨",
    "地质灾害": "滑坡 塌方 落石 地质灾害 隐患点 垮塌",
    "村务": "村务公开 财务公开 账目 低保 公示",
    "停车": "停车 停车场 乱停",
    "犬只": "狗 养狗 流浪狗 狗咬",
}
# Bigrams that say how, not what.
_HOW = (
    "希望 建议 能不能 不能 我们 你们 他们 村里 村委 委会 一下 一个 没有 没人 什么 时候 现在 "
    "已经 还是 问题 解决 请求 恳请 反映 代表 群众 村民 组里 大家 可以 需要 一直 经常 严重 "
    "不好 很多 一些 每天 每年 今年 去年 好几 几个 多户 几户 户人 人家 麻烦 帮忙 尽快 赶紧 "
    "一点 那边 这边 上面 下面 里面 外面 不到 不了 不得 起来 出来 回来 就是 还要 要求 请村 "
    "村两 两委 领导 考虑 安排 落实 处理 搞一 能够 应该 方便 不方便 困难"
)
STOP_BIGRAMS = frozenset(_HOW.split())
# Characters that carry no topic: a bigram never spans one.
STOP_CHARS = frozenset(
    "的了吗呢吧啊嘛哈着过就都也还又很太把被给让在是有和与及或个们这那些我你他她它啥么么咋得地"
)
TOPIC_WEIGHT = 2.0
THRESHOLD = 0.85
MIN_SIZE = 3
ATTACH = 0.08

_TERM_TOPIC = {term: topic for topic, terms in LEXICON.items() for term in terms.split()}
_TERMS_RE = re.compile("|".join(re.escape(t) for t in sorted(_TERM_TOPIC, key=len, reverse=True)))
_RUN_RE = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
_TOPIC_PREFIX = "#"
_STOP_TABLE = str.maketrans(dict.fromkeys(STOP_CHARS, " "))


@dataclass(frozen=True)
class Group:
    """Suggestions that ask for the same thing: `ids` the caller's ids (most central first),
    `representative` the most central of its longer texts, `terms` a short label (the topics
    and words a quarter of them share; empty for a text like no other)."""

    ids: tuple
    representative: str
    terms: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.ids)


def tokens(text: str) -> list[str]:
    """The features of one text: `#topic` for each lexicon word, then the character bigrams
    (and Latin words or numbers) of what is left."""
    text = unicodedata.normalize("NFKC", text).lower()
    found = [_TOPIC_PREFIX + _TERM_TOPIC[m.group()] for m in _TERMS_RE.finditer(text)]
    rest = _TERMS_RE.sub(" ", text).translate(_STOP_TABLE)
    for run in _RUN_RE.findall(rest):
        if run.isascii():
            found.append(run)
        else:
            bigrams = (run[i : i + 2] for i in range(len(run) - 1))
            found.extend(b for b in bigrams if b not in STOP_BIGRAMS)
    return found


@dataclass
class _Vectors:
    """Unit-length TF-IDF rows (sublinear tf, smoothed idf), kept as one (row, column, value)
    entry per term of a text, and the vocabulary."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    terms: list[str]
    n: int

    def similarity(self) -> np.ndarray:
        """All pairs' cosine, through each term's texts (an inverted index): the work is the
        sum of each term's texts squared, not n² × vocabulary."""
        shared = np.bincount(self.cols)[self.cols] > 1  # a term of one text adds to it alone
        cols, rows, values = self.cols[shared], self.rows[shared], self.values[shared]
        order = np.argsort(cols, kind="stable")
        rows, values = rows[order], values[order]
        bounds = np.flatnonzero(np.diff(cols[order])) + 1
        similarity = np.zeros((self.n, self.n))
        for texts, weights in zip(np.split(rows, bounds), np.split(values, bounds), strict=True):
            similarity[np.ix_(texts, texts)] += np.outer(weights, weights)
        np.fill_diagonal(similarity, np.bincount(self.rows, self.values**2, minlength=self.n))
        return similarity

    def label(self, members: np.ndarray, size: int = 3) -> tuple[str, ...]:
        """A short label: the topics (by name) and words that at least a quarter of the
        members share, most shared first, heavier first on ties; a group of one has only
        its topics."""
        mine = np.isin(self.rows, members)
        shared = np.bincount(self.cols[mine], minlength=len(self.terms))
        weights = np.bincount(self.cols[mine], self.values[mine], minlength=len(self.terms))
        floor = max(2, len(members) / 4) if len(members) > 1 else 1
        label = []
        for i in np.lexsort((-weights, -shared)):
            if len(label) == size or shared[i] < floor:
                break
            if len(members) > 1 or self.terms[i].startswith(_TOPIC_PREFIX):
                label.append(self.terms[i].removeprefix(_TOPIC_PREFIX))
        return tuple(label)


def _vectors(docs: list[list[str]], topic_weight: float) -> _Vectors:
    vocabulary: dict[str, int] = {}
    rows, cols, counts = [], [], []
    for row, doc in enumerate(docs):
        for term, count in Counter(doc).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(count)
    n, terms = len(docs), list(vocabulary)
    rows_a, cols_a = np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)
    df = np.bincount(cols_a, minlength=len(terms))
    idf = np.log((1 + n) / (1 + df)) + 1
    boost = np.array([topic_weight if t.startswith(_TOPIC_PREFIX) else 1.0 for t in terms])
    values = (1 + np.log(np.array(counts, dtype=float))) * (idf * boost)[cols_a]
    norms = np.sqrt(np.bincount(rows_a, values**2, minlength=n))
    norms[norms == 0] = 1.0
    return _Vectors(rows_a, cols_a, values / norms[rows_a], terms, n)


def _average_linkage(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Labels of average-linkage agglomerative clustering cut at cosine distance
    `threshold` (the same partition as scipy's `linkage(method="average")` then
    `fcluster(t=threshold, criterion="distance")`). The nearest-neighbour chain finds the
    dendrogram's merges in O(n²); average linkage has no inversions, so the clusters at the
    cut are those that merges at distance ≤ threshold make (a union-find over them)."""
    n = len(similarity)
    distance = 1.0 - similarity
    np.fill_diagonal(distance, np.inf)
    size = np.ones(n)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    gone = np.zeros(n)  # np.inf once a cluster has merged into another: a row, not a column
    chain: list[int] = []
    for _ in range(n - 1):
        if not chain:
            chain.append(int(np.argmin(gone)))  # any cluster still standing
        while True:
            a = chain[-1]
            row = distance[a] + gone
            b = int(np.argmin(row))
            if len(chain) > 1 and row[chain[-2]] <= row[b]:
                b = chain[-2]
            if len(chain) > 1 and b == chain[-2]:
                break
            chain.append(b)
        a, b = chain.pop(), chain.pop()
        if distance[a, b] <= threshold:
            parent[root(b)] = root(a)
        merged = (size[a] * distance[a] + size[b] * distance[b]) / (size[a] + size[b])
        merged[a] = np.inf
        distance[a], distance[:, a] = merged, merged
        size[a] += size[b]
        gone[b] = np.inf
    roots = [root(i) for i in range(n)]
    return np.unique(roots, return_inverse=True)[1]


def _attach_small(
    labels: np.ndarray, similarity: np.ndarray, min_size: int, attach: float
) -> np.ndarray:
    """Each group smaller than `min_size` joins the large group it is closest to on average
    (average linkage again), if that closeness is at least `attach`."""
    sizes = np.bincount(labels)
    large = np.flatnonzero(sizes >= min_size)
    if not len(large):
        return labels
    in_large = np.isin(labels, large)
    onehot = np.zeros((len(labels), len(large)))
    onehot[in_large, np.searchsorted(large, labels[in_large])] = 1
    per_text = similarity @ onehot / sizes[large]  # mean similarity of each text to each group
    labels = labels.copy()
    for small in np.flatnonzero((sizes > 0) & (sizes < min_size)):
        members = labels == small
        closeness = per_text[members].mean(axis=0)
        best = int(np.argmax(closeness))
        if closeness[best] >= attach:
            labels[members] = large[best]
    return labels


def _representative(texts: list[str], order: np.ndarray) -> int:
    """The most central member among those at least as long as the group's median text, so
    that a bare "路灯" does not stand for 37 sentences about one road's lamps."""
    lengths = sorted(len(texts[i]) for i in order)
    median = lengths[len(lengths) // 2]
    return next(i for i in order if len(texts[i]) >= median)


def group_suggestions(
    texts_or_rows: Iterable,
    *,
    threshold: float = THRESHOLD,
    min_size: int = MIN_SIZE,
    attach: float = ATTACH,
    topic_weight: float = TOPIC_WEIGHT,
    tokenize=tokens,
) -> list[Group]:
    """Group suggestions by what they ask for, the largest group first (ties: the group whose
    first member came first). `texts_or_rows` is `(id, text)` pairs, e.g.
    `Suggestion.objects.for_grouping(village, year)`, or plain texts (ids are then their
    indices). Every input is in exactly one group; a text like no other is a group of one."""
    rows = [(i, row) if isinstance(row, str) else row for i, row in enumerate(texts_or_rows)]
    if not rows:
        return []
    ids = [pk for pk, _ in rows]
    texts = [text for _, text in rows]
    vectors = _vectors([tokenize(text) for text in texts], topic_weight)
    similarity = vectors.similarity()
    labels = _average_linkage(similarity, threshold)
    if min_size > 1:
        labels = _attach_small(labels, similarity, min_size, attach)
    groups = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        centrality = similarity[np.ix_(members, members)].sum(axis=1)
        order = members[np.argsort(-centrality, kind="stable")]
        group = Group(
            ids=tuple(ids[i] for i in order),
            representative=texts[_representative(texts, order)],
            terms=vectors.label(members),
        )
        groups.append((-len(members), members[0], group))
    return [group for *_, group in sorted(groups, key=lambda g: g[:2])]
