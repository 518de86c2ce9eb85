"""GET /api/v1/regions/{code}/audit and /trends: the region audit figures and the weekly figures as JSON
(auditor: own region; admin: all). Both take ``?basis=location|contract``."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from wijzer.api import bp
from wijzer.api.errors import api_error
from wijzer.api.openapi import PATHS, _error_responses, json_response
from wijzer.db import get_session
from wijzer.models import Jeugdregio
from wijzer.services.regions import BASES, parse_basis, region_audit
from wijzer.services.trends import PeriodError, parse_period, region_trends
from wijzer.timeutil import local, utcnow


def _authorised_region(code: str):
    """(region, None) or (None, error response) with the audit endpoint's authorisation."""
    if not current_user.is_authenticated:
        return None, api_error(
            401, "unauthorized", "Stuur een API-sleutel: 'Authorization: Bearer <sleutel>'."
        )
    if current_user.role not in ("auditor", "region_admin", "admin"):
        return None, api_error(403, "forbidden", "Alleen regio-auditors en beheerders zien de regio-audit.")
    region = get_session().get(Jeugdregio, code.upper())
    if region is None:
        return None, api_error(404, "not_found", f"Onbekende jeugdregio '{code}'.")
    if current_user.role in ("auditor", "region_admin") and current_user.region_code != region.code:
        return None, api_error(403, "forbidden", "U ziet alleen de audit van uw eigen regio.")
    return region, None


def _region_and_basis(code: str, allowed: tuple[str, ...] = ("basis",)):
    """(region, basis, None) or (None, None, error response): authorisation first, then the parameters (an
    unknown one, such as a misspelt ``basis``, is refused rather than answered for the default basis)."""
    region, error = _authorised_region(code)
    if error:
        return None, None, error
    unknown = [k for k in request.args if k not in allowed]
    if unknown:
        return (
            None,
            None,
            api_error(400, "unknown_parameter", f"Onbekende parameter: {unknown[0]}.", unknown[0]),
        )
    basis = parse_basis(request.args.get("basis"))
    if basis is None:
        return (
            None,
            None,
            api_error(400, "invalid_basis", "basis moet 'location' of 'contract' zijn.", field="basis"),
        )
    return region, basis, None


@bp.get("/regions/<code>/trends")
def region_trends_api(code: str):
    region, basis, error = _region_and_basis(code, ("basis", "from", "to"))
    if error:
        return error
    now = utcnow()
    try:
        start, end = parse_period(request.args.get("from"), request.args.get("to"), local(now).date())
    except PeriodError as exc:
        message = str(exc).replace("'van'", "'from'").replace("'tot'", "'to'")
        return api_error(400, "invalid_period", message, field={"van": "from", "tot": "to"}[exc.field])
    session = get_session()
    weeks = region_trends(session, region, start, end, now, current_app.config, basis)
    session.commit()  # keeps the weeks just reconstructed (trend_week)
    return jsonify(
        {
            "region": region.code,
            "basis": basis,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "weeks": weeks,
        }
    )


@bp.get("/regions/<code>/audit")
def region_audit_api(code: str):
    region, basis, error = _region_and_basis(code)
    if error:
        return error
    audit = region_audit(get_session(), region, utcnow(), current_app.config, basis)
    audit.pop("_gaps_named")
    return jsonify(audit)


_REGION = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "Jeugdregiocode, bijvoorbeeld JZ22",
    "schema": {"type": "string"},
}
BASIS_PARAM = {
    "name": "basis",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": list(BASES), "default": "location"},
}
# RegionAudit and RegionTrends are generated from wijzer.schemas_responses in wijzer.api.openapi.
PATHS["/api/v1/regions/{code}/audit"] = {
    "get": {
        "summary": "Regio-audit: cijfers per zorgsoort en dekkingsgaten",
        "operationId": "regionAudit",
        "security": [{"bearer": []}],
        "parameters": [
            _REGION,
            BASIS_PARAM,
        ],
        "responses": {
            "200": json_response("Audit", "RegionAudit"),
            **_error_responses(400, 401, 403, 404, 429),
        },
    }
}
PATHS["/api/v1/regions/{code}/trends"] = {
    "get": {
        "summary": "Regio-trends: cijfers per ISO-week en zorgsoort, herleid uit de meldingshistorie",
        "operationId": "regionTrends",
        "security": [{"bearer": []}],
        "parameters": [
            _REGION,
            {
                "name": "from",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            },
            {"name": "to", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
            BASIS_PARAM,
        ],
        "responses": {
            "200": json_response("Trends", "RegionTrends"),
            **_error_responses(400, 401, 403, 404, 429),
        },
    }
}
