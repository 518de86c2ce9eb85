"""Configuration: code defaults, then WIJZER_* environment variables, then the test dict."""

from __future__ import annotations

import os
from pathlib import Path

from wijzer import domain

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    SECRET_KEY = "dev-only-insecure-secret"  # noqa: S105 — production refuses to start with it
    WIJZER_ENV = "development"  # development | production | testing
    DATABASE_URL = "sqlite:///" + str(PROJECT_ROOT / "instance" / "wijzer.db")
    DATABASE_ECHO = False

    # Freshness (days since the last confirmation); per-region overrides live on Jeugdregio.
    FRESH_DAYS = domain.FRESH_DAYS
    STALE_DAYS = domain.STALE_DAYS
    ESCALATE_DAYS = 21
    # Treeknormen used as guideline (weeks); per-region overrides live on Jeugdregio.
    NORM_INTAKE_WEEKS = 4
    NORM_TREATMENT_WEEKS = 10
    # Search
    DEFAULT_RADIUS_KM = 25
    MAX_RADIUS_KM = 250
    TRAVEL_KM = 25  # coverage-gap distance for the region audit
    # Accounts
    INVITE_TTL_HOURS = 72
    CONFIRM_LINK_TTL_DAYS = 14
    # Map tiles (the pages work without them)
    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = "&copy; OpenStreetMap-bijdragers"
    # E-mail; without MAIL_SERVER mail goes to the outbox table and the log.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False
    MAIL_SENDER = "Beschikbaarheidswijzer <noreply@beschikbaarheidswijzer.local>"
    # After a web request commits, its queued mail is sent by a background thread at once; the `mail`
    # job (every minute) sends whatever is left. False: only the job sends.
    MAIL_SEND_AFTER_COMMIT = True
    # The public address. Every link in every e-mail (and the share link) is built from it, never from
    # the request's Host header. Required in production.
    BASE_URL = "http://127.0.0.1:5000"
    # Escalations for a region without a contact address go here (empty: recorded as "geen adres").
    ADMIN_EMAIL = ""
    # Behind a reverse proxy: how many proxies to trust for each X-Forwarded-* header (werkzeug ProxyFix).
    # 0 (default) = ignore the header; never set these without a proxy that overwrites the headers.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0
    # Uploads
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    MAX_IMPORT_BYTES = 50 * 1024 * 1024
    # Limits on every import path (importers/limits.py, docs/importeren.md).
    MAX_IMPORT_ROWS = 100_000
    MAX_IMPORT_COLUMNS = 50
    MAX_IMPORT_CELL_CHARS = 10_000
    MAX_IMPORT_SECONDS = 25  # web: below gunicorn's 30 s worker timeout
    MAX_IMPORT_SECONDS_CLI = 600
    MAX_IMPORT_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
    MAX_IMPORT_ZIP_RATIO = 100
    MAX_IMPORT_ZIP_MEMBERS = 1000
    MAX_API_BODY_BYTES = 5 * 1024 * 1024  # POST /api/v1/capacity
    # Sessions
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    SCHEDULER_TIMEZONE = "Europe/Amsterdam"
    # Rate limiting (Flask-Limiter). With several gunicorn workers and memory storage each worker
    # counts on its own; set WIJZER_RATELIMIT_STORAGE_URI (e.g. redis://) to share the counts.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    API_RATE_LIMIT = "600 per minute"
    # Plaatsingsverzoek (working days exclude weekends and Dutch public holidays)
    PLACEMENT_ANSWER_DAYS = 2
    PLACEMENT_REMIND_DAYS = 1
    PLACEMENT_MAX_HOLD_DAYS = 10
    PLACEMENT_COUNTER_DAYS = 10
    PLACEMENT_RETENTION_DAYS = 90


def _is_base_url(value) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(str(value))
    return (
        parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment
    )


def load_config(app, test_config: dict | None = None) -> None:
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("WIJZER")
    if test_config:
        app.config.update(test_config)
    # WIJZER_ENV is read by from_prefixed_env as ENV; keep one name.
    if "ENV" in app.config and os.environ.get("WIJZER_ENV"):
        app.config["WIJZER_ENV"] = app.config.pop("ENV")
    if app.config["WIJZER_ENV"] == "production":
        if app.config["SECRET_KEY"] == Defaults.SECRET_KEY:
            raise RuntimeError("WIJZER_SECRET_KEY moet gezet zijn in productie (WIJZER_ENV=production).")
        if app.config["BASE_URL"] == Defaults.BASE_URL or not _is_base_url(app.config["BASE_URL"]):
            raise RuntimeError(
                "WIJZER_BASE_URL moet in productie (WIJZER_ENV=production) de publieke adres van de "
                "app zijn, bijvoorbeeld https://beschikbaarheidswijzer.example.nl: links in e-mails "
                "worden daarmee gemaakt, nooit met de Host-kop van een verzoek."
            )
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
