"""The SMS template mapping page: administrators only, each kind of message with its
approved template and variables, the kinds still without one named, bad input refused
beside its field, every change in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, SmsTemplate
from app.services.message_kinds import KINDS
from app.services.sms_templates import OPTIONAL
from tests.admin_helpers import post, sign_in
from tests.work_helpers import client_for

PAGE = "/admin/sms-templates"


def test_the_page_lists_every_kind_and_names_the_missing_ones(city, client):
    sign_in(client, city.admin)
    page = client.get(PAGE).get_data(as_text=True)
    required = len(KINDS) - len(OPTIONAL)  # the catch-all text needs no template
    assert f'data-missing="{required}"' in page
    for kind in KINDS:
        assert f'data-kind="{kind}"' in page
    response = post(client, f"{PAGE}/receipt_sms", {"template_id": "1234567",
                                                    "params": "code, place, category",
                                                    "param_max": "20"})
    assert response.status_code == 303
    row = db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == "receipt_sms"))
    assert (row.template_id, row.params, row.param_max) == ("1234567",
                                                            ["code", "place", "category"], 20)
    page = client.get(PAGE).get_data(as_text=True)
    assert f'data-missing="{required - 1}"' in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "sms_template"))
    assert entry.entity_key == "receipt_sms" and entry.action == "create"


def test_a_parameter_the_message_does_not_have_is_refused(city, client):
    sign_in(client, city.admin)
    response = post(client, f"{PAGE}/reply_help", {"template_id": "99", "params": "code"})
    assert response.status_code == 422
    assert 'data-error="params"' in response.get_data(as_text=True)
    assert db.session.scalar(select(SmsTemplate)) is None


def test_bad_template_ids_and_lengths_are_refused(city, client):
    sign_in(client, city.admin)
    for data in ({"template_id": "12 34"}, {"template_id": "x" * 40},
                 {"template_id": "12", "param_max": "0"},
                 {"template_id": "12", "param_max": "99999999999999999999"},
                 {"template_id": "a\x00b"}):
        response = post(client, f"{PAGE}/closed", data)
        assert response.status_code in (400, 422), data
    assert db.session.scalar(select(SmsTemplate)) is None


def test_an_empty_template_id_removes_the_mapping(city, client):
    sign_in(client, city.admin)
    post(client, f"{PAGE}/closed", {"template_id": "77", "params": "code"})
    post(client, f"{PAGE}/closed", {"template_id": "", "params": "code"})
    assert db.session.scalar(select(SmsTemplate)) is None


def test_an_unknown_kind_is_not_found(city, client):
    sign_in(client, city.admin)
    assert post(client, f"{PAGE}/nothing", {"template_id": "1"}).status_code == 404


def test_only_administrators_see_or_change_the_mapping(city, app):
    for user in (city.dispatcher, city.city_supervisor):
        other = client_for(app, user)
        assert other.get(PAGE).status_code == 403
        assert other.post(f"{PAGE}/closed", data={"template_id": "1"}).status_code in (400,
                                                                                      403)
    assert db.session.scalar(select(SmsTemplate)) is None


def test_a_form_without_its_csrf_token_is_refused(city, client):
    sign_in(client, city.admin)
    assert client.post(f"{PAGE}/closed", data={"template_id": "1"}).status_code == 400
    assert db.session.scalar(select(SmsTemplate)) is None
