"""Sign-in and password forms (Flask-WTF: every form carries its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

_REQUIRED = _l("Please fill this in.")
_TOO_LONG = _l("That is too long.")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"),
                           validators=[DataRequired(_REQUIRED), Length(max=64, message=_TOO_LONG)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_REQUIRED),
                                                         Length(max=256, message=_TOO_LONG)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_REQUIRED)])
    new = PasswordField(_l("New password"), validators=[DataRequired(_REQUIRED),
                                                        Length(max=256, message=_TOO_LONG)])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(_REQUIRED)])
