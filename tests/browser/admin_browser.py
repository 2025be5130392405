"""Signing an administrator into a browser context without the sign-in page: the session
cookie is made with the app's own signing serializer."""

from tests.admin_helpers import session_cookie


def admin_page(new_page, app, live_server, user, locale="en-US"):
    page = new_page(locale)
    page.context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"),
                               "value": session_cookie(app, user), "url": live_server}])
    page.goto(live_server + "/?lang=en")
    return page
