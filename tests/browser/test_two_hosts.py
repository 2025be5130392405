"""Two app hosts behind nginx (deploy/nginx/), sharing PostgreSQL, Redis and an
S3-compatible photo store (moto's server) and nothing else: the whole loop walked in
Chromium through nginx's round-robin, one host killed half-way, and an administrator's
change seen by every host at once.

Needs PostgreSQL, Redis, nginx, moto and Chromium (skipped on a laptop without them,
required under CI)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import requests
from PIL import Image

from app.extensions import db
from app.models import Attachment, Category, OutboxMessage
from tests.browser.conftest import shot
from tests.browser.test_resident_channel import _at, _fill_report
from tests.browser.test_work_loop import open_case, signed_in
from tests.cluster import Cluster, nginx_available, start_host, start_nginx, wait_healthy
from tests.conftest import IS_POSTGRES, REDIS_URL, need
from tests.factories import photo as factory_photo
from tests.object_store import bucket_keys, free_port, make_bucket, moto_available
from tests.resident_helpers import the_case
from tests.work_helpers import fresh

pytestmark = pytest.mark.browser


@pytest.fixture()
def cluster(city, moto_url):
    need("PostgreSQL", IS_POSTGRES)
    need("Redis", bool(REDIS_URL))
    need("nginx", nginx_available())
    need("moto", moto_available())
    workdir = Path(tempfile.mkdtemp(prefix="roadchief-hosts-"))
    workdir.chmod(0o755)
    bucket = make_bucket(moto_url)
    nginx_port = free_port()
    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "REDIS_URL": REDIS_URL, "SECRET_KEY": "two-hosts-share-this-secret",
           "PHOTO_STORE_URL": f"s3://{bucket}/photos", "S3_ENDPOINT_URL": moto_url,
           "RATELIMIT_ENABLED": "false", "PROXY_HOPS": "1", "GUNICORN_WORKERS": "2",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{nginx_port}", "MAP_TILE_URL": "",
           "LOG_FORMAT": "json", "RQ_QUEUE": f"roadchief-two-hosts-{nginx_port}"}
    hosts = [start_host(name, env, workdir) for name in ("a", "b")]
    nginx, url = start_nginx(workdir, nginx_port, [h.address for h in hosts])
    found = Cluster(hosts, url, workdir, nginx, env={**env, "bucket": bucket})
    try:
        for host in hosts:
            wait_healthy(host.url)
        yield found
    finally:
        found.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def after_jpeg(tmp_path):
    path = tmp_path / "after.jpg"
    Image.new("RGB", (640, 480), (40, 140, 90)).save(path, format="JPEG")
    return str(path)


def test_the_whole_loop_through_nginx_with_a_host_killed_half_way(cluster, new_page, city,
                                                                   after_jpeg, moto_url):
    site = cluster.nginx_url
    a, b = cluster.hosts

    resident = new_page("zh-CN")
    _at(resident, site, city.POINT)
    resident.goto(site + "/report")
    _fill_report(resident, city, "灯杆上贴满了小广告", phone="13900007777", category="LD09")
    resident.set_input_files("#photos", files=[{"name": "before.jpg", "mimeType": "image/jpeg",
                                                "buffer": factory_photo(size=(640, 480)).data}])
    resident.click("#send")
    resident.wait_for_selector("#tracking-code")
    case = the_case(resident.locator("#tracking-code").inner_text().replace("-", "").strip())
    (before,) = case.attachments
    assert f"photos/{before.storage_key}" in bucket_keys(moto_url, cluster.env["bucket"])

    dispatcher = signed_in(new_page, site, city.dispatcher, "zh-CN")
    # The thumbnail was stored by whichever host took the report; every host serves it.
    assert dispatcher.is_visible(f"#triage-list li[data-code='{case.code}'] img.thumb")
    open_case(dispatcher, case.code)
    dispatcher.click("details[data-action=dispatch] button[type=submit]")
    dispatcher.wait_for_selector("#case-state[data-state=dispatched]")
    for host in cluster.hosts:  # public once a dispatcher accepted the case
        thumb = requests.get(f"{host.url}/photos/{before.storage_key}/thumb", timeout=10)
        assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"

    served_before_kill = len(cluster.access_log())
    b.kill()  # a host dies in the middle of the loop; nginx sends everything to the other

    chief = signed_in(new_page, site, city.chief, "zh-CN")
    card = f"#queue-list li[data-code='{case.code}']"
    chief.click(f"{card} form button")
    chief.wait_for_selector(f"{card} .state[data-state=in_progress]")
    open_case(chief, case.code)
    chief.fill("details[data-action=rectify] textarea[name=note]", "已全部清除并冲洗")
    chief.set_input_files("details[data-action=rectify] input[name=photos]", after_jpeg)
    chief.click("details[data-action=rectify] button[type=submit]")
    chief.wait_for_selector("#case-state[data-state=rectified]")
    assert chief.is_visible("#history li[data-action=rectify] .photos img")

    inspector = signed_in(new_page, site, city.inspector, "zh-CN")
    open_case(inspector, case.code)
    inspector.click("form[data-action=verify_pass] button[type=submit]")
    inspector.wait_for_selector("#case-state[data-state=closed]")

    sms = db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone="+8613900007777").order_by(OutboxMessage.id.desc()).first()
    resident.goto(site + re.search(r"/rate/\S+", sms.body).group(0))
    resident.check("input[name=score][value='1']")
    resident.click("#rating-form button[type=submit]")
    resident.wait_for_selector("#rated")
    inspector.reload()
    assert inspector.is_visible("#history li[data-action=rate]")
    shot(inspector, "two-hosts-closed-and-rated")

    assert [e.action for e in fresh(case).events] == [
        "submit", "dispatch", "sign_for", "rectify", "verify_pass", "rate"]
    keys = bucket_keys(moto_url, cluster.env["bucket"])
    for attachment in db.session.query(Attachment).filter_by(case_id=case.id):
        assert f"photos/{attachment.storage_key}" in keys
        assert f"photos/{attachment.storage_key}.thumb.jpg" in keys

    log = cluster.access_log()
    assert all(line["status"] < 500 for line in log), [x for x in log if x["status"] >= 500]
    proxied = [line for line in log[:served_before_kill] if line["upstream"] != "-"]
    upstreams = [line["upstream"].split(", ")[-1] for line in proxied]
    assert {a.address, b.address} <= set(upstreams)
    switches = sum(1 for x, y in zip(upstreams, upstreams[1:], strict=False) if x != y)
    assert switches >= len(upstreams) // 2  # round-robin: consecutive requests alternate
    posts = {line["upstream"].split(", ")[-1] for line in proxied if line["method"] == "POST"}
    assert posts == {a.address, b.address}
    after = [line["upstream"].split(", ")[-1] for line in log[served_before_kill:]
             if line["upstream"] != "-"]
    assert after and set(after) == {a.address}

    # Each host's log is JSON lines carrying nginx's request id; each action is one line.
    actions = {}
    for host in cluster.hosts:
        for raw in host.log_lines():
            if raw.startswith("{"):
                entry = json.loads(raw)
                if entry.get("event") == "case_action" and entry.get("case") == case.code:
                    actions[entry["action"]] = entry
    assert set(actions) == {"submit", "dispatch", "sign_for", "rectify", "verify_pass", "rate"}
    rids = {line["rid"] for line in log}
    assert all(entry["request_id"] in rids for entry in actions.values())
    assert actions["rectify"]["from_state"] == "in_progress"
    assert actions["rectify"]["to_state"] == "rectified"


def _report_on(host_url: str, city, category: str) -> requests.Response:
    """A resident's report posted straight to one host (its own CSRF token and cookie)."""
    session = requests.Session()
    page = session.get(f"{host_url}/report?lang=en", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return session.post(f"{host_url}/report", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "category": category, "area_id": str(city.area.id),
        "description": "人行道上停了一辆白色小车", "action": "submit",
        "nearby_seen": f"{category}|a{city.area.id}"})


def test_an_administrators_change_is_seen_by_every_host_at_once(cluster, new_page, city):
    # Every worker of every host has the catalogue in its cache.
    for host in cluster.hosts:
        for _ in range(6):
            assert _report_on(host.url, city, "LD03").status_code == 303

    admin = signed_in(new_page, cluster.nginx_url, city.admin)
    ld03 = db.session.query(Category).filter_by(code="LD03").one()
    admin.goto(f"{cluster.nginx_url}/admin/catalogue/{ld03.id}")
    admin.uncheck("input[name=active]")
    admin.click("form:has(input[name=name_zh]) button")
    admin.wait_for_selector(".flash, .flash-success")
    db.session.expire_all()
    assert db.session.get(Category, ld03.id).active is False

    for host in cluster.hosts:  # at once: no minute of a stale catalogue anywhere
        for _ in range(6):
            refused = _report_on(host.url, city, "LD03")
            assert refused.status_code == 422 and "Unknown category." in refused.text

    # Each host runs two gunicorn workers; its /metrics adds up what both counted.
    for host in cluster.hosts:
        text = requests.get(f"{host.url}/metrics", timeout=10).text
        counts = {status: _count(text, "/report", "POST", status) for status in ("303", "422")}
        assert counts == {"303": 6, "422": 6}


def _count(text: str, rule: str, method: str, status: str) -> float:
    for line in text.splitlines():
        if (line.startswith("flask_http_request_duration_seconds_count{")
                and f'url_rule="{rule}"' in line and f'method="{method}"' in line
                and f'status="{status}"' in line):
            return float(line.rsplit(" ", 1)[1])
    return 0
