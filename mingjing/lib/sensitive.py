"""What must never be published: text that looks like a full resident ID number, bank account
number or mobile phone number (《个人信息保护法》; domain-notes §4.3, §6.4).

Every action that writes text the public portal shows (disclosures and their tables, file names
and notes, policy texts, micro-power items, category names) asks `find` and refuses with the
reason, naming what it found; the villager-facing pages then never need to mask free text.
Shapes are matched with the separators people type (spaces, dashes, a +86 prefix), not only as
bare digit runs.
"""

from __future__ import annotations

import re

_SEP = r"[ \-－]?"  # one optional separator between digit groups, as people write them
_PATTERNS = [
    # 18-digit ID, also as 6-8-4 groups: 110105 19491231 002X
    (re.compile(rf"(?<![0-9A-Za-z])\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[0-9Xx](?![0-9A-Za-z])"),
     "身份证号码", "an ID number"),
    # a bare run of 15 to 19 digits: an old 15-digit ID or a bank account
    (re.compile(r"(?<![0-9A-Za-z])\d{15,19}(?![0-9A-Za-z])"), "身份证号码或银行账号", "an ID or account number"),
    # an account in groups of four: 6228 4800 0001 2345 678
    (re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)"), "银行账号", "an account number"),
    # a mainland mobile number, with or without +86 / 0086, bare or as 3-4-4
    (re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"),
     "手机号码", "a mobile phone number"),
]


def find(text: str | None) -> tuple[str, str] | None:
    """(Chinese, English) name of what looks like a full ID, account or mobile number, or None."""
    for pattern, zh, en in _PATTERNS:
        if pattern.search(text or ""):
            return zh, en
    return None


def reason(found: tuple[str, str], where_zh: str, where_en: str) -> tuple[str, str]:
    """The refusal, in Chinese and English, for text `find` flagged."""
    return (
        f"{where_zh}含有疑似{found[0]}的内容。公开内容不得包含完整的身份证号码、银行账号或手机号码，请删除或只保留后四位",
        f"{where_en} holds what looks like {found[1]}; public text may not carry full ID, account or "
        f"phone numbers: remove it or keep the last four digits only",
    )
