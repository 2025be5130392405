"""Administration of the exchange with other systems: webhook subscribers registered from
their page (the secret shown once, paused and resumed, audited) and the staff account a
partner's API key acts as."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEntry, WebhookSubscriber
from app.services.admin import api_keys
from tests.admin_helpers import post, sign_in


def test_an_administrator_registers_a_subscriber_and_sees_its_secret_once(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/webhooks", {
        "name": "城市运行管理平台", "url": "https://ops.example.cn/hooks/roadchief",
        "event_kinds": ["dispatch", "verify_pass"], "district_id": str(city.district.id)},
        token_from="/admin/webhooks")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    subscriber = db.session.scalar(select(WebhookSubscriber))
    assert subscriber.event_kinds == ["dispatch", "verify_pass"]
    assert subscriber.district_id == city.district.id
    assert "data-new-secret" in page and subscriber.secret in page
    assert subscriber.secret not in client.get("/admin/webhooks").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "webhook"))
    assert entry is not None and "secret" not in entry.after


def test_a_bad_registration_is_refused_beside_its_fields_and_nothing_is_kept(city, client):
    sign_in(client, city.admin)
    response = post(client, "/admin/webhooks", {"name": "", "url": "javascript:alert(1)",
                                                "event_kinds": ["explode"]},
                    token_from="/admin/webhooks")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("name", "url", "event_kinds"):
        assert f'data-error="{name}"' in page
    assert db.session.scalar(select(WebhookSubscriber)) is None


def test_a_subscriber_is_paused_and_resumed(city, client):
    sign_in(client, city.admin)
    post(client, "/admin/webhooks", {"name": "x", "url": "https://x.example.cn/h"},
         token_from="/admin/webhooks")
    subscriber = db.session.scalar(select(WebhookSubscriber))
    post(client, f"/admin/webhooks/{subscriber.id}/active", {"active": "no"},
         token_from="/admin/webhooks")
    db.session.expire_all()
    assert db.session.get(WebhookSubscriber, subscriber.id).active is False


def test_only_administrators_reach_the_webhook_pages(city, client):
    sign_in(client, city.district_supervisor)
    assert client.get("/admin/webhooks").status_code == 403


def test_an_administrator_binds_a_key_to_a_partner_account(city, client):
    key, _token = api_keys.create(city.admin, "12345 platform", 60)
    db.session.commit()
    sign_in(client, city.admin)
    post(client, f"/admin/api-keys/{key.id}/partner",
         {"partner": city.district_supervisor.username})
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).partner_user_id == city.district_supervisor.id
    page = client.get("/admin/api-keys").get_data(as_text=True)
    assert f'value="{city.district_supervisor.username}"' in page
    post(client, f"/admin/api-keys/{key.id}/partner", {"partner": "nobody-by-that-name"})
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).partner_user_id == city.district_supervisor.id
