"""Times on pages and in messages: the city's zone, Babel's short format for the reader's
language, exactly as Flask-Babel's format_datetime gives it."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, format_datetime

from app.services.i18n import datetime_in


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_short_times_read_as_flask_babel_writes_them(app, language):
    start = datetime(2025, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Wuhan, the year's end
    moments = [start + timedelta(minutes=37 * i) for i in range(400)]  # AM/PM, days, years
    with app.test_request_context(), force_locale(language):
        expected = [format_datetime(m, "short") for m in moments]
    with app.app_context():
        assert [datetime_in(language, m) for m in moments] == expected
    assert datetime_in(language, None) == ""


def test_times_are_shown_in_the_city_zone(app):
    with app.app_context():
        assert datetime_in("zh_Hans_CN", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)) \
            == "2026/11/25 09:00"
        assert datetime_in("en", datetime(2026, 11, 25, 13, 5, tzinfo=UTC)) \
            == "11/25/26, 9:05\u202fPM"
