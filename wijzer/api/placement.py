"""Plaatsingsverzoek API (the same services as the pages), with a personal API token.

Referrer: ``POST /requests``, ``GET /requests[?status=]``, ``GET /requests/{id}``,
``POST /requests/{id}/confirm`` and ``/release`` (``{"item_id"}``).
Provider: ``GET /requests?status=open`` (their own items only), ``GET /requests/{id}`` (their own items),
``POST /request-items/{id}/answer``. Another referrer's or provider's request is a 404.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from wijzer.api import bp
from wijzer.api.errors import api_error
from wijzer.api.openapi import PATHS, _error_responses, json_response, path_id, query_parameters
from wijzer.api.query import parse_query
from wijzer.db import get_session, saved_id
from wijzer.domain import unpack
from wijzer.schemas import validate
from wijzer.schemas_placement import AnswerInput, ItemChoice, RequestInput, RequestListQuery
from wijzer.services import placement
from wijzer.services.placement import PlacementError, RequestView
from wijzer.timeutil import iso

STATUS_CODES = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 422}


def _auth(*roles: str):
    """None when the caller may go on, else the error response."""
    if not current_user.is_authenticated or not request.headers.get("Authorization", "").startswith(
        "Bearer "
    ):
        return api_error(401, "unauthorized", "Stuur een API-sleutel: 'Authorization: Bearer <sleutel>'.")
    if current_user.role not in roles:
        who = {"referrer": "verwijzers", "provider": "medewerkers van zorgaanbieders"}
        return api_error(403, "forbidden", "Alleen " + " en ".join(who[r] for r in roles) + " kunnen dit.")
    return None


def _error(exc: PlacementError):
    return api_error(STATUS_CODES.get(exc.code, 400), exc.code, exc.message, exc.field)


def _body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def item_json(iv: placement.ItemView) -> dict:
    i = iv.item
    return {
        "id": i.id,
        "offering_id": i.offering_id,
        "provider_id": i.provider_id,
        "provider_name": iv.provider.name,
        "status": i.status,
        "status_label": iv.label,
        "answer_due_at": iso(i.answer_due_at),
        "answered_at": iso(i.answered_at),
        "hold_until": i.hold_until.isoformat() if i.hold_until else None,
        "reason": i.decline_reason,
        "earliest_start": i.earliest_start.isoformat() if i.earliest_start else None,
    }


def request_json(view: RequestView) -> dict:
    r = view.request
    return {
        "id": r.id,
        "care_type": r.care_type,
        "modality": r.modality,
        "age": r.age,
        "tags": unpack(r.tags),
        "gemeente_code": r.municipality_code,
        "region_code": r.region_code,
        "start_from": r.start_from.isoformat() if r.start_from else None,
        "start_to": r.start_to.isoformat() if r.start_to else None,
        "note": r.note,
        "reference": r.reference,
        "referrer": {"name": view.referrer.name, "email": view.referrer.email} if view.referrer else None,
        "created_at": iso(r.created_at),
        "closed_at": iso(r.closed_at),
        "items": [item_json(iv) for iv in view.items],
    }


@bp.post("/requests")
def create_request():
    denied = _auth("referrer")
    if denied:
        return denied
    body = _body()
    if body is None:
        return api_error(400, "invalid_body", "Stuur een JSON-object met het verzoek.")
    data, errors = validate(RequestInput, body)
    if data is None:  # None exactly when there are errors
        field, message = next(iter(errors.items()))
        return api_error(422, "invalid", message, None if field == "__all__" else field)
    session = get_session()
    try:
        req = placement.create_request(session, current_user, data, config=current_app.config)
    except PlacementError as exc:
        session.rollback()
        return _error(exc)
    session.commit()
    view = placement.request_for_referrer(session, saved_id(req), current_user.id)
    body = {
        "id": req.id,
        "items": [
            {"id": iv.item.id, "offering_id": iv.item.offering_id, "status": iv.item.status}
            for iv in view.items
        ],
    }
    return jsonify(body), 201, {"Location": f"/api/v1/requests/{req.id}"}


@bp.get("/requests")
def list_requests():
    denied = _auth("referrer", "provider")
    if denied:
        return denied
    query, error = parse_query(RequestListQuery)
    if query is None:
        return error
    status, limit, offset = query.status, query.limit, query.offset
    session = get_session()
    if current_user.role == "provider":
        total, views = placement.requests_for_provider(
            session, current_user.provider_id, status=status, limit=limit, offset=offset
        )
    else:
        total, views = placement.requests_for_referrer(
            session, current_user.id, status=status, limit=limit, offset=offset
        )
    return jsonify({"total": total, "requests": [request_json(v) for v in views]})


@bp.get("/requests/<int:request_id>")
def get_request(request_id: int):
    denied = _auth("referrer", "provider")
    if denied:
        return denied
    session = get_session()
    try:
        if current_user.role == "provider":
            view = placement.request_for_provider(session, request_id, current_user.provider_id)
        else:
            view = placement.request_for_referrer(session, request_id, current_user.id)
    except PlacementError as exc:
        return _error(exc)
    return jsonify(request_json(view))


def _referrer_item_action(request_id: int, action):
    denied = _auth("referrer")
    if denied:
        return denied
    try:
        placement.request_for_referrer(get_session(), request_id, current_user.id)  # 404 before validation
    except PlacementError as exc:
        return _error(exc)
    body = _body()
    choice, _ = validate(ItemChoice, body) if body is not None else (None, {})
    if choice is None:
        return api_error(422, "invalid", 'Stuur JSON: {"item_id": <id van het onderdeel>}.', "item_id")
    session = get_session()
    try:
        action(
            session, request_id, choice.item_id, current_user.id, user=current_user, config=current_app.config
        )
    except PlacementError as exc:
        session.rollback()
        return _error(exc)
    session.commit()
    return jsonify(request_json(placement.request_for_referrer(session, request_id, current_user.id)))


@bp.post("/requests/<int:request_id>/confirm")
def confirm_request_item(request_id: int):
    return _referrer_item_action(request_id, placement.confirm_item)


@bp.post("/requests/<int:request_id>/release")
def release_request_item(request_id: int):
    return _referrer_item_action(request_id, placement.release_item)


@bp.post("/request-items/<int:item_id>/answer")
def answer_request_item(item_id: int):
    denied = _auth("provider")
    if denied:
        return denied
    session = get_session()
    try:
        placement.item_for_provider(session, item_id, current_user.provider_id)  # 404 before validation
    except PlacementError as exc:
        return _error(exc)
    body = _body()
    if body is None:
        return api_error(400, "invalid_body", "Stuur een JSON-object met het antwoord.")
    data, errors = validate(AnswerInput, body)
    if data is None:  # None exactly when there are errors
        field, message = next(iter(errors.items()))
        return api_error(422, "invalid", message, None if field == "__all__" else field)
    try:
        placement.answer_item(
            session, item_id, current_user.provider_id, data, user=current_user, config=current_app.config
        )
    except PlacementError as exc:
        session.rollback()
        return _error(exc)
    session.commit()
    _, iv = placement.item_for_provider(session, item_id, current_user.provider_id)
    return jsonify(item_json(iv))


# ---------------------------------------------------------------- OpenAPI
# The bodies (PlacementRequestInput, PlacementAnswerInput, PlacementItemChoice) and the answers
# (PlacementRequest, PlacementItem and the others, from wijzer.schemas_responses) are generated from their
# models in wijzer.api.openapi.
_JSON = "application/json"
_ID = path_id("request_id", "Id van het verzoek")
_ITEM_BODY = {
    "required": True,
    "content": {_JSON: {"schema": {"$ref": "#/components/schemas/PlacementItemChoice"}}},
}
PATHS["/api/v1/requests"] = {
    "post": {
        "summary": "Plaatsingsverzoek aan 1–3 aanbiedingen (verwijzer)",
        "operationId": "createPlacementRequest",
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {_JSON: {"schema": {"$ref": "#/components/schemas/PlacementRequestInput"}}},
        },
        "responses": {
            "201": json_response("Verstuurd", "PlacementRequestCreated"),
            **_error_responses(400, 401, 403, 422, 429),
        },
    },
    "get": {
        "summary": "Eigen verzoeken (verwijzer) of aan u gerichte onderdelen (aanbieder)",
        "operationId": "listPlacementRequests",
        "security": [{"bearer": []}],
        "parameters": query_parameters(RequestListQuery),
        "responses": {
            "200": json_response("Verzoeken", "PlacementRequestList"),
            **_error_responses(400, 401, 403, 429),
        },
    },
}
PATHS["/api/v1/requests/{request_id}"] = {
    "get": {
        "summary": "Eén plaatsingsverzoek (een aanbieder ziet alleen de eigen onderdelen)",
        "operationId": "getPlacementRequest",
        "security": [{"bearer": []}],
        "parameters": [_ID],
        "responses": {
            "200": json_response("Verzoek", "PlacementRequest"),
            **_error_responses(401, 403, 404, 429),
        },
    }
}
for _action, _summary, _op in (
    ("confirm", "Bevestig een vastgehouden plek: wordt een plaatsing", "confirmPlacementItem"),
    ("release", "Geef een vastgehouden plek vrij", "releasePlacementItem"),
):
    PATHS[f"/api/v1/requests/{{request_id}}/{_action}"] = {
        "post": {
            "summary": _summary,
            "operationId": _op,
            "security": [{"bearer": []}],
            "parameters": [_ID],
            "requestBody": _ITEM_BODY,
            "responses": {
                "200": json_response("Bijgewerkt verzoek", "PlacementRequest"),
                **_error_responses(401, 403, 404, 422, 429),
                "409": json_response(
                    "Kan niet in deze stand (verlopen, al bevestigd, geen vrije plek meer)", "Error"
                ),
            },
        }
    }
PATHS["/api/v1/request-items/{item_id}/answer"] = {
    "post": {
        "summary": "Antwoord van de aanbieder: accepteren (plek vasthouden), afwijzen of tegenvoorstel",
        "operationId": "answerPlacementItem",
        "security": [{"bearer": []}],
        "parameters": [path_id("item_id", "Id van het onderdeel")],
        "requestBody": {
            "required": True,
            "content": {_JSON: {"schema": {"$ref": "#/components/schemas/PlacementAnswerInput"}}},
        },
        "responses": {
            "200": json_response("Onderdeel", "PlacementItem"),
            **_error_responses(400, 401, 403, 404, 422, 429),
            "409": json_response("Al beantwoord, ingetrokken of verlopen", "Error"),
        },
    }
}
