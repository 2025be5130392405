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
from workflows.sms.text import GSM

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
        unrouted_opted_out = sms_receipt(case, opted_out=True)
        case.area_id = case_area
        out = {
            "receipt": sms_receipt(case),
            "receipt (unrouted)": unrouted,
            "receipt (opted out)": sms_receipt(case, opted_out=True),
            "receipt (unrouted, opted out)": unrouted_opted_out,
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
        out = {"status with time limit": sms.status_text(case),
               "progress: dispatched": resident_body(case, event, case.reporter)}
    out.update(staff_texts(case, event, language))
    return out


def staff_texts(case: Case, event, language: str) -> dict[str, str]:
    """What staff read by SMS: the new case, and every reminder and escalation step."""
    from app.services import timers
    from app.services.notifications import _staff_text
    from workflows.escalation import Audience, Step

    with force_locale(language):
        out = {"staff: new case": _staff_text(case, event)}
    for clock_ in ("response", "rectify", "verify"):
        step = Step(f"remind-{clock_}", "remind", clock_, Audience.ASSIGNEE, threshold=0.8)
        out[f"staff: reminder ({clock_})"] = timers.step_text(case, step, language)
    step = Step("escalate-3", "escalate", "rectify", Audience.STREET, level=3)
    out["staff: escalation"] = timers.step_text(case, step, language)
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_template_is_measured_and_short(city, long_case, language, capsys):
    measured = texts(long_case, language)
    measured.update(dispatched_texts(long_case, city.dispatcher, language))
    with capsys.disabled():
        for name, body in measured.items():
            print(f"\n{language:10} {segments(body)} segment(s) {len(body):3} chars  {name}")
    # Every text a resident or a member of staff receives costs one segment, in both
    # languages, with the longest names the demo city has (a Chinese SMS holds 70
    # characters, 67 per part once split; an English one 160 GSM characters).
    for name, body in measured.items():
        assert segments(body) == 1, (name, len(body), body)
    if language == "en":
        for name, body in measured.items():
            assert all(ch in GSM for ch in body), (name, [c for c in body if c not in GSM])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_in_an_sms_is_compact(city, long_case, language):
    """"12月7日 17:00" in Chinese, "7 Dec 17:00" in English, in Asia/Shanghai: not Babel's
    short form ("2026/12/7 17:00", "12/7/26, 5:00 PM") nor a long one."""
    import re

    measured = texts(long_case, language)
    measured.update(dispatched_texts(long_case, city.dispatcher, language))
    dated = {n: b for n, b in measured.items()
             if n.startswith(("staff", "status with", "progress: dispatched", "status closed"))
             and n != "staff: reminder (verify)"}  # no verification is due yet
    assert len(dated) >= 7, dated
    pattern = (r"\d{1,2}月\d{1,2}日 \d{2}:\d{2}" if language != "en"
               else r"\d{1,2} [A-Z][a-z]{2} \d{2}:\d{2}")
    for name, body in dated.items():
        assert re.search(pattern, body), (name, body)
        assert not re.search(r"\d{1,4}/\d{1,2}/\d{2,4}|AM|PM|\u202f|年", body), (name, body)


def test_receipts_use_the_residents_words_for_the_problem(city, long_case):
    category = db.session.scalar(select(Category).where(Category.code == "HF06"))
    long_case.category_id = category.id
    long_case.category = category
    with force_locale("zh_Hans_CN"):
        assert "井盖破损" in sms_receipt(long_case) and "盖子" not in sms_receipt(long_case)
    with force_locale("en"):
        assert "broken manhole cover" in sms_receipt(long_case)
    db.session.rollback()
