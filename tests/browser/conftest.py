"""Browser fixtures: the app served on a free local port, and a phone-sized page in
Debian's headless Chromium (never a downloaded browser). ``shot(page, name)`` saves a
screenshot under test-results/screenshots/ for a reviewer."""

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import need
from tests.object_store import moto_url  # noqa: F401 - the S3-compatible store fixture

CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-sandbox"]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-results" / "screenshots"


@pytest.fixture()
def live_server(city, app):
    enabled = app.config.get("RATELIMIT_ENABLED", True)
    app.config["RATELIMIT_ENABLED"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.config["RATELIMIT_ENABLED"] = enabled  # later tests check the limits


@pytest.fixture()
def browser():
    chromium = shutil.which("chromium")
    need("Chromium", chromium is not None)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def new_page(browser):
    """Factory: a fresh phone-sized context (its own cookies) per call."""
    contexts = []

    def make(locale: str = "zh-CN", csp: bool = False):
        # Playwright's polling waits evaluate strings in the page, which the app's CSP
        # (no eval) refuses: pages are driven with it bypassed, except where a test
        # checks the policy itself (csp=True; test_browser_defences.py).
        context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844},
                                      extra_http_headers={"Accept-Language": locale},
                                      bypass_csp=not csp)
        contexts.append(context)
        return context.new_page()

    yield make
    for c in contexts:
        c.close()


@pytest.fixture()
def page(new_page):
    return new_page()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
