"""Probes for the process manager and one JSON log line per request.

- ``GET /healthz``: the process is up and serves requests (no database access): 200 ``{"status": "ok"}``.
- ``GET /readyz``: the database answers and its schema is current (the Alembic revision stored in the
  database equals the head of ``migrations/``): 200 ``{"status": "ready", ...}``, otherwise 503 with
  ``{"status": "not_ready", "reason": ...}``. Neither probe is rate limited.
- Every request logs one JSON line on the ``wijzer.requests`` logger: method, the route rule (e.g.
  ``/aanbod/<int:offering_id>``, never the raw URL, so no query string with a postcode, no token from a
  confirmation link), the endpoint, the status and the duration in milliseconds. No user, address, header
  or body is logged. ``REQUEST_LOG = False`` turns it off.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from functools import lru_cache

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from wijzer.extensions import limiter

bp = Blueprint("ops", __name__)
request_log = logging.getLogger("wijzer.requests")


@lru_cache(maxsize=1)
def migration_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from wijzer.config import PROJECT_ROOT

    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return tuple(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def database_state(engine) -> tuple[bool, str, tuple[str, ...]]:
    """(ready, reason, the database's revisions). Opens its own connection (not the request session)."""
    from alembic.migration import MigrationContext

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
    except SQLAlchemyError as exc:
        return False, f"database unreachable: {type(exc).__name__}", ()
    if current != migration_heads():
        return False, "migrations not current: run 'flask --app wsgi setup'", current
    return True, "ok", current


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    from wijzer.db import get_engine

    ready, reason, current = database_state(get_engine())
    body = {
        "status": "ready" if ready else "not_ready",
        "reason": reason,
        "migrations": {"database": list(current), "code": list(migration_heads())},
    }
    return jsonify(body), 200 if ready else 503


def _start_timer() -> None:
    g._request_started = time.perf_counter()


def _log_request(response):
    started = g.pop("_request_started", None)
    if started is None or not current_app.config.get("REQUEST_LOG", True):
        return response
    rule = request.url_rule.rule if request.url_rule is not None else None
    request_log.info(
        json.dumps(
            {
                "event": "request",
                "method": request.method,
                "route": rule,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
            separators=(",", ":"),
        )
    )
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_log_request)
    request_log.setLevel(logging.INFO)
    if not app.testing and not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.propagate = False
