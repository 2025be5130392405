"""The resident's forms. Every message is translated; every form carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.models.case import ADDRESS_MAX, DESCRIPTION_MAX, REASON_MAX
from app.services.public_view import RATING

TRACKING_CODE_HINT = "K7QM-4D2X"


class _Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            # Every message here is our own, translated by Flask-Babel: skip loading
            # WTForms' catalogue on every request.
            return None


class ReportForm(_Form):
    """The report form. Its CSRF token is checked once, by CSRFProtect before the view
    (as for every POST); the form itself neither makes nor checks one again (the page
    renders ``csrf_token()``)."""

    class Meta:
        csrf = False

    category = RadioField(_l("What is the problem?"), choices=[], validate_choice=False,
                          validators=[InputRequired(_l("Choose what kind of problem it is."))])
    lat = HiddenField()
    lng = HiddenField()
    area_id = StringField(_l("Road or area"))
    q = StringField(_l("Search roads and areas"), validators=[Optional(), Length(max=64)])
    address = StringField(
        _l("Where exactly (optional)"),
        validators=[Length(max=ADDRESS_MAX, message=_l(
            "That text is too long (at most %(max)d characters)."))])
    description = TextAreaField(
        _l("Describe the problem"),
        validators=[DataRequired(_l("Please describe the problem.")),
                    Length(max=DESCRIPTION_MAX, message=_l(
                        "That text is too long (at most %(max)d characters)."))])
    photos = MultipleFileField(_l("Photos (up to 4)"))
    phone = StringField(_l("Mobile number (optional)"), validators=[Length(max=32)])
    anonymous = BooleanField(_l("Stay anonymous: staff do not see who reported it"))
    nearby_seen = HiddenField()


class TrackForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search box: nothing is changed

    code = StringField(_l("Tracking code"))


class RatingLinkForm(_Form):
    phone = StringField(_l("The mobile number you reported with"),
                        validators=[InputRequired(_l("Please give your mobile number."))])


class RatingForm(_Form):
    score = RadioField(_l("How satisfied are you with the result?"),
                       choices=[str(k) for k in RATING],  # labels: public_view.RATING
                       validators=[InputRequired(_l("Choose one of the three answers."))])
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Length(max=REASON_MAX, message=_l(
            "That text is too long (at most %(max)d characters)."))])
