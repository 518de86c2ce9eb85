"""Flask extensions, created here and bound in create_app with init_app."""

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"  # "strong" drops Bearer logins when a cookie session exists

csrf = CSRFProtect()


def _rate_key() -> str:
    """Per verified API token owner, else per client address (see ``wijzer.auth.sessions.rate_limit_key``)."""
    from wijzer.auth.sessions import rate_limit_key

    return rate_limit_key()


# Limits and storage come from config (RATELIMIT_*, LOGIN_RATE_LIMIT, API_RATE_LIMIT).
limiter = Limiter(key_func=_rate_key)
