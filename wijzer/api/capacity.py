"""POST /api/v1/capacity: capacity records as JSON, with a provider user's API token (admin: any)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, Field

from importers.capacity import import_capacity_records
from importers.limits import Deadline, check_records, limits_from_config
from importers.validation import ImportRejected
from wijzer.api import bp
from wijzer.api.errors import api_error
from wijzer.api.openapi import PATHS, _error_responses, add_model_components, json_response, query_parameters
from wijzer.api.query import parse_query
from wijzer.db import get_session
from wijzer.schemas import CapacityQuery, CapacityRecord

MAX_RECORDS = 10_000


@bp.post("/capacity")
def post_capacity():
    if not current_user.is_authenticated or not request.headers.get("Authorization", "").startswith(
        "Bearer "
    ):
        return api_error(401, "unauthorized", "Stuur een API-sleutel: 'Authorization: Bearer <sleutel>'.")
    if current_user.role not in ("provider", "admin"):
        return api_error(
            403,
            "forbidden",
            "Alleen medewerkers van zorgaanbieders (of beheerders) kunnen capaciteit melden.",
        )
    query, error = parse_query(CapacityQuery)
    if query is None:
        return error  # before the body is read: a misspelt or invalid dry_run stores nothing
    limits = limits_from_config(current_app.config)
    body_limit = current_app.config.get("MAX_API_BODY_BYTES", 5 * 1024 * 1024)
    if request.content_length is not None and request.content_length > body_limit:
        return api_error(
            413,
            "too_large",
            f"Het verzoek is te groot (hoogstens {body_limit // 1024} kB); stuur de records in delen.",
        )
    request.max_content_length = body_limit  # also without a Content-Length header (chunked)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return api_error(400, "invalid_body", 'Stuur JSON: {"records": [ {...}, ... ]}.', "records")
    records = body["records"]
    if not records:
        return api_error(400, "invalid_body", "De lijst records is leeg.", "records")
    max_records = min(MAX_RECORDS, limits.max_rows)
    if len(records) > max_records:
        return api_error(413, "too_large", f"Hoogstens {max_records} records per verzoek.", "records")
    if not all(isinstance(r, dict) for r in records):
        return api_error(400, "invalid_body", "Elk record is een JSON-object.", "records")
    too_long = check_records(records, limits)
    if too_long:
        return api_error(
            422,
            "invalid_records",
            f"Niets opgeslagen: {too_long[0].message}",
            too_long[0].column or None,
            errors=[{"index": e.row, "field": e.column or None, "message": e.message} for e in too_long],
        )
    deadline = Deadline(limits.max_seconds)
    session = get_session()
    only = current_user.provider_id if current_user.role == "provider" else None
    dry_run = query.dry_run
    try:
        result = import_capacity_records(
            session,
            [(i, r) for i, r in enumerate(records)],
            source="api",
            dry_run=dry_run,
            only_provider_id=only,
            user=current_user,
            actor=current_user.email,
            config=current_app.config,
            label="api",
            progress=deadline.progress,
        )
    except ImportRejected as exc:
        session.rollback()
        forbidden = [e for e in exc.errors if "hoort niet bij uw organisatie" in e.message]
        status, code = (
            (403, "forbidden")
            if forbidden and len(forbidden) == len(exc.errors)
            else (422, "invalid_records")
        )
        first = exc.errors[0]
        return api_error(
            status,
            code,
            f"Niets opgeslagen: {len(exc.errors)} probleem/problemen. {first.message}",
            first.column or None,
            errors=[{"index": e.row, "field": e.column or None, "message": e.message} for e in exc.errors],
        )
    if not dry_run:
        session.commit()
    return jsonify({"written": 0 if dry_run else result.created.get("report", 0), "dry_run": dry_run})


class CapacityBatch(BaseModel):
    """De meldingen van één verzoek: alles of niets."""

    records: list[CapacityRecord] = Field(min_length=1, max_length=MAX_RECORDS)


# CapacityRecord and CapacityResult are generated from their models in wijzer.api.openapi; the body here. The
# endpoint checks the body itself (a 413 for too many records, the importer's messages for each record).
add_model_components({"CapacityBatch": (CapacityBatch, "validation", None)})
PATHS["/api/v1/capacity"] = {
    "post": {
        "summary": "Meld capaciteit (alles of niets)",
        "operationId": "postCapacity",
        "security": [{"bearer": []}],
        "parameters": query_parameters(CapacityQuery),
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CapacityBatch"}}},
        },
        "responses": {
            "200": json_response("Opgeslagen", "CapacityResult"),
            **_error_responses(400, 401, 403, 422, 429),
            "413": {"description": "Te veel records"},
        },
    }
}
