"""Read-only Open Referral HSDS 3.1 API, as described by the official API document
(tests/data/hsds/schema/openapi.json): /, /services, /services/{id}, /organizations, /organizations/{id},
/service_at_locations, /service_at_locations/{id}, /taxonomies, /taxonomies/{id}, /taxonomy_terms,
/taxonomy_terms/{id}. Only GET (the document's POST variants are not offered: this API is read-only).

It serves exactly what the search shows (active offerings only). Lists are paged by the one pagination
helper (``page`` 1..100,000, ``per_page`` 1..200); errors are ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache

from flask import Blueprint, jsonify, request

from wijzer.api.errors import api_error
from wijzer.db import get_session
from wijzer.geo import PostcodeError
from wijzer.links import external_url
from wijzer.pagination import BadNumber, parse_paging
from wijzer.services import hsds

bp = Blueprint("hsds", __name__, url_prefix="/hsds")

BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


class BadParameter(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@bp.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter):
    return api_error(400, "invalid_parameter", exc.message, exc.field)


@bp.errorhandler(BadNumber)
def _bad_page(exc: BadNumber):
    return api_error(400, "invalid_parameter", str(exc), exc.param)


@bp.errorhandler(PostcodeError)
def _bad_postcode(exc: PostcodeError):
    return api_error(400, "unknown_postcode", str(exc), "postcode")


def _flag(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.strip().lower() not in BOOLEAN:
        raise BadParameter(name, f"{name} is true of false.")
    return BOOLEAN[raw.strip().lower()]


def _text(name: str, max_length: int = 100) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length:
        raise BadParameter(name, f"{name} is te lang (hoogstens {max_length} tekens).")
    return raw.strip()


def _common():
    """Checks shared by every list: only JSON output, valid paging."""
    fmt = request.args.get("format")
    if fmt is not None and fmt.strip().lower() != "json":
        raise BadParameter("format", "Alleen format=json wordt ondersteund.")
    return parse_paging(request.args)


def _service_filters() -> hsds.ServiceFilters:
    modified_after = None
    raw = _text("modified_after", 40)
    if raw is not None:
        try:
            modified_after = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if modified_after.tzinfo is None:  # no offset given: UTC
                modified_after = modified_after.replace(tzinfo=UTC)
            modified_after = modified_after.astimezone(UTC)  # OverflowError at the ends of the calendar
        except (ValueError, OverflowError):
            raise BadParameter(
                "modified_after", "modified_after is een datum en tijd, bijv. 2026-11-30T12:00:00Z."
            ) from None
    proximity = None
    raw = _text("proximity", 10)
    if raw is not None:
        if not raw.isdigit() or not 1 <= int(raw) <= 300_000:
            raise BadParameter("proximity", "proximity is een afstand in meters van 1 tot en met 300000.")
        proximity = int(raw)
    return hsds.ServiceFilters(
        search=_text("search"),
        organization_id=_text("organization_id", 36),
        taxonomy_id=_text("taxonomy_id", 36),
        taxonomy_term_id=_text("taxonomy_term_id", 36),
        modified_after=modified_after,
        postcode=_text("postcode", 7),
        proximity_m=proximity,
    )


def _found(item: dict | None, what: str):
    if item is None:
        return api_error(404, "not_found", f"{what} bestaat niet (of is niet openbaar).")
    return jsonify(item)


@bp.get("/")
def info():
    return jsonify(
        {
            "version": "3.1",
            "profile": "https://docs.openreferral.org/en/v3.1/",
            "openapi_url": external_url("hsds.openapi"),
        }
    )


@lru_cache(maxsize=1)
def _official_document() -> str:
    from wijzer.config import PROJECT_ROOT

    return (PROJECT_ROOT / "wijzer/data/hsds/openapi.json").read_text(encoding="utf-8")


@bp.get("/openapi.json")
def openapi():
    """The official HSDS 3.1 API description this API implements (GET operations), pointed at this site."""
    document = json.loads(_official_document())
    document["servers"] = [{"url": external_url("hsds.info").rstrip("/")}]
    return jsonify(document)


@bp.get("/services")
def services():
    page = _common()
    _flag("minimal")  # validated; services are always served fully nested (the list schema needs name
    _flag("full")  # and status, so a minimal id-only list would break the documented response)
    return jsonify(hsds.list_services(get_session(), page, _service_filters()))


@bp.get("/services/<service_id>")
def service(service_id: str):
    return _found(hsds.get_service(get_session(), service_id), "Deze service")


@bp.get("/service_at_locations")
def service_at_locations():
    page = _common()
    full = _flag("full")
    return jsonify(hsds.list_service_at_locations(get_session(), page, _service_filters(), full=full))


@bp.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str):
    return _found(hsds.get_service_at_location(get_session(), sal_id), "Deze service_at_location")


@bp.get("/organizations")
def organizations():
    page = _common()
    _text("taxonomy_id", 36)  # accepted as documented; organizations carry no terms of their own
    _text("taxonomy_term_id", 36)
    result = hsds.list_organizations(
        get_session(), page, search=_text("search"), full=_flag("full"), full_service=_flag("full_service")
    )
    return jsonify(result)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    return _found(
        hsds.get_organization(get_session(), organization_id, full_service=_flag("full_service")),
        "Deze organisatie",
    )


@bp.get("/taxonomies")
def taxonomies():
    page = _common()
    items = hsds.taxonomies(get_session())
    search = _text("search")
    if search:
        items = [t for t in items if search.lower() in (t["name"] + " " + t["description"]).lower()]
    return jsonify(hsds.paged(items, page))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = next((t for t in hsds.taxonomies(get_session()) if t["id"] == taxonomy_id), None)
    return _found(found, "Deze taxonomie")


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    page = _common()
    items = hsds.taxonomy_terms(get_session())
    search, taxonomy_id, parent_id = _text("search"), _text("taxonomy_id", 36), _text("parent_id", 36)
    _flag("top_only")  # every term is a top-level term: top_only changes nothing
    if search:
        items = [t for t in items if search.lower() in (t["code"] + " " + t["name"]).lower()]
    if taxonomy_id:
        items = [t for t in items if t["taxonomy_id"] == taxonomy_id]
    if parent_id:
        items = []  # no term has a parent
    return jsonify(hsds.paged(items, page))


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    found = next((t for t in hsds.taxonomy_terms(get_session()) if t["id"] == term_id), None)
    return _found(found, "Deze term")
