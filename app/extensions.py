"""The Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base, render_item
from app.services.replica import RoutingSession

# No autoflush: the one door applies a whole action and then flushes once, so a query in
# the middle never writes a half-made change (nor bumps the version twice).
# The session class reads marked heavy pages from DATABASE_REPLICA_URL when it is healthy.
db = SQLAlchemy(model_class=Base,
                session_options={"autoflush": False, "class_": RoutingSession})
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_item)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
# Limits are declared where they apply (the resident channel, sign-in, Open311); no
# default limit.
limiter = Limiter(key_func=get_remote_address)
