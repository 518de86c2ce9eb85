"""JSON API v1: search, offering detail, health. Errors: {"error": {"code", "message", "field"}}."""
from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import text

from wijzer.api import bp
from wijzer.api.openapi import openapi_document
from wijzer.db import get_session
from wijzer.geo import PostcodeError
from wijzer.schemas import SearchFilters, validate
from wijzer.services.availability import history
from wijzer.services.search import Hit, offering_detail, search_offerings
from wijzer.timeutil import iso, utcnow

SEARCH_PARAMS = ("care_type", "tags", "age", "modality", "funding", "postcode", "radius_km", "region",
                 "municipality", "available_now", "max_wait_weeks", "limit", "offset")


def api_error(status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"error": {"code": code, "message": message, "field": field}} | extra
    return jsonify(body), status


def hit_json(hit: Hit) -> dict:
    o, p, loc = hit.offering, hit.provider, hit.location
    return {
        "offering_id": o.id, "offering_ref": o.offering_ref, "name": o.name, "care_type": o.care_type,
        "tags": o.tag_list, "min_age": o.min_age, "max_age": o.max_age, "modalities": o.modality_list,
        "funding": o.funding_list,
        "provider": {"id": p.id, "name": p.name, "kvk": p.kvk},
        "location": {"id": loc.id, "name": loc.name, "postcode": loc.postcode, "city": loc.city,
                     "municipality_code": loc.gemeente_code, "region_code": loc.region_code,
                     "lat": loc.lat, "lon": loc.lon},
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 2),
        "free_places": o.cur_free_places, "waiting_weeks_intake": o.cur_wait_intake,
        "waiting_weeks_treatment": o.cur_wait_treatment, "intake_status": o.cur_intake_status,
        "last_confirmed_at": iso(o.last_confirmed_at), "freshness": hit.freshness,
    }


@bp.get("/health")
def health():
    get_session().exec(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.get("/search")
def search():
    unknown = [k for k in request.args if k not in SEARCH_PARAMS]
    if unknown:
        return api_error(400, "unknown_parameter", f"Onbekende parameter: {unknown[0]}.", unknown[0])
    empty = [k for k, v in request.args.items() if v.strip() == ""]
    if empty:
        return api_error(400, "invalid_parameter", f"Parameter {empty[0]} is leeg; laat hem weg of geef een waarde.", empty[0])
    data = dict(request.args.items())
    filters, errors = validate(SearchFilters, data)
    if errors:
        field, message = next(iter(errors.items()))
        return api_error(400, "invalid_parameter", message, None if field == "__all__" else field)
    try:
        result = search_offerings(get_session(), filters, utcnow(), current_app.config)
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
        "description": o.description, "category": o.category, "crisis_intake": o.crisis_intake,
        "contract_regions": o.contract_region_list, "waitlist_length": o.cur_waitlist_length,
        "status_until": o.cur_status_until.isoformat() if o.cur_status_until else None,
        "next_free_date": o.cur_next_free_date.isoformat() if o.cur_next_free_date else None,
        "note": o.cur_note, "available_now": hit.available_now,
        "provider": hit_json(hit)["provider"] | {"phone": hit.provider.phone, "email": hit.provider.email,
                                                 "website": hit.provider.website},
        "history": [{"reported_at": iso(r.reported_at), "kind": r.kind, "source": r.source,
                     "free_places": r.free_places, "waiting_weeks_intake": r.wait_intake,
                     "waiting_weeks_treatment": r.wait_treatment, "waitlist_length": r.waitlist_length,
                     "intake_status": r.intake_status} for r in history(session, o.id, limit=200)],
    }
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["BASE_URL"].rstrip("/")))  # never the Host header
