"""An administrator imports staff from a file in a real browser: the dry run refuses the
file because of one bad row and writes nothing; the corrected file applies."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.browser.admin_browser import admin_page
from tests.browser.conftest import shot

STAFF = """username,display_name,role,phone,place,agency,active,language
liuyang,刘洋,road_chief,13911110001,JA01-02,,yes,zh_Hans_CN
chenjing,陈静,inspector,,JA02,,yes,en
zhaolei,赵磊,dispatcher,,JA99,,yes,zh_Hans_CN
"""


def _choose(page, content: str, name: str = "staff.csv"):
    page.set_input_files("form[data-import=staff] input[type=file]", files=[{
        "name": name, "mimeType": "text/csv", "buffer": content.encode()}])
    page.click("form[data-import=staff] button")


@pytest.mark.browser
def test_a_staff_import_with_one_bad_row_is_refused_in_the_dry_run(live_server, new_page, app,
                                                                    city):
    before = db.session.scalar(select(func.count()).select_from(User))
    page = admin_page(new_page, app, live_server, city.admin)
    page.goto(live_server + "/admin/import?kind=staff")
    _choose(page, STAFF)

    assert page.locator("[data-report=refused]").count() == 1
    bad = page.locator("tr.bad")
    assert bad.count() == 1
    assert bad.locator("td").first.inner_text() == "4"
    assert "No district, street or area has the code JA99" in bad.inner_text()
    assert page.locator("tr[data-line='2']").inner_text().endswith("create")
    assert page.locator("text=Apply the import").count() == 0
    shot(page, "admin-import-refused")
    assert db.session.scalar(select(func.count()).select_from(User)) == before

    page.goto(live_server + "/admin/import?kind=staff")
    _choose(page, STAFF.replace("JA99", "JA"))
    assert page.locator("[data-report=ok]").count() == 1
    shot(page, "admin-import-dry-run-ok")
    page.click("text=Apply the import")
    assert page.locator("[data-report=applied]").count() == 1
    assert page.locator("[data-temporary-password] tr").count() == 3
    shot(page, "admin-import-applied")
    assert db.session.scalar(select(func.count()).select_from(User)) == before + 3
