from flask import Blueprint, current_app

from wijzer.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated JSON API; no cookie-based forms
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)  # once, at import

from wijzer.api import audit, capacity, placement, routes  # noqa: E402,F401
