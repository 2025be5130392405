"""Personal data kept no longer than needed (PIPL): numbers anonymised a set time after the
resident's last case finished (the cases and figures stay), old photos deleted, one
resident's data exported or erased on request, and every staff look at a full number
audited. Run on an aged history."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, AuditEntry, Case, CaseEvent, Contact, OutboxMessage
from app.services import cases, clock, retention, storage
from app.services.actors import Actor
from tests.work_helpers import client_for, closed, fresh, in_progress, report, token_from

PHONE = "+8613900001111"


def _contact(phone: str = PHONE) -> Contact | None:
    db.session.expire_all()
    return db.session.scalar(select(Contact).where(Contact.phone == phone))


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def test_a_number_is_anonymised_a_year_after_the_last_case_closed_and_the_case_stays(
        city, t0):
    case = closed(city, t0, phone="13900001111")
    contact_id = _contact().id
    assert retention.run(now=t0 + timedelta(days=300))["phones_anonymised"] == 0
    assert _contact() is not None

    assert retention.run(now=t0 + timedelta(days=400))["phones_anonymised"] == 1
    assert _contact() is None
    anonymised = db.session.get(Contact, contact_id)
    assert anonymised.phone == f"anon-{contact_id}" and anonymised.anonymised_at is not None
    kept = fresh(case)
    assert kept.state == "closed" and kept.reporter_contact_id == contact_id
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_phone == PHONE)) == 0
    (entry,) = _audit("erase")
    assert entry.username == "retention" and entry.before == {"phone": "139****1111"}
    assert retention.run(now=t0 + timedelta(days=800))["phones_anonymised"] == 0  # once


def test_a_resident_with_a_case_still_open_keeps_their_number(city, t0):
    closed(city, t0, phone="13900001111")
    in_progress(city, t0 + timedelta(days=10), phone="13900001111")
    assert retention.run(now=t0 + timedelta(days=900))["phones_anonymised"] == 0
    assert _contact() is not None


def test_a_recently_finished_case_keeps_the_number_even_if_an_older_one_is_old(city, t0):
    closed(city, t0, phone="13900001111")
    closed(city, t0 + timedelta(days=200), phone="13900001111")
    assert retention.run(now=t0 + timedelta(days=400))["phones_anonymised"] == 0
    assert retention.run(now=t0 + timedelta(days=600))["phones_anonymised"] == 1


def test_zero_days_keeps_numbers_and_photos(city, t0, app):
    closed(city, t0)
    app.config.update(RETENTION_PHONE_DAYS=0, RETENTION_PHOTO_DAYS=0)
    try:
        done = retention.run(now=t0 + timedelta(days=5000))
    finally:
        app.config.update(RETENTION_PHONE_DAYS=365, RETENTION_PHOTO_DAYS=3 * 365)
    assert done["phones_anonymised"] == 0 and done["photos_deleted"] == 0


def test_photos_older_than_the_period_are_deleted_from_the_store_and_the_case(city, t0, app):
    old = closed(city, t0)
    new = report(city, t0 + timedelta(days=800), photos=1)
    old_keys = [a.storage_key for a in fresh(old).attachments]
    assert old_keys and all(storage.store().exists(k) for k in old_keys)

    done = retention.run(now=t0 + timedelta(days=3 * 365 + 10))
    assert done["photos_deleted"] == len(old_keys)
    assert fresh(old).attachments == [] and len(fresh(new).attachments) == 1
    assert not any(storage.store().exists(k) for k in old_keys)
    assert not any(storage.store().exists(k + ".thumb.jpg") for k in old_keys)
    check = app.test_cli_runner().invoke(args=["photos", "check"])
    assert check.exit_code == 0  # no case names a photo that is gone


def test_the_retention_command_says_what_it_did(city, t0, app):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "phones_anonymised 0" in result.output


# -- on request ---------------------------------------------------------------------------------


def _admin_finds(client, phone):
    page = client.get("/admin/privacy").get_data(as_text=True)
    return client.post("/admin/privacy", data={"csrf_token": token_from(page), "phone": phone})


def test_an_administrator_exports_one_residents_data_and_it_is_audited(city, t0, app):
    case = closed(city, t0, phone="13900001111")
    admin = client_for(app, city.admin)
    found = _admin_finds(admin, "139 0000 1111")
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and "139****1111" in page and "13900001111" not in page
    contact_id = _contact().id
    exported = admin.post(f"/admin/privacy/{contact_id}/export",
                          data={"csrf_token": token_from(page)})
    assert exported.status_code == 200 and exported.headers["Cache-Control"] == "no-store"
    data = json.loads(exported.data)
    assert data["phone"] == PHONE
    assert [c["code"] for c in data["cases"]] == [case.code]
    assert data["sms_sent"]  # the receipts and the closing message
    (entry,) = _audit("export")
    assert entry.username == city.admin.username and entry.entity_key == str(contact_id)


def test_an_administrator_erases_one_residents_data_on_request(city, t0, app):
    case = closed(city, t0, phone="13900001111")
    contact_id = _contact().id
    with clock.travel(t0 + timedelta(hours=3)):
        cases.rate(case, Actor.resident(_contact()), score=3, comment="我住三楼，还是很吵")
    admin = client_for(app, city.admin)
    page = _admin_finds(admin, "13900001111").get_data(as_text=True)
    refused = admin.post(f"/admin/privacy/{contact_id}/erase",
                         data={"csrf_token": token_from(page), "reason": ""})
    assert refused.status_code == 303 and _contact() is not None

    erased = admin.post(f"/admin/privacy/{contact_id}/erase",
                        data={"csrf_token": token_from(page), "reason": "本人来电申请删除"})
    assert erased.status_code == 303
    assert _contact() is None
    assert fresh(case).state == "closed"
    bodies = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.contact_id == contact_id, OutboxMessage.status != "pending")).all()
    assert bodies and all(b == "" for b in bodies)
    notes = db.session.scalars(select(CaseEvent.note).where(CaseEvent.case_id == case.id))
    assert not any("三楼" in (n or "") for n in notes)  # the comment left the history too
    (entry,) = _audit("erase")
    assert entry.username == city.admin.username and "本人来电申请删除" in entry.source
    assert _admin_finds(admin, "13900001111").status_code == 404


def test_only_administrators_reach_the_personal_data_page(city, app):
    dispatcher = client_for(app, city.dispatcher)
    assert dispatcher.get("/admin/privacy").status_code == 403


# -- staff reading a full number -----------------------------------------------------------------


def test_a_dispatchers_look_at_a_full_number_is_recorded(city, t0, app):
    case = report(city, t0, phone="13900001111")
    dispatcher = client_for(app, city.dispatcher)
    page = dispatcher.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert "139****1111" in page and "13900001111" not in page and 'id="show-phone"' in page
    shown = dispatcher.post(f"/work/cases/{case.id}/reporter-phone",
                            data={"csrf_token": token_from(page)})
    assert shown.status_code == 200 and PHONE in shown.get_data(as_text=True)
    (entry,) = _audit("view")
    assert entry.username == city.dispatcher.username
    assert entry.source == f"case {case.code}" and entry.entity_key == str(_contact().id)


@pytest.mark.parametrize("who", ["chief", "inspector"])
def test_assignees_and_inspectors_cannot_see_the_full_number(city, t0, app, who):
    case = in_progress(city, t0, phone="13900001111")
    client = client_for(app, getattr(city, who))
    page = client.get(f"/work/cases/{case.id}").get_data(as_text=True)
    assert 'id="show-phone"' not in page
    response = client.post(f"/work/cases/{case.id}/reporter-phone",
                           data={"csrf_token": token_from(page)})
    assert response.status_code in (403, 404)
    assert PHONE not in response.get_data(as_text=True) and _audit("view") == []


def test_an_anonymous_report_has_no_number_to_show(city, t0, app):
    case = report(city, t0, phone="13900001111", anonymous=True)
    dispatcher = client_for(app, city.dispatcher)
    page = dispatcher.get(f"/work/cases/{case.id}").get_data(as_text=True)
    response = dispatcher.post(f"/work/cases/{case.id}/reporter-phone",
                               data={"csrf_token": token_from(page)})
    assert response.status_code == 404 and _audit("view") == []


def test_the_case_count_is_untouched_by_retention(city, t0):
    for i in range(3):
        closed(city, t0 + timedelta(hours=i), phone=f"1390000111{i}")
    retention.run(now=t0 + timedelta(days=5000))
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact).where(
        Contact.anonymised_at.is_not(None))) == 3
