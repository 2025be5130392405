"""What to do with a report message: create the case, or ask one short question.

A message that names both the problem and the place becomes a case at once. When one is
missing (or both), the resident is asked once — "what is it?", "where is it?" or both —
and the conversation waits for the answer. Whatever the answer, the case is then made: a
problem still unclear becomes "other" (HF99), a place still unknown leaves the case
unrouted for a dispatcher. Nothing the resident said is dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workflows.sms.classify import Classification
from workflows.sms.gazetteer import Place
from workflows.sms.text import cjk_count, latin_words, normalize

FALLBACK_CATEGORY = "HF99"
DONT_KNOW = ("不知道", "不清楚", "不确定", "说不清", "不记得", "忘了", "don't know", "dont know",
             "not sure", "no idea", "unknown")
GREETINGS = re.compile(r"^(你好|您好|在吗|在不在|喂|谢谢|多谢|好的|"
                       r"hi|hello|hey|thanks|thank you|ok)[\s!！。.,，?？~]*$")


class Awaiting(StrEnum):
    CATEGORY = "category"
    PLACE = "place"
    BOTH = "both"


class StepKind(StrEnum):
    CREATE = "create"  # make the case now
    ASK = "ask"  # ask one question, wait for the answer
    HELP = "help"  # not a report: say how to use the service


@dataclass(frozen=True)
class Pending:
    """What an open conversation already knows."""

    awaiting: Awaiting
    category: str | None
    place: Place | None
    description: str


@dataclass(frozen=True)
class Step:
    kind: StepKind
    category: str | None = None
    place: Place | None = None
    awaiting: Awaiting | None = None
    description: str = ""
    unrouted: bool = False  # created without a place the gazetteer knows


def substantive(text: str) -> bool:
    """Enough words to be a report rather than a greeting or a stray character."""
    norm = normalize(text)
    if not norm or GREETINGS.match(norm):
        return False
    return cjk_count(norm) >= 5 or len(latin_words(norm)) >= 3


def next_step(pending: Pending | None, text: str, category: Classification,
              place: Place | None, has_media: bool = False) -> Step:
    text = (text or "").strip()
    if pending is None:
        return _first(text, category, place, has_media)
    return _answer(pending, text, category, place)


def _first(text: str, category: Classification, place: Place | None, has_media: bool) -> Step:
    code = category.code
    if place is not None and place.ambiguous:
        # The road runs through several streets' areas: the one question asks which
        # stretch (and what, if that is unclear too); the road is kept meanwhile.
        return Step(StepKind.ASK, code, place, Awaiting.PLACE if code else Awaiting.BOTH, text)
    if code and place:
        return Step(StepKind.CREATE, code, place, description=text)
    if code:
        return Step(StepKind.ASK, code, None, Awaiting.PLACE, text)
    if place:
        return Step(StepKind.ASK, None, place, Awaiting.CATEGORY, text)
    if substantive(text) or has_media:
        return Step(StepKind.ASK, None, None, Awaiting.BOTH, text)
    return Step(StepKind.HELP, description=text)


def _answer(pending: Pending, text: str, category: Classification,
            place: Place | None) -> Step:
    code = pending.category or category.code or FALLBACK_CATEGORY
    if pending.place is not None and pending.place.ambiguous:
        # The answer named the stretch (the caller read it together with the road), or
        # the case waits, unrouted, for a dispatcher to place it.
        where = place if place is not None and not place.ambiguous else None
    else:
        where = pending.place or place
    description = "\n".join(p for p in (pending.description, text) if p)
    return Step(StepKind.CREATE, code, where, description=description, unrouted=where is None)


def dont_know(text: str) -> bool:
    norm = normalize(text)
    return any(p in norm for p in DONT_KNOW)
