"""The session cookie (signed by Flask's serializer, kept once per set of keys): what a
browser keeps across requests survives, and a new secret key ends old cookies unless the
old key is kept among the fallbacks."""

from flask import session


def _app_with(app, secret: str, fallbacks=()):
    app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=list(fallbacks))


def test_the_language_choice_is_kept_and_a_rotated_key_honours_its_fallback(app):
    before = app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS")
    try:
        _app_with(app, "first-key")
        client = app.test_client()
        assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)
        assert 'lang="en"' in client.get("/").get_data(as_text=True)  # kept in the cookie

        _app_with(app, "second-key", fallbacks=["first-key"])  # rotated, old kept
        assert 'lang="en"' in client.get("/").get_data(as_text=True)

        _app_with(app, "third-key")  # the old key dropped: the old cookie means nothing
        assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = before


def test_a_forged_cookie_is_an_empty_session(app):
    client = app.test_client()
    client.set_cookie("session", "eyJsYW5nIjoiZW4ifQ.forged.signature")
    with client:
        page = client.get("/").get_data(as_text=True)
        assert "lang" not in session
    assert 'lang="zh-CN"' in page
