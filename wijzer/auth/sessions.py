"""Who is asking: the server-side browser session and the API token of the current request.

- A browser login is a row in ``login_session``; the cookie carries its random id (``SESSION_KEY``)
  beside Flask-Login's user id. Logout ends the row, so a copied cookie stops working.
- An API token is verified once per request, when the request starts (``verify_token_at_request_start``,
  which also commits the token's ``last_used_at``); the rate limiter keys on its owner only after that
  verification, and otherwise on the client address.
- The JSON API (``/api/``) is authenticated by a valid token only: a cookie session never counts there,
  and a request that sends an Authorization header that does not verify is answered 401.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask import session as cookie
from flask_login import login_user, logout_user

from wijzer.db import get_session
from wijzer.models import User
from wijzer.services import accounts

SESSION_KEY = "_wijzer_sid"
_UNSET = object()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def client_address() -> str:
    """The client's address (from the proxy's X-Forwarded-For only when ProxyFix is configured)."""
    return request.remote_addr or "unknown"


def start(user) -> None:
    """Log ``user`` in on this browser: a new server-side session and a new CSRF token."""
    sid = accounts.start_login_session(get_session(), user)
    login_user(user)
    cookie[SESSION_KEY] = sid
    cookie.pop("csrf_token", None)  # Flask-WTF makes a fresh one for the logged-in session
    g.pop("csrf_token", None)


def login_again(user) -> None:
    """After a password change: the same server-side session, with the cookie's new session version."""
    login_user(user)


def current_sid() -> str | None:
    return cookie.get(SESSION_KEY)


def end() -> None:
    """Log out: the server-side session ends (the caller commits)."""
    accounts.end_login_session(get_session(), cookie.pop(SESSION_KEY, None))
    logout_user()
    cookie.pop("csrf_token", None)


def load_from_cookie(user_id: str):
    """Flask-Login's user loader: the user of a live server-side session, never on the API."""
    if is_api_request():
        return None
    try:
        uid, version = (int(p) for p in user_id.split(":"))
    except ValueError:
        return None
    return accounts.user_for_login_session(get_session(), uid, version, current_sid())


def token_user() -> User | None:
    """The user of the request's valid ``Authorization: Bearer`` token, or None (verified once per request).

    Never commits: it may run in the middle of a view (Flask-Login's request loader runs at the first use
    of ``current_user``), and a commit here would commit the view's half-done transaction. The token's
    ``last_used_at`` touch is committed by ``verify_token_at_request_start``."""
    user = g.get("_wijzer_token_user", _UNSET)
    if user is _UNSET:
        user = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = accounts.user_for_token(get_session(), header[7:].strip())
        g._wijzer_token_user = user
    return user


def verify_token_at_request_start(_app: Flask, **_extra: Any) -> None:
    """Entry point (Flask's ``request_started`` signal, before every ``before_request`` hook, the rate
    limiter's too): verify a Bearer token once and commit its ``last_used_at`` touch (at most every few
    minutes) while the request's transaction holds nothing else. Later calls of ``token_user`` (the rate
    limit key, the API check, Flask-Login's request loader) use the verified result."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return
    token_user()
    session = get_session()
    if session.dirty:
        session.commit()


def rate_limit_key() -> str:
    """Per verified token owner (each integration has its own budget), else per client address: a made-up
    Authorization header does not buy a fresh budget."""
    if request.headers.get("Authorization", "").startswith("Bearer "):
        user = token_user()
        if user is not None:
            return f"user:{user.id}"
    return "ip:" + client_address()
