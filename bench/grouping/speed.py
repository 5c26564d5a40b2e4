"""Time `group_suggestions` on 2,000 suggestions made from the labelled set (each text drawn
at random, then perturbed: a household prefix, a dropped or swapped character, a polite
ending), so that few are exact copies.

    .venv/bin/python bench/grouping/speed.py [N]          # default 2,000; prints seconds
    .venv/bin/python bench/grouping/speed.py --jieba      # and what jieba alone would cost

"cold" is a fresh process: importing the module (and numpy) and the first call; "warm"
is the best of five further calls. Target (issue 19): ≤ 2 s for 2,000. Exits 0."""

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "suggestions" / "data" / "labelled.json"

PREFIXES = ["", "", "", "我是三组的，", "代表我们组几户反映：", "村干部你好，", "老百姓的心声："]
ENDINGS = ["", "", "。", "，谢谢！", "，请村委会考虑。", "，盼早日解决。"]


def perturb(text: str, rng: random.Random) -> str:
    chars = list(text)
    if len(chars) > 6 and rng.random() < 0.3:
        del chars[rng.randrange(len(chars))]
    if len(chars) > 6 and rng.random() < 0.3:
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return rng.choice(PREFIXES) + "".join(chars) + rng.choice(ENDINGS)


def suggestions(n: int, seed: int = 19) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    texts = [t for ts in json.loads(DATA.read_text())["topics"].values() for t in ts]
    return [(pk, perturb(rng.choice(texts), rng)) for pk in range(1, n + 1)]


def child(n: int) -> None:
    rows = suggestions(n)
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from suggestions.grouping import group_suggestions

    imported = time.perf_counter()
    groups = group_suggestions(rows)
    first = time.perf_counter()
    warm = []
    for _ in range(5):
        t = time.perf_counter()
        group_suggestions(rows)
        warm.append(time.perf_counter() - t)
    print(
        f"{n} suggestions, {len(groups)} groups (largest {groups[0].count}): "
        f"import {imported - start:.3f} s, cold (import + first call) {first - start:.3f} s, "
        f"warm best {min(warm):.3f} s, warm worst {max(warm):.3f} s, "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


def child_jieba(n: int) -> None:
    """What jieba alone would add: import, dictionary (from its cache file, written to a
    temporary folder on the first run), cutting the n texts; and its peak memory."""
    import tempfile

    rows = suggestions(n)
    start = time.perf_counter()
    import jieba

    jieba.setLogLevel(60)
    jieba.dt.tmp_dir = tempfile.gettempdir()
    imported = time.perf_counter()
    jieba.initialize()
    loaded = time.perf_counter()
    for _, text in rows:
        jieba.lcut(text)
    cut = time.perf_counter()
    print(
        f"jieba: import {imported - start:.3f} s, dictionary {loaded - imported:.3f} s, "
        f"cutting {n} texts {cut - loaded:.3f} s, "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2000
    if "--child" in sys.argv:
        child(n)
    elif "--child-jieba" in sys.argv:
        child_jieba(n)
    else:
        subprocess.run([sys.executable, __file__, str(n), "--child"], check=True)
        if "--jieba" in sys.argv:  # for the comparison; jieba is not a requirement
            subprocess.run([sys.executable, __file__, str(n), "--child-jieba"], check=True)
