"""The start page in a real headless Chromium (Debian's binary, driven by Playwright)."""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import need

CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-sandbox"]


@pytest.fixture()
def live_server(city, app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def page():
    chromium = shutil.which("chromium")
    need("Chromium", chromium is not None)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        yield context.new_page()
        browser.close()


@pytest.mark.browser
def test_a_phone_browser_sees_the_start_page_in_chinese_and_can_switch(live_server, page):
    page.goto(live_server + "/")
    assert page.locator("a.brand").inner_text() == "路长制"
    assert page.locator("li[data-state=submitted] span").inner_text() == "待受理"
    page.click("text=English")
    assert page.locator("a.brand").inner_text() == "Road Chief"
    assert page.locator("li[data-state=submitted] span").inner_text() == "Waiting for triage"
