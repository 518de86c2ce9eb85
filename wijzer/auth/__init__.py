"""Accounts on the web: login, logout, invitations, password reset, own account (password, API tokens),
and the role checks every blueprint uses.

- ``routes``: the views (parse, call ``wijzer.services.accounts``, commit, render).
- ``forms``: the WTForms.
- ``sessions``: who is asking — the server-side browser session and the API token of a request.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, request_started, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

bp = Blueprint("auth", __name__)


@bp.record_once
def _connect_entry_points(state: BlueprintSetupState) -> None:
    from wijzer.auth import sessions

    request_started.connect(sessions.verify_token_at_request_start, state.app)


def role_required(*roles: str):
    """Allow only logged-in users with one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def safe_next(target: str | None, default: str) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def home_for(user) -> str:
    if user.role == "region_admin":
        return url_for("audit.dashboard", code=user.region_code)
    return {"provider": url_for("providers.weekly"), "admin": url_for("providers.admin_home")}.get(
        user.role, url_for("search.home")
    )


from wijzer.auth import routes  # noqa: E402,F401  (registers the views on bp)
