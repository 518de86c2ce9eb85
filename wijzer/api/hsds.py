"""Read-only Open Referral HSDS 3.1 API: /hsds/, /hsds/services (paginated), /hsds/services/{id}."""
from __future__ import annotations

import math

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import func
from sqlmodel import select

from importers.hsds import iter_services
from wijzer.db import get_session
from wijzer.pagination import MAX_PAGE
from wijzer.models import Offering

bp = Blueprint("hsds", __name__, url_prefix="/hsds")


def _error(status: int, code: str, message: str, field: str | None = None):
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


@bp.get("/")
def info():
    return jsonify({"version": "3.1", "profile": "https://docs.openreferral.org/en/v3.1/",
                    "openapi_url": url_for("api.openapi", _external=True)})


@bp.get("/services")
def services():
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        return _error(400, "invalid_parameter", "page en per_page zijn hele getallen.", "page")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 200:
        return _error(400, "invalid_parameter", "page ≥ 1 en per_page tussen 1 en 200.", "per_page")
    session = get_session()
    total = session.exec(select(func.count()).select_from(Offering)).one()
    pages = max(1, math.ceil(total / per_page))
    contents = list(iter_services(session, offset=(page - 1) * per_page, limit=per_page))
    return jsonify({"total_items": total, "total_pages": pages, "page_number": page, "size": len(contents),
                    "first_page": page == 1, "last_page": page >= pages, "empty": not contents,
                    "contents": contents})


@bp.get("/services/<service_id>")
def service(service_id: str):
    found = next(iter_services(get_session(), service_id=service_id), None)
    if found is None:
        return _error(404, "not_found", "Deze service bestaat niet.")
    return jsonify(found)
