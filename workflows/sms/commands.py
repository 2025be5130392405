"""The few commands a resident can text: 查询/CX <code> (progress), 1/2/3 (a rating, in
reply to the closing message), TD/退订/STOP (no more messages), START (resume), and HELP.
Commands are whole messages; anything else is read as a report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workflows.sms.text import normalize


class CommandKind(StrEnum):
    QUERY = "query"
    RATING = "rating"
    STOP = "stop"
    START = "start"
    HELP = "help"


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    code: str | None = None  # a tracking code, letters and digits only, upper case
    score: int | None = None  # 1 满意, 2 基本满意, 3 不满意
    comment: str = ""
    # The words that tell the language: the message without its code, digits and the
    # pinyin abbreviations CX and TD that both languages use.
    words: str = ""


STOP_WORDS = frozenset({"td", "退订", "退定", "stop", "stopall", "unsubscribe", "cancel", "end",
                        "quit", "取消订阅"})
START_WORDS = frozenset({"start", "unstop", "yes", "恢复", "订阅", "恢复订阅", "恢复短信",
                         "恢复接收", "重新订阅", "开通", "kt"})
HELP_WORDS = frozenset({"help", "info", "帮助", "?", "说明", "菜单", "menu", "怎么用", "如何反映"})
# A query without a code: the resident's latest case.
PROGRESS_WORDS = frozenset({"查询进度", "查进度", "进度", "进展", "查询进展", "处理进度",
                            "办理进度", "查询状态", "状态", "我的投诉", "我的反映", "我的案件",
                            "处理得怎么样了", "处理了吗", "修了吗", "progress", "my case",
                            "my report"})
# What a resident copies around the command from the receipt: 回复"CX code"查询进度.
_WRAPPER = re.compile(r"^(?:回复|短信|发送)\s*|\s*(?:查询进度|查进度|查询|进度)$")
_TRIM = re.compile(r"^[\s\"'“”‘’。.!！,，]+|[\s\"'“”‘’。.!！,，]+$")
_QUERY = re.compile(r"^(?:查询|查|cx|query|status)\s*[:：#]?\s*([0-9a-z\- ]*)$")
_BARE_CODE = re.compile(r"^[0-9a-z]{4}[\- ]?[0-9a-z]{4}$")
_RATING = re.compile(r"^(?:评价\s*[:：]?\s*)?([123])(?:\s*分)?(?:$|[\s,，.。、:：;；]+(.*)$)",
                     re.S)
_RATING_WORDS = (("非常不满意", 3), ("不满意", 3), ("基本满意", 2), ("非常满意", 1),
                 ("很满意", 1), ("满意", 1), ("dissatisfied", 3), ("unsatisfied", 3),
                 ("basically satisfied", 2), ("satisfied", 1))
_CODE = re.compile(r"^[0-9a-z]{8}$")


def normalize_code(raw: str) -> str:
    return re.sub(r"[^0-9a-z]", "", raw.lower()).upper()


def parse_command(text: str | None) -> Command | None:
    """The command a whole message is, or None when it is not one."""
    from dataclasses import replace

    command = _parse(text)
    if command is None:
        return None
    words = re.sub(r"(?:cx)?[0-9a-z]{4}-?[0-9a-z]{4}|\b(?:cx|td|kt)\b|\d", " ", normalize(text))
    return replace(command, words=words.strip())


def _parse(text: str | None) -> Command | None:
    norm = _TRIM.sub("", normalize(text))
    if norm in STOP_WORDS:
        return Command(CommandKind.STOP)
    if norm in START_WORDS:
        return Command(CommandKind.START)
    if norm in HELP_WORDS or norm == "？":
        return Command(CommandKind.HELP)
    if norm in PROGRESS_WORDS:
        return Command(CommandKind.QUERY)
    bare = _TRIM.sub("", _WRAPPER.sub("", norm)) or norm
    query = _QUERY.match(bare)
    if query:
        code = normalize_code(query.group(1))
        return Command(CommandKind.QUERY, code=code or None)
    if (bare != norm or "-" in bare) and _BARE_CODE.match(bare):
        # "回复RCGX-CSGU查询进度": the code between the receipt's own words.
        return Command(CommandKind.QUERY, code=normalize_code(bare))
    rating = _RATING.match(norm)
    if rating:
        return _rating(int(rating.group(1)), (rating.group(2) or "").strip())
    for word, score in _RATING_WORDS:
        if norm.startswith(word):
            rest = _TRIM.sub("", norm[len(word):])
            if len(rest) <= 12:  # "满意，谢谢" is a rating; a long text is a report
                return _rating(score, rest)
    return None


def _rating(score: int, rest: str) -> Command:
    code = normalize_code(rest) if _CODE.match(re.sub(r"[\s\-]", "", rest)) else None
    return Command(CommandKind.RATING, score=score, code=code,
                   comment="" if code else rest[:500])
