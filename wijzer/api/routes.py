"""JSON API v1: search, offering detail, health. Errors: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy import text

from wijzer.api import bp
from wijzer.api.errors import api_error
from wijzer.api.openapi import openapi_document
from wijzer.api.query import parse_query
from wijzer.db import get_read_session, get_session, saved_id
from wijzer.extensions import limiter
from wijzer.geo import PostcodeError
from wijzer.schemas import SearchFilters
from wijzer.services import alerts as alert_svc
from wijzer.services.availability import history
from wijzer.services.search import Hit, is_wide, offering_detail, search_offerings
from wijzer.timeutil import iso, utcnow


def hit_json(hit: Hit) -> dict:
    o, p, loc = hit.offering, hit.provider, hit.location
    return {
        "offering_id": o.id,
        "offering_ref": o.offering_ref,
        "name": o.name,
        "care_type": o.care_type,
        "tags": o.tag_list,
        "min_age": o.min_age,
        "max_age": o.max_age,
        "modalities": o.modality_list,
        "funding": o.funding_list,
        "provider": {
            "id": p.id,
            "name": p.name,
            "kvk": p.kvk,
            "phone": p.phone,
            "email": p.email,
            "website": p.website,
        },
        "location": {
            "id": loc.id,
            "name": loc.name,
            "postcode": loc.postcode,
            "city": loc.city,
            "municipality_code": loc.municipality_code,
            "region_code": loc.region_code,
            "lat": loc.lat,
            "lon": loc.lon,
        },
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 2),
        "free_places": hit.free_places,
        "held_places": hit.held_places,
        "total_places": o.cur_total_places,
        "waiting_weeks_intake": o.cur_wait_intake,
        "waiting_weeks_treatment": o.cur_wait_treatment,
        "intake_status": o.cur_intake_status,
        "waitlist_length": o.cur_waitlist_length,
        "next_free_date": o.cur_next_free_date.isoformat() if o.cur_next_free_date else None,
        "place_now": hit.available_now,
        "expected_start_days": hit.expected_start_days,
        "contract_regions": o.contract_region_list,
        "contracted_for_family": hit.contracted_for_family,
        "last_confirmed_at": iso(o.last_confirmed_at),
        "freshness": hit.freshness,
    }


@bp.get("/health")
def health():
    get_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


def _search_query() -> tuple[SearchFilters, None] | tuple[None, tuple[Response, int]]:
    """The search's parameters, read once per request (the rate limit's check below and the view use them)."""
    if "search_query" not in g:
        g.search_query = parse_query(SearchFilters, refuse_empty=True)
    return g.search_query


def _wide_anonymous() -> bool:
    if current_user.is_authenticated:
        return False
    filters, _error = _search_query()
    return filters is not None and is_wide(filters)


@bp.get("/search")
@limiter.limit(
    lambda: current_app.config.get("WIDE_SEARCH_RATE_LIMIT", "20 per minute"),
    key_func=lambda: "wide:" + (request.remote_addr or "unknown"),
    exempt_when=lambda: not _wide_anonymous(),
    override_defaults=False,
    error_message="Deze zoekopdracht beslaat een groot deel van het land: kies een zorgsoort of een straal "
    "tot 50 km, gebruik een API-sleutel, of probeer het over een minuut opnieuw.",
)
def search():
    filters, error = _search_query()
    if filters is None:
        return error
    try:
        # reads only: on PostgreSQL without BEGIN/ROLLBACK round trips (wijzer.db.get_read_session)
        result = search_offerings(get_read_session(), filters, utcnow(), current_app.config)
    except PostcodeError as exc:
        return api_error(400, "unknown_postcode", str(exc), "postcode")
    return jsonify({"total": result.total, "results": [hit_json(h) for h in result.results]})


@bp.get("/offerings/<int:offering_id>")
def offering(offering_id: int):
    session = get_session()
    hit = offering_detail(session, offering_id, utcnow(), current_app.config)
    if hit is None:
        return api_error(404, "not_found", "Dit aanbod bestaat niet (meer).")
    o = hit.offering
    body = hit_json(hit) | {
        "description": o.description,
        "category": o.category,
        "crisis_intake": o.crisis_intake,
        "status_until": o.cur_status_until.isoformat() if o.cur_status_until else None,
        "note": o.cur_note,
        "available_now": hit.available_now,
        "history": [
            {
                "reported_at": iso(r.reported_at),
                "kind": r.kind,
                "source": r.source,
                "free_places": r.free_places,
                "waiting_weeks_intake": r.wait_intake,
                "waiting_weeks_treatment": r.wait_treatment,
                "waitlist_length": r.waitlist_length,
                "intake_status": r.intake_status,
            }
            for r in history(session, saved_id(o), limit=200)
        ],
    }
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["BASE_URL"].rstrip("/")))  # never the Host header


# ---------------------------------------------------------------- alerts ("Houd me op de hoogte")
def _alert_json(alert) -> dict:
    return {
        "id": alert.id,
        "label": alert.label,
        "filters": dict(parse_qsl(alert.filters)),
        "created_at": iso(alert.created_at),
        "expires_at": iso(alert.expires_at),
        "paused": alert.paused,
    }


def _referrer_token():
    """None when the request carries a referrer's API token, else the error response."""
    if not current_user.is_authenticated or not request.headers.get("Authorization", "").startswith(
        "Bearer "
    ):
        return api_error(401, "unauthorized", "Stuur een API-sleutel: 'Authorization: Bearer <sleutel>'.")
    if current_user.role != "referrer":
        return api_error(403, "forbidden", "Alleen verwijzers kunnen meldingen bewaren.")
    return None


@bp.post("/alerts")
def alert_create():
    denied = _referrer_token()
    if denied:
        return denied
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(
            400,
            "invalid_body",
            "Stuur JSON met de zoekparameters van /api/v1/search, bijvoorbeeld "
            '{"care_type": "logeeropvang", "postcode": "3431"}.',
        )
    for key in ("limit", "offset", "sort"):
        if key in body:
            return api_error(
                400, "unknown_parameter", f"{key} hoort niet bij een melding (alleen filters).", key
            )
    session = get_session()
    try:
        alert = alert_svc.create_alert(session, current_user, body, utcnow())
    except alert_svc.AlertError as exc:
        return api_error(400, "invalid_parameter", str(exc), exc.field)
    session.commit()
    return jsonify(_alert_json(alert)), 201


@bp.get("/alerts")
def alert_list():
    denied = _referrer_token()
    if denied:
        return denied
    return jsonify(
        {"alerts": [_alert_json(a) for a in alert_svc.user_alerts(get_session(), current_user.id)]}
    )


@bp.delete("/alerts/<int:alert_id>")
def alert_delete(alert_id: int):
    denied = _referrer_token()
    if denied:
        return denied
    session = get_session()
    alert = alert_svc.own_alert(session, current_user.id, alert_id)
    if alert is None:
        return api_error(404, "not_found", "Deze melding bestaat niet.")
    alert_svc.delete_alert(session, alert)
    session.commit()
    return "", 204
