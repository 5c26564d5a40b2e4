"""The Chinese catalogue uses full-width punctuation in Chinese text: "已完成，待核实", never
"已完成,待核实". Checked on the compiled catalogue, so a stale .mo fails too."""

import gettext
import re

from django.conf import settings

CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
ASCII_MARK = r"[,:;()]"
MIXED = re.compile(f"{CJK}{ASCII_MARK}|{ASCII_MARK}{CJK}")
# Left alone: placeholders (%(n)s, %s, {x}), HTML tags and URLs, whose marks are not prose.
NOT_PROSE = re.compile(
    r"%\([^()\s]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sd%]|\{\{?[^{}]*\}?\}|<[^<>]*>"
    r"|https?://\S+"
)


def _catalogue() -> dict:
    path = settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    with open(path, "rb") as mo:
        return gettext.GNUTranslations(mo)._catalog


def test_no_chinese_translation_mixes_ascii_punctuation_into_chinese_text():
    mixed = []
    for msgid, msgstr in _catalogue().items():
        if msgid == "":  # the header
            continue
        prose = NOT_PROSE.sub("x", msgstr)
        if MIXED.search(prose):
            mixed.append(msgstr)
    assert not mixed, (
        f"{len(mixed)} translations mix ASCII , : ; ( ) into Chinese text; "
        "write ，：；（） there:\n" + "\n".join(mixed[:40])
    )
