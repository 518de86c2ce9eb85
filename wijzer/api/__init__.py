from flask import Blueprint

from wijzer.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated JSON API; no cookies-based forms

from wijzer.api import routes  # noqa: E402,F401
