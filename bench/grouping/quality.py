"""Grouping quality on the labelled sets: ours, the plain character-bigram TF-IDF baseline
the issue quotes, and (when jieba is installed) the same method with jieba's words in place
of character bigrams. The figures and the baseline are those of
tests/suggestions/test_grouping.py.

    .venv/bin/python bench/grouping/quality.py           # the sets, the baseline's curve
    .venv/bin/python bench/grouping/quality.py --grid    # the tuning grid, on half A only

Half A is the even-numbered texts of each topic, half B the odd-numbered: the lexicon and the
numbers in suggestions/grouping.py were chosen looking at half A only; half B and the held-out
set (written after that) were only measured. Prints; exits 0."""

import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from suggestions import grouping  # noqa: E402
from tests.suggestions.test_grouping import (  # noqa: E402
    baseline,
    inverse_purity,
    load,
    purity,
)


def split_topics(groups, labelled) -> int:
    """Topics no group holds three quarters of."""
    topic = [t for t, _ in labelled]
    return sum(
        1
        for name in set(topic)
        if max(sum(topic[i] == name for i in g.ids) for g in groups) < 0.75 * topic.count(name)
    )


def line(name, labelled, groups):
    print(
        f"{name:<46} {len(labelled):>4} texts {len(groups):>4} groups  "
        f"purity {purity(groups, labelled):.3f}  "
        f"inverse purity {inverse_purity(groups, labelled):.3f}  "
        f"topics split {split_topics(groups, labelled)}"
    )


def jieba_tokenizer():
    """The lexicon's topics as before, jieba's words (less stop words) for the rest."""
    import re

    import jieba

    jieba.setLogLevel(60)
    start = time.perf_counter()
    jieba.initialize()
    print(f"jieba: dictionary loaded in {time.perf_counter() - start:.2f} s")
    for terms in grouping.LEXICON.values():  # the lexicon's words stay whole
        for term in terms.split():
            jieba.add_word(term, freq=2000)
    stop = grouping.STOP_CHARS | grouping.STOP_BIGRAMS
    word = re.compile(r"[\u4e00-\u9fffa-z0-9]+")

    def tokenize(text, lexicon=True):
        found = []
        for w in jieba.lcut(unicodedata.normalize("NFKC", text).lower()):
            if lexicon and w in grouping._TERM_TOPIC:
                found.append("#" + grouping._TERM_TOPIC[w])
            elif word.fullmatch(w) and w not in stop:
                found.append(w)
        return found

    return tokenize


def bigrams_without_lexicon(text):
    """Our bigrams and stop words, without the lexicon: what the lexicon adds."""
    text = unicodedata.normalize("NFKC", text).lower().translate(grouping._STOP_TABLE)
    found = []
    for run in grouping._RUN_RE.findall(text):
        found.extend(
            b
            for b in (run[i : i + 2] for i in range(len(run) - 1))
            if b not in grouping.STOP_BIGRAMS
        )
    return found


def grid():
    half = load(half=0)
    texts = [t for _, t in half]
    for weight in (2.0, 3.0, 4.0):
        for threshold in (0.8, 0.85, 0.9, 0.95):
            for attach in (0.04, 0.08, 0.12):
                groups = grouping.group_suggestions(
                    texts, threshold=threshold, attach=attach, topic_weight=weight
                )
                line(f"w={weight} t={threshold} a={attach}", half, groups)


def main():
    if "--grid" in sys.argv:
        grid()
        return
    try:
        tokenize_jieba = jieba_tokenizer()
    except ImportError:
        tokenize_jieba = None
        print("jieba is not installed: its line is left out")
    sets = [
        ("labelled, all", load()),
        ("labelled, half A (tuned on)", load(half=0)),
        ("labelled, half B (measured only)", load(half=1)),
        ("held-out (written after tuning)", load("heldout.json")),
    ]
    for name, labelled in sets:
        texts = [t for _, t in labelled]
        line(f"ours: {name}", labelled, grouping.group_suggestions(texts))
        line(f"baseline ≤ 30 groups: {name}", labelled, baseline(texts, 30))
        if tokenize_jieba:
            groups = grouping.group_suggestions(texts, tokenize=tokenize_jieba)
            line(f"ours, jieba words: {name}", labelled, groups)
    labelled = load()
    texts = [t for _, t in labelled]
    groups = grouping.group_suggestions(texts, tokenize=bigrams_without_lexicon)
    line("ours without the lexicon: all", labelled, groups)
    if tokenize_jieba:
        groups = grouping.group_suggestions(texts, tokenize=lambda t: tokenize_jieba(t, False))
        line("jieba words without the lexicon: all", labelled, groups)
    labelled = load()
    texts = [t for _, t in labelled]
    for k in (28, 30, 60, 100, 150, 174, 200, 230):
        line(f"baseline ≤ {k} groups: all", labelled, baseline(texts, k))


if __name__ == "__main__":
    main()
