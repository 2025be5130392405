"""The report page inside WeChat's built-in browser: a WeChat user agent, no request to
any other site allowed (what WeChat's webview may block) and so no third-party cookie, the
position from the browser's geolocation and a photo through the ordinary file input."""

import re

import pytest

from tests.browser.conftest import shot
from tests.factories import photo
from tests.resident_helpers import the_case

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; PGT-AN10 Build/HONORPGT-AN10; wv) "
             "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile "
             "Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 "
             "MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI "
             "Language/zh_CN ABI/arm64")


@pytest.mark.browser
def test_a_resident_reports_from_inside_wechat(live_server, browser, city):
    context = browser.new_context(user_agent=WECHAT_UA, locale="zh-CN",
                                  viewport={"width": 390, "height": 844}, bypass_csp=True,
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    elsewhere = []

    def only_this_site(route):
        if route.request.url.startswith(live_server):
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort()

    context.route("**/*", only_this_site)
    lng, lat = city.POINT
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation({"latitude": lat, "longitude": lng})
    page = context.new_page()
    try:
        page.goto(live_server + "/report")
        assert page.evaluate("navigator.userAgent").endswith("ABI/arm64")
        # A photo can be taken or chosen: no input that only opens the camera.
        assert page.locator("input[type=file][capture]").count() == 0
        assert "image/jpeg" in page.locator("#photos").get_attribute("accept")
        page.click("label:has(input[value=LD03])")
        page.click("#locate")
        page.wait_for_function("document.getElementById('lat').value !== ''")
        page.wait_for_function(
            "document.getElementById('place-words').textContent.includes('解放大道沿线')")
        page.fill("#description", "微信里报的：白色小车停在人行道上")
        page.set_input_files("#photos", files=[{"name": "car.jpg", "mimeType": "image/jpeg",
                                                "buffer": photo(size=(640, 480)).data}])
        page.click("#send")
        page.wait_for_selector("#tracking-code")
        shot(page, "wechat-browser-confirmation")
        code = page.locator("#tracking-code").inner_text().replace("-", "").strip()
        assert re.fullmatch(r"[0-9A-Z]{8}", code)
        case = the_case(code)
        assert case.area_id == city.area.id and case.channel == "web"
        assert abs(case.lat - lat) < 1e-6 and abs(case.lng - lng) < 1e-6
        assert [a.kind for a in case.attachments] == ["before"]
        # Every cookie is this site's own, none needs the third-party (SameSite=None) kind.
        cookies = context.cookies()
        assert cookies and all(c["domain"] in ("127.0.0.1", "localhost") for c in cookies)
        assert all(c["sameSite"] != "None" for c in cookies)
        # Nothing the page needed came from elsewhere (map tiles may have been asked for).
        assert all(re.search(r"tile|\.png", url) for url in elsewhere), elsewhere
    finally:
        context.close()
