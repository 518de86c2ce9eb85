"""GET /api/v1/regions/{code}/audit: the region audit figures as JSON (auditor: own region; admin: all)."""
from __future__ import annotations

from flask import current_app, jsonify
from flask_login import current_user

from wijzer.api import bp
from wijzer.api.openapi import COMPONENTS, PATHS, _error_responses
from wijzer.api.routes import api_error
from wijzer.db import get_session
from wijzer.models import Jeugdregio
from wijzer.services.regions import region_audit
from wijzer.timeutil import utcnow


@bp.get("/regions/<code>/audit")
def region_audit_api(code: str):
    if not current_user.is_authenticated:
        return api_error(401, "unauthorized", "Stuur een API-sleutel: 'Authorization: Bearer <sleutel>'.")
    if current_user.role not in ("auditor", "region_admin", "admin"):
        return api_error(403, "forbidden", "Alleen regio-auditors en beheerders zien de regio-audit.")
    region = get_session().get(Jeugdregio, code.upper())
    if region is None:
        return api_error(404, "not_found", f"Onbekende jeugdregio '{code}'.")
    if current_user.role in ("auditor", "region_admin") and current_user.region_code != region.code:
        return api_error(403, "forbidden", "U ziet alleen de audit van uw eigen regio.")
    audit = region_audit(get_session(), region, utcnow(), current_app.config)
    audit.pop("_gaps_named")
    return jsonify(audit)


NUM = {"type": ["number", "null"]}
COMPONENTS["schemas"]["RegionAudit"] = {
    "type": "object", "required": ["region", "care_types", "gaps"],
    "properties": {
        "region": {"type": "object", "required": ["code", "name"],
                   "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "care_types": {"type": "array", "items": {"type": "object", "required": [
            "care_type", "offerings", "providers", "free_places", "median_wait_intake", "p90_wait_intake",
            "median_wait_treatment", "p90_wait_treatment", "share_over_norm_intake", "share_over_norm_treatment",
            "share_stale", "no_place_reports_4w"], "properties": {
            "care_type": {"type": "string"}, "offerings": {"type": "integer"}, "providers": {"type": "integer"},
            "free_places": {"type": "integer"}, "median_wait_intake": NUM, "p90_wait_intake": NUM,
            "median_wait_treatment": NUM, "p90_wait_treatment": NUM, "share_over_norm_intake": NUM,
            "share_over_norm_treatment": NUM, "share_stale": NUM, "no_place_reports_4w": {"type": "integer"}}}},
        "gaps": {"type": "array", "items": {"type": "object", "required": ["municipality_code", "care_type", "covered", "nearest_km"],
                 "properties": {"municipality_code": {"type": "string"}, "care_type": {"type": "string"},
                                "covered": {"type": "boolean"}, "nearest_km": NUM}}}}}
PATHS["/api/v1/regions/{code}/audit"] = {"get": {
    "summary": "Regio-audit: cijfers per zorgsoort en dekkingsgaten", "operationId": "regionAudit",
    "security": [{"bearer": []}],
    "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "Audit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegionAudit"}}}},
                  **_error_responses(401, 403, 404, 429)}}}
