"""The supervision page opens on the last complete month (the month to date one click
away) and ranks every unit under the viewer, listing those with no due cases as such."""

from app.extensions import db
from app.models import Street
from tests.web.test_supervise import get, history, login  # noqa: F401 - the fixture


def test_the_page_opens_on_the_last_complete_month(client, history):  # noqa: F811
    # "now" is 2026-12-02: November is the last complete month, December has barely begun.
    page = get(login(client, history.city_supervisor), "/supervise/").text
    assert 'name="month" value="2026-11"' in page
    assert 'id="month-to-date"' in page and "month=2026-12" in page


def test_every_street_under_a_district_is_ranked_even_without_due_cases(client, history):  # noqa: F811
    quiet = Street(code="JA09", district_id=history.district.id, name_zh="安静街道",
                   name_en="Quiet")
    db.session.add(quiet)
    db.session.commit()
    page = get(login(client, history.district_supervisor),
               f"/supervise/rankings?district={history.district.id}&month=2026-11").text
    streets = page[page.index('id="street"'):]
    assert "Quiet" in streets and "Dazhi" in streets
    row = streets[streets.index(">Quiet</a>"):]
    row = row[:row.index("</tr>")]
    assert "no due cases" in row
    dashboard = get(client, f"/supervise/?district={history.district.id}&month=2026-11"
                            "&by=street").text
    assert "Quiet" in dashboard and 'data-none="due"' in dashboard


def test_a_street_supervisor_sees_no_streets_beside_their_own(client, history):  # noqa: F811
    page = get(login(client, history.street_supervisor),
               "/supervise/rankings?month=2026-11").text
    assert "Yiyuan" not in page and "一元街道" not in page
