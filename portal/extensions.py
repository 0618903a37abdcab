"""Extensions, created once here and bound to the app in the factory."""
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: The citizen's form and its thank-you page carry no rate limit (the plausibility rules and the
#: device cookie guard the form: docs/integrity.md), so the limiter skips looking their limits up
#: on every request. tests/portal/test_security.py checks that none is declared on them.
UNLIMITED_ENDPOINTS = frozenset({"feedback.survey", "feedback.thanks"})


@limiter.request_filter
def _unlimited() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS
