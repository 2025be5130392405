"""Photos in an S3-compatible object store (moto's server, a real HTTP server in its own
process): every photo and thumbnail goes to the private bucket, is served only through the
app's access checks, a form's held photos reach whichever host serves the next step, and a
store that is down or misconfigured says so instead of losing a case or a photo."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Attachment
from app.services import storage
from tests.object_store import bucket_keys, free_port
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    counts,
    fresh_limits,
    jpeg,
    post_report,
    report_data,
    stored_files,
    the_case,
)
from tests.work_helpers import client_for, in_progress, rectified


def _code_from(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def _accepted(city, code):
    from app.services import cases

    cases.dispatch(the_case(code), city.actor(city.dispatcher))


def test_a_reported_photo_and_its_thumbnail_go_to_the_bucket_not_the_disk(city, client, app,
                                                                          s3):
    endpoint, bucket = s3
    before_disk = stored_files(app)
    code = _code_from(post_report(client, report_data(city), files=[jpeg()]))
    _accepted(city, code)  # a resident's photo is public once a dispatcher accepted the case
    (attachment,) = the_case(code).attachments
    key = attachment.storage_key
    assert {f"roadchief/{key}", f"roadchief/{key}.thumb.jpg"} <= bucket_keys(endpoint, bucket)
    assert stored_files(app) == before_disk

    full = client.get(f"/photos/{key}")
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.data == storage.store().get(key)
    again = client.get(f"/photos/{key}", headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    thumb = client.get(f"/photos/{key}/thumb")
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
    assert len(thumb.data) < len(full.data) or len(full.data) < 4000


def test_staff_photos_come_from_the_bucket_only_for_staff_who_may_see_the_case(
        city, app, t0, s3):
    case = rectified(city, t0)
    after = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id,
                                                       Attachment.kind != "report"))
    assert after is not None and storage.store().exists(after.storage_key)
    chief = client_for(app, city.chief)
    assert chief.get(f"/work/photos/{after.id}").status_code == 200
    stranger = client_for(app, city.far_chief)
    assert stranger.get(f"/work/photos/{after.id}").status_code == 404
    anonymous = client_for(app)
    assert anonymous.get(f"/work/photos/{after.id}").status_code in (302, 401, 403)


def test_a_photo_missing_from_the_bucket_is_a_404_not_an_error(city, client, app, s3):
    code = _code_from(post_report(client, report_data(city), files=[jpeg()]))
    key = the_case(code).attachments[0].storage_key
    storage.store().delete(key)
    storage.store().delete(key + ".thumb.jpg")
    assert client.get(f"/photos/{key}").status_code == 404
    assert client.get(f"/photos/{key}/thumb").status_code == 404


def test_with_signed_urls_an_allowed_photo_redirects_to_a_url_that_expires(city, client, app,
                                                                           s3):
    endpoint, bucket = s3
    code = _code_from(post_report(client, report_data(city), files=[jpeg()]))
    _accepted(city, code)
    key = the_case(code).attachments[0].storage_key
    signed = storage.from_config({"PHOTO_STORE_URL": f"s3://{bucket}/roadchief",
                                  "S3_ENDPOINT_URL": endpoint, "UPLOAD_DIR": "/nonexistent",
                                  "PHOTO_SIGNED_URL_SECONDS": "60"})
    app.extensions["roadchief.photo_store"] = signed
    response = client.get(f"/photos/{key}")
    assert response.status_code == 302
    url = response.headers["Location"]
    assert url.startswith(endpoint) and "X-Amz-Expires=60" in url and "Signature" in url
    assert "immutable" not in response.headers.get("Cache-Control", "")
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == signed.get(key)


def test_held_photos_reach_another_app_host(city, client, app, s3):
    """The form came back from one host (category missing); the resident's next post lands on
    another host, with its own disk, which still finds the held photo in the bucket."""
    endpoint, bucket = s3
    page = post_report(client, report_data(city, category=None), files=[jpeg()]
                       ).get_data(as_text=True)
    token = page.split('name="held" value="')[1].split('"')[0]
    other = create_app({"TESTING": True, "REDIS_URL": None, "WTF_CSRF_ENABLED": False,
                        "UPLOAD_DIR": str(app.config["UPLOAD_DIR"]) + "-other-host",
                        "PHOTO_STORE_URL": f"s3://{bucket}/roadchief",
                        "S3_ENDPOINT_URL": endpoint})
    with other.test_client() as second:
        data = report_data(city, held=token)
        response = second.post("/report", data=data, content_type="multipart/form-data")
    code = _code_from(response)
    (attachment,) = the_case(code).attachments
    assert storage.store().exists(attachment.storage_key)


def test_a_held_photo_that_is_gone_is_said_not_silently_dropped(city, client, app, s3):
    page = post_report(client, report_data(city, category=None), files=[jpeg()]
                       ).get_data(as_text=True)
    token = page.split('name="held" value="')[1].split('"')[0]
    storage.store().delete(f"staging/{token}")
    client.get("/report?lang=en")
    response = post_report(client, report_data(city, held=token))
    assert response.status_code == 422
    assert "A photo you added earlier could not be found" in response.get_data(as_text=True)


def test_a_down_store_fails_the_report_with_a_message_and_keeps_nothing(city, client, app, s3):
    _endpoint, bucket = s3
    app.extensions["roadchief.photo_store"] = storage.from_config(
        {"PHOTO_STORE_URL": f"s3://{bucket}", "UPLOAD_DIR": "/nonexistent",
         "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    before = counts()
    client.get("/report?lang=en")
    response = post_report(client, report_data(city), files=[jpeg()])
    assert response.status_code == 503
    assert "Photos cannot be stored just now" in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before


def test_a_down_store_fails_a_rectification_with_a_message_and_the_case_unchanged(
        city, app, t0, s3):
    case = in_progress(city, t0)
    _endpoint, bucket = s3
    app.extensions["roadchief.photo_store"] = storage.from_config(
        {"PHOTO_STORE_URL": f"s3://{bucket}", "UPLOAD_DIR": "/nonexistent",
         "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    from app.services import cases
    from tests.factories import photo
    from tests.work_helpers import assignee_of, fresh

    version = fresh(case).version
    with pytest.raises(storage.StoreUnavailable):
        cases.rectify(case, assignee_of(city, case), note="已清理", photos=[photo()])
    assert fresh(case).version == version and fresh(case).state == "in_progress"


@pytest.mark.parametrize("settings, says", [
    ({"PHOTO_STORE_URL": "ftp://photos"}, "expected s3://bucket"),
    ({"PHOTO_STORE_URL": "s3://Not_A_Bucket"}, "not a valid bucket name"),
    ({"PHOTO_STORE_URL": "s3://photos", "S3_ENDPOINT_URL": "minio:9000"},
     "expected http(s)://host"),
    ({"PHOTO_STORE_URL": "s3://photos", "PHOTO_SIGNED_URL_SECONDS": "-1"},
     "PHOTO_SIGNED_URL_SECONDS"),
])
def test_a_misconfigured_store_stops_the_app_at_start(settings, says):
    with pytest.raises(storage.MisconfiguredStore, match=says.replace("(", r"\(").replace(
            ")", r"\)")):
        create_app({"TESTING": True, **settings})


def test_a_bucket_that_does_not_exist_stops_the_app_at_start(moto_url):
    with pytest.raises(storage.MisconfiguredStore, match="answered 404"):
        create_app({"TESTING": True, "PHOTO_STORE_URL": "s3://no-such-bucket-here",
                    "S3_ENDPOINT_URL": moto_url})


def test_an_import_file_kept_between_dry_run_and_apply_is_in_the_shared_store(app, ctx, s3):
    """The apply may reach another host than the dry run did."""
    from app.services.admin import imports

    endpoint, bucket = s3
    token = imports.stash(b"code,name_zh\nLD99,test\n")
    assert f"roadchief/imports/{token}" in bucket_keys(endpoint, bucket)
    other_host = storage.from_config({"PHOTO_STORE_URL": f"s3://{bucket}/roadchief",
                                      "S3_ENDPOINT_URL": endpoint, "UPLOAD_DIR": "/nonexistent"})
    assert other_host.get(f"imports/{token}") == b"code,name_zh\nLD99,test\n"
    imports.forget(token)
    assert imports.unstash(token) is None
