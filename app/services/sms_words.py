"""The words a resident uses for a problem, for short text messages: "井盖破损" rather than
the catalogue's internal short name "盖子", and a few English words rather than the
catalogue's long English name (shorter replies cost fewer SMS segments). A city's own
category without an entry here is called by its catalogue name. And times written for an
SMS: plain characters only (Babel's English short format has a narrow no-break space
that would turn the whole message into UCS-2, and "12/8/26" reads differently by country)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import lazy_pgettext as _p

from app.models import Category
from app.services import clock

RESIDENT_WORDS = {
    "LD01": _p("sms category", "illegal shed or canopy"),
    "LD02": _p("sms category", "illegal building"),
    "LD03": _p("sms category", "illegal parking"),
    "LD04": _p("sms category", "things piled on the street"),
    "LD05": _p("sms category", "illegal wires or cables"),
    "LD06": _p("sms category", "things hung in public"),
    "LD07": _p("sms category", "litter"),
    "LD08": _p("sms category", "dumped rubbish"),
    "LD09": _p("sms category", "illegal flyers"),
    "LD10": _p("sms category", "graffiti"),
    "HF01": _p("sms category", "street stall"),
    "HF02": _p("sms category", "shared bikes in the way"),
    "HF03": _p("sms category", "damaged trees or greenery"),
    "HF04": _p("sms category", "broken road or pavement"),
    "HF05": _p("sms category", "construction noise"),
    "HF06": _p("sms category", "broken manhole cover"),
    "HF07": _p("sms category", "damaged sign"),
    "HF08": _p("sms category", "damaged utility cabinet"),
    "HF09": _p("sms category", "damaged pole"),
    "HF10": _p("sms category", "damaged kiosk"),
    "HF99": _p("sms category", "other problem"),
}


def _zh() -> bool:
    return str(get_locale()).startswith("zh")


def category_words(category: Category) -> str:
    words = RESIDENT_WORDS.get(category.code)
    if words is not None:
        return str(words)
    return category.name("zh" if _zh() else "en")


def sms_time(moment: datetime | None) -> str:
    """"12月8日 15:30" / "8 Dec 15:30" in the city's zone, for the current reader."""
    return sms_time_in("zh" if _zh() else "en", moment)


def sms_time_in(language: str, moment: datetime | None) -> str:
    """A time in a text message, in the city's zone: compact and in plain characters,
    "12月8日 15:30" in Chinese and "8 Dec 15:30" in English (GSM characters only; Babel's
    short formats, "2026/12/8 15:30" or "12/8/26, 3:30 PM" with a narrow no-break space,
    read differently by country and make an English SMS UCS-2)."""
    if moment is None:
        return ""
    local = moment.astimezone(clock.zone())
    if language.startswith("zh"):
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return format_datetime(local, "d MMM HH:mm", locale="en").replace("\u202f", " ")
