"""Cross-cutting web concerns: user loading, template helpers, error pages, security headers."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask import session as flask_session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from wijzer import domain
from wijzer.auth import sessions
from wijzer.extensions import login_manager
from wijzer.pagination import MAX_ID
from wijzer.schemas import NUL_MESSAGE, has_nul
from wijzer.timeutil import ago_nl, local

ERROR_TEXT = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Controleer wat u heeft ingevuld."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze handeling is hier niet toegestaan."),
    413: ("Bestand te groot", "Het bestand is te groot."),
    429: (
        "Te veel verzoeken",
        "U heeft te veel verzoeken gedaan. Probeer het over een paar minuten opnieuw.",
    ),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    503: (
        "Tijdelijk niet beschikbaar",
        "De Beschikbaarheidswijzer is even niet bereikbaar. Probeer het over een paar minuten opnieuw.",
    ),
}
API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/hsds")


def error_response(status: int, message: str | None = None):
    title, text = ERROR_TEXT.get(status, (str(status), ""))
    body: Response | str
    if wants_json():
        body = jsonify(
            {"error": {"code": API_CODES.get(status, str(status)), "message": message or text, "field": None}}
        )
    else:
        body = render_template("errors/error.html", status=status, title=title, text=message or text)
    return make_response(body, status)


@login_manager.user_loader
def _load_user(user_id: str):
    # A live server-side session (ended by logout, password change or reset, disabling); never on the API.
    return sessions.load_from_cookie(user_id)


@login_manager.request_loader
def _load_user_from_bearer(req):
    return sessions.token_user()


def _invalid_token():
    response = jsonify(
        {
            "error": {
                "code": "unauthorized",
                "message": "Deze API-sleutel is ongeldig of ingetrokken. "
                "Stuur een geldige sleutel: 'Authorization: Bearer <sleutel>'.",
                "field": None,
            }
        }
    )
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import flash, redirect, url_for

    if wants_json():
        return jsonify(
            {
                "error": {
                    "code": "unauthorized",
                    "message": "Authenticatie vereist: stuur 'Authorization: Bearer <token>'.",
                    "field": None,
                }
            }
        ), 401
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


class DatabaseId(IntegerConverter):
    """<int:...> in URLs only matches ids a database integer can hold (larger ones are a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* only as configured (WIJZER_PROXY_FIX_X_FOR etc.; all 0 by default)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    counts = {
        name: int(app.config.get(f"PROXY_FIX_{name.upper()}", 0) or 0)
        for name in ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
    }
    if any(counts.values()):
        # Flask's documented way to wrap the WSGI app; mypy sees an assignment to a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    from wijzer.services import mail

    _proxy_fix(app)
    mail.init_app(app)
    app.url_map.converters["int"] = DatabaseId
    app.jinja_env.globals.update(domain=domain)
    app.jinja_env.filters["ago"] = ago_nl
    app.jinja_env.filters["local"] = lambda dt, fmt="%d-%m-%Y %H:%M": local(dt).strftime(fmt) if dt else "—"
    app.jinja_env.filters["nldate"] = lambda d: d.strftime("%d-%m-%Y") if d else "—"
    app.jinja_env.filters["label"] = lambda code, table: getattr(domain, table).get(code, code or "—")

    @app.context_processor
    def _inject():
        return {
            "config_public": {
                "TILE_URL": app.config["TILE_URL"],
                "TILE_ATTRIBUTION": app.config["TILE_ATTRIBUTION"],
            }
        }

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        response = error_response(
            exc.code or 500, exc.description if wants_json() and exc.code not in (404, 405) else None
        )
        for name, value in exc.get_headers():  # keep e.g. Allow (405) and Retry-After (429)
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return error_response(
            400,
            "Het formulier is verlopen of kwam niet van deze site. Laad de pagina "
            "opnieuw en probeer het nog eens; wat u invulde is niet opgeslagen.",
        )

    @app.errorhandler(OperationalError)
    def _db_down(exc):
        app.logger.error("Database unavailable: %s", exc)
        session = g.pop("db_session", None)
        if session is not None:
            session.invalidate()  # drop the broken connection; the pool reconnects when the DB is back
        g._login_user = login_manager.anonymous_user()  # render the page without asking the DB who this is
        response = error_response(503)
        response.headers["Retry-After"] = "30"
        return response

    @app.before_request
    def _refuse_nul():
        # No text column can hold a NUL character (PostgreSQL refuses it with an error, SQLite stores it): any
        # path, parameter, form field or JSON string with one is refused here, before a view or a query sees it.
        if has_nul(request.path) or has_nul(list(request.args.items(multi=True))):
            return error_response(400, NUL_MESSAGE)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.is_json:
                if has_nul(request.get_json(silent=True)):
                    return error_response(400, NUL_MESSAGE)
            elif has_nul(list(request.form.items(multi=True))):
                return error_response(400, NUL_MESSAGE)
        return None

    @app.before_request
    def _api_token_only():
        # The API is authenticated by a valid token only; a header that does not verify is refused even
        # when a cookie session is present (the cookie never counts on the API).
        if sessions.is_api_request() and "Authorization" in request.headers and sessions.token_user() is None:
            return _invalid_token()
        return None

    @app.after_request
    def _no_store(response):
        # Logged-in pages, API answers to a token and the account pages are never cached anywhere.
        if request.endpoint != "static" and (
            "_user_id" in flask_session or "Authorization" in request.headers or request.blueprint == "auth"
        ):
            response.headers["Cache-Control"] = "no-store"
        return response

    # Images only from this site and the map tile host (not any https: host), issue 11 item 13.
    from urllib.parse import urlsplit

    _tiles = urlsplit(app.config.get("TILE_URL") or "")
    tile_origin = (
        f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.scheme in ("http", "https") and _tiles.netloc else ""
    )

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data: {tile_origin}; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response
