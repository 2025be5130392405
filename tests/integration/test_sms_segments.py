"""Every text the SMS channel sends a resident, in both languages, with the longest values
the demo city has: how many segments it costs (measured, printed with -s), that English
texts never contain a character that forces UCS-2 (a narrow no-break space, an en dash,
Chinese place names where the area has an English one), and that none costs more than the
bound below."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Case, Category, Road
from app.services import cases, clock, sms
from app.services.actors import Actor
from app.services.notifications import sms_receipt
from app.services.sms_words import RESIDENT_WORDS
from tests.factories import box
from workflows.sms import Awaiting, Place, segments
from workflows.sms.text import _GSM

CITY = json.loads((Path(__file__).resolve().parents[2] / "app" / "demo" / "wuhan_city.json")
                  .read_text(encoding="utf-8"))
LONGEST = max((a for d in CITY["districts"] for s in d["streets"] for a in s["areas"]),
              key=lambda a: len(a["name_zh"]) + len(a["name_en"]) / 2)
LANGUAGES = ("zh_Hans_CN", "en")


@pytest.fixture()
def long_case(city) -> Case:
    """A case in the area with the demo city's longest name, of the category with the
    longest resident wording, far in the future (a long date)."""
    area = Area(code="JA09-09", street_id=city.street.id, name_zh=LONGEST["name_zh"],
                name_en=LONGEST["name_en"], polygon=box(114.40, 30.70),
                road_chief_id=city.chief.id)
    for road in LONGEST["roads"]:
        area.roads.append(Road(name=road["name"], aliases=[]))
    db.session.add(area)
    db.session.commit()
    sms.invalidate()
    with force_locale("en"):
        code = max(RESIDENT_WORDS, key=lambda c: len(str(RESIDENT_WORDS[c])))
    case = cases.submit(Actor.resident(), category_code=code, description="x",
                        address=LONGEST["roads"][0]["name"], area_id=area.id,
                        phone="+8613900001111", channel="sms")
    return case


def texts(case: Case, language: str) -> dict[str, str]:
    place = Place(case.area_id, "X", (case.address,), ambiguous=True)
    with force_locale(language):
        case_area = case.area_id
        case.area_id = None
        unrouted = sms_receipt(case)
        case.area_id = case_area
        out = {
            "receipt": sms_receipt(case),
            "receipt (unrouted)": unrouted,
            "receipt + opted out": sms_receipt(case) + " " + sms._(
                "Progress messages are off for this number; text START to turn them on."),
            "status": sms.status_text(case),
            "help": sms.help_text(),
            "question what": sms.question(Awaiting.CATEGORY),
            "question where": sms.question(Awaiting.PLACE),
            "question both": sms.question(Awaiting.BOTH),
            "question which stretch": sms.section_question(place, sms.understanding().gazetteer),
        }
        out["status closed"] = sms._(
            "[roadchief] Case %(code)s (%(category)s): closed on %(date)s.",
            code="ABCD-EFGH", category=str(max(RESIDENT_WORDS.values(), key=lambda w: len(
                str(w)))), date=sms._when(clock.now()))
    return out


def dispatched_texts(case: Case, dispatcher, language: str) -> dict[str, str]:
    from app.models import CaseEvent
    from app.services.notifications import resident_body

    cases.dispatch(case, Actor.staff(dispatcher))
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
    case.reporter.language = language
    with force_locale(language):
        return {"status with time limit": sms.status_text(case),
                "progress: dispatched": resident_body(case, event, case.reporter)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_template_is_measured_and_short(city, long_case, language, capsys):
    measured = texts(long_case, language)
    measured.update(dispatched_texts(long_case, city.dispatcher, language))
    with capsys.disabled():
        for name, body in measured.items():
            print(f"\n{language:10} {segments(body)} segment(s) {len(body):3} chars  {name}")
    for name, body in measured.items():
        assert segments(body) <= 2, (name, body)
    if language == "en":
        for name, body in measured.items():
            assert all(ch in _GSM for ch in body), (name, [c for c in body if c not in _GSM])
            assert segments(body) == 1 or name.startswith("receipt +"), (name, body)
    else:
        assert segments(measured["receipt"]) == 1, measured["receipt"]


def test_receipts_use_the_residents_words_for_the_problem(city, long_case):
    category = db.session.scalar(select(Category).where(Category.code == "HF06"))
    long_case.category_id = category.id
    long_case.category = category
    with force_locale("zh_Hans_CN"):
        assert "井盖破损" in sms_receipt(long_case) and "盖子" not in sms_receipt(long_case)
    with force_locale("en"):
        assert "broken manhole cover" in sms_receipt(long_case)
    db.session.rollback()
