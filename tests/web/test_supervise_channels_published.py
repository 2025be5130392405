"""Figures split by channel on every supervision page and in every export, and a
published month: frozen on the bulletin, revised in the open with its cause."""

import csv
import io

import pytest

from app.services import clock
from tests.metrics_helpers import at, closed, dispatched, rectify, sign, verify

NOW = "2026-12-02 09:00"


@pytest.fixture()
def history(city):
    """November: one web case on time, one SMS case late, one Open311 case still open."""
    closed(city, "2026-11-25 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00")
    closed(city, "2026-11-23 09:00", rectified="2026-11-26 10:00", verified="2026-11-26 11:00",
           phone="13900005678", channel="sms")
    waiting = dispatched(city, "2026-11-25 09:00", phone=None, channel="open311")
    sign(city, waiting, "2026-11-25 09:30")
    rectify(city, waiting, "2026-11-26 09:00")  # in time, not yet checked
    city.waiting = waiting
    return city


def login(client, user):
    from app.services import staff_sessions

    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True
    return client


def get(client, path, lang="en", now=NOW):
    with clock.travel(at(now)):
        return client.get(path, headers={"Accept-Language": lang})


def rows_of(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_dashboard_splits_the_figures_by_channel(client, history):
    page = get(login(client, history.city_supervisor), "/supervise/?by=channel&month=2026-11")
    assert page.status_code == 200
    text = page.text
    for name in ("Web", "SMS", "Open311"):
        assert f">{name}</a>" in text


def test_a_channel_filters_every_figure(client, history):
    client = login(client, history.city_supervisor)
    page = get(client, "/supervise/?channel=sms&month=2026-11").text
    assert "0 on time of 1 due" in page and "Channel: SMS" in page
    summary = rows_of(get(client, "/supervise/export/summary.csv?channel=web&month=2026-11"))
    row = dict(zip(summary[0], summary[1], strict=True))
    assert (row["Due"], row["On time"]) == ("1", "1") and "Web" in row["Scope"]


def test_an_unknown_channel_is_refused_clearly(client, history):
    response = get(login(client, history.city_supervisor), "/supervise/?channel=fax")
    assert response.status_code == 404 and "Unknown channel in the address." in response.text


@pytest.mark.parametrize("path", ["/supervise/rankings?channel=web",
                                  "/supervise/overdue?channel=sms",
                                  "/supervise/hotspots?channel=web&radius=200&min=2",
                                  "/supervise/cases?channel=open311", "/supervise/bulletin"])
def test_every_page_takes_a_channel(client, history, path):
    for lang in ("en", "zh-CN"):
        assert get(login(client, history.city_supervisor), path, lang).status_code == 200


def test_exports_carry_the_channel(client, history):
    client = login(client, history.city_supervisor)
    cases = rows_of(get(client, "/supervise/export/cases.csv?month=2026-11"))
    channels = sorted(r[cases[0].index("Channel")] for r in cases[1:])
    assert channels == ["Open311", "SMS", "Web"]
    ranking = rows_of(get(client, "/supervise/export/breakdown.csv?by=channel&month=2026-11"))
    assert ranking[0][1] == "Channel" and {r[1] for r in ranking[1:]} == {"Open311", "SMS",
                                                                          "Web"}


def test_a_published_month_stays_as_published_and_shows_its_revision(client, history, app):
    client = login(client, history.city_supervisor)
    page = get(client, "/supervise/bulletin?month=2026-11").text
    assert "Publish this month" in page
    with clock.travel(at(NOW)):
        token = client.get("/supervise/bulletin?month=2026-11").text.split(
            'name="csrf_token" value="')[1].split('"')[0]
        done = client.post("/supervise/bulletin/publish?month=2026-11",
                           data={"csrf_token": token})
    assert done.status_code == 302
    verify(history, history.waiting, "2026-12-03 10:00")  # accepted after publishing
    later = get(client, "/supervise/bulletin?month=2026-11", now="2026-12-04 09:00").text
    assert "figures below are as published" in later
    assert "1 on time of 3 due" in later  # as published: the third was not accepted yet
    assert "Revised since: the on-time rate is now 66.7%" in later
    revision = get(client, "/supervise/bulletin/revision?month=2026-11",
                   now="2026-12-04 09:00").text
    assert history.waiting.code in revision and "pass the verification" in revision
    with clock.travel(at("2026-12-04 09:00")):
        again = client.post("/supervise/bulletin/publish?month=2026-11",
                            data={"csrf_token": token})
    assert again.status_code == 422 and "本月已发布" in again.text  # Chinese first


def test_only_the_city_publishes(client, history):
    client = login(client, history.district_supervisor)
    assert "Publish this month" not in get(client, "/supervise/bulletin?month=2026-11").text
    with clock.travel(at(NOW)):
        token = client.get("/work/supervise").text.split(
            'name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/supervise/bulletin/publish?month=2026-11",
                               data={"csrf_token": token})
    assert response.status_code == 403
    assert "只有市级值班长可以发布" in response.text
