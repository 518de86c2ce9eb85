"""Public finder pages: search (cards, table, map), offering detail, shortlist, help pages, "gebeld: geen plek"."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from wijzer import domain
from wijzer.auth import role_required, safe_next
from wijzer.db import get_session
from wijzer.extensions import limiter
from wijzer.geo import DATA_DIR, PostcodeError, lookup_postcode
from wijzer.links import external_url
from wijzer.models import Gemeente, Jeugdregio, Offering
from wijzer.pagination import BadNumber, parse_ids
from wijzer.schemas import FILTER_KEYS, SEARCH_SORTS, SearchFilters, validate
from wijzer.search import bp
from wijzer.services import availability, feedback
from wijzer.services.search import is_wide, offering_detail, search_offerings, search_summary, suggestions
from wijzer.timeutil import utcnow

SEARCH_KEYS = (*FILTER_KEYS, "sort")  # the finder pages page by themselves
LIST_KEYS = ("tags", "modality")  # repeated checkboxes in the form, comma-separated in the API
BOOL_KEYS = ("available_now", "contracted")
VIEWS = ("kaarten", "tabel")
PAGE_SIZE = 20
SHORTLIST_MAX = 30
FEW_RESULTS = 5
DETAIL_HISTORY = timedelta(weeks=12)  # the detail page charts the reports of the last 12 weeks


def search_args(args: MultiDict[str, str]) -> dict[str, Any]:
    """The search parameters of a request, as a flat dict of non-empty strings (for links and alerts; typed
    Any so it can be passed to ``url_for`` as keywords)."""
    out: dict[str, Any] = {}
    for k in SEARCH_KEYS:
        if k in LIST_KEYS:
            values = [v for raw in args.getlist(k) for v in str(raw).split(",") if v.strip()]
            if values:
                out[k] = ",".join(dict.fromkeys(v.strip() for v in values))
        else:
            v = str(args.get(k, "")).strip()
            if v:
                out[k] = v
    return out


def filters_from(flat: dict[str, str], *, limit: int = PAGE_SIZE, offset: int = 0):
    data: dict = dict(flat)
    for k in BOOL_KEYS:
        if k in data:
            data[k] = data[k] in ("1", "on", "true", "ja")
    data["limit"], data["offset"] = limit, offset
    return validate(SearchFilters, data)


def wide_anonymous() -> bool:
    """An anonymous search over a large part of the country (issue 11 item 20): stricter rate limit."""
    if current_user.is_authenticated:
        return False
    filters, errors = filters_from(search_args(request.args))
    return not errors and is_wide(filters)


def wide_limit() -> str:
    return current_app.config.get("WIDE_SEARCH_RATE_LIMIT", "20 per minute")


def _ip_key() -> str:
    return "wide:" + (request.remote_addr or "unknown")


@lru_cache(maxsize=1)
def _region_shapes() -> dict[str, dict]:
    with open(DATA_DIR / "jeugdregios.geojson", encoding="utf-8") as fh:
        return {f["id"]: f for f in json.load(fh)["features"]}


def map_data(result, family_region: str | None, first: int = 1) -> dict:
    """The numbered markers of the page and the outlines of their regions (shown when tiles are not)."""
    markers = [
        {
            "n": i,
            "lat": h.location.lat,
            "lon": h.location.lon,
            "id": h.offering.id,
            "title": f"{h.offering.name or domain.CARE_TYPES.get(h.offering.care_type, '')} – {h.provider.name}",
            "place": f"{h.location.postcode} {h.location.city or ''}".strip(),
            "url": url_for("search.detail", offering_id=h.offering.id),
        }
        for i, h in enumerate(result.results, start=first)
    ]
    codes = {h.location.region_code for h in result.results} | ({family_region} if family_region else set())
    shapes = _region_shapes()
    return {
        "markers": markers,
        "regions": {
            "type": "FeatureCollection",
            "features": [shapes[c] for c in sorted(codes) if c in shapes],
        },
    }


@bp.route("/")
@limiter.limit(
    wide_limit,
    key_func=_ip_key,
    exempt_when=lambda: not wide_anonymous(),
    override_defaults=False,
    error_message="Deze zoekopdracht beslaat een groot deel van het land. Kies een zorgsoort of een "
    "kleinere afstand, of probeer het over een minuut opnieuw.",
)
def home():
    session = get_session()
    flat = search_args(request.args)
    page = max(1, request.args.get("pagina", 1, type=int) or 1)
    view = request.args.get("weergave") if request.args.get("weergave") in VIEWS else "kaarten"
    show_map = request.args.get("kaart") == "1"
    filters, errors = filters_from(flat, offset=(page - 1) * PAGE_SIZE)
    searched = bool(flat)
    result, hints, origin = None, [], None
    now = utcnow()
    if searched and filters is not None:
        try:
            result = search_offerings(session, filters, now, current_app.config)
            origin = result.origin
        except PostcodeError as exc:
            errors = {"postcode": str(exc)}
            result = None
        if result is not None and result.total < FEW_RESULTS:
            hints = [
                (label, url_for("search.home", **_with(flat, change)), n)
                for label, change, n in suggestions(session, filters, now, current_app.config, result.total)
            ]
    regions = session.exec(select(Jeugdregio.code, Jeugdregio.name).order_by(Jeugdregio.name)).all()
    gemeenten = session.exec(select(Gemeente.code, Gemeente.name).order_by(Gemeente.name)).all()
    keep = dict(flat, weergave=view if view != "kaarten" else None, kaart="1" if show_map else None)
    return render_template(
        "search/home.html",
        raw=flat,
        errors=errors,
        result=result,
        searched=searched,
        regions=regions,
        region_names=dict(regions),
        gemeenten=gemeenten,
        page=page,
        page_size=PAGE_SIZE,
        view=view,
        show_map=show_map,
        sorts=SEARCH_SORTS,
        hints=hints,
        origin=origin,
        summary=search_summary(filters, origin) if filters is not None else "",
        query=urlencode(flat),
        link=lambda **change: url_for("search.home", **_with(keep, change)),
        map_data=map_data(result, origin.region_code if origin else None, (page - 1) * PAGE_SIZE + 1)
        if result is not None and result.results and show_map
        else None,
        shortlist=set(flask_session.get("shortlist", [])),
        now=now,
    ), 400 if errors else 200


def _with(flat: dict, change: dict) -> dict:
    out = {k: v for k, v in flat.items() if v not in (None, "")}
    for k, v in change.items():
        if v in (None, ""):
            out.pop(k, None)
        else:
            out[k] = v
    return out


@bp.route("/aanbod/<int:offering_id>")
def detail(offering_id: int):
    session = get_session()
    flat = search_args(request.args)
    filters, errors = filters_from(flat)
    back = url_for("search.home", **flat) if flat and not errors else url_for("search.home")
    origin = None
    if filters is not None and filters.postcode:
        try:
            origin = lookup_postcode(filters.postcode)
        except PostcodeError:
            origin = None
    hit = offering_detail(session, offering_id, utcnow(), current_app.config, origin=origin)
    if hit is None:
        abort(404)
    reports = availability.history(session, offering_id, since=utcnow() - DETAIL_HISTORY, oldest_first=True)
    regions = dict(session.exec(select(Jeugdregio.code, Jeugdregio.name)).all())
    return render_template(
        "search/detail.html",
        hit=hit,
        reports=reports,
        now=utcnow(),
        back_url=back,
        query=urlencode(flat) if not errors else "",
        region_names=regions,
        in_shortlist=offering_id in flask_session.get("shortlist", []),
    )


# ---------------------------------------------------------------- help pages
@bp.route("/uitleg")
def help_page():
    return render_template("search/uitleg.html")


@bp.route("/toegankelijkheid")
def accessibility_statement():
    return render_template("search/toegankelijkheid.html")


# ---------------------------------------------------------------- shortlist (offering ids only)
def _shortlist() -> list[int]:
    return [i for i in flask_session.get("shortlist", []) if isinstance(i, int)]


@bp.route("/lijst/<int:offering_id>", methods=["POST"])
def shortlist_add(offering_id: int):
    if get_session().get(Offering, offering_id) is None:
        abort(404)
    ids = _shortlist()
    if offering_id not in ids:
        if len(ids) >= SHORTLIST_MAX:
            flash(f"De lijst is vol (hoogstens {SHORTLIST_MAX}).", "warning")
        else:
            ids.append(offering_id)
            flash("Toegevoegd aan uw lijst.", "ok")
    flask_session["shortlist"] = ids
    return redirect(safe_next(request.form.get("next"), url_for("search.shortlist")))


@bp.route("/lijst/<int:offering_id>/verwijderen", methods=["POST"])
def shortlist_remove(offering_id: int):
    flask_session["shortlist"] = [i for i in _shortlist() if i != offering_id]
    flash("Verwijderd uit uw lijst.", "ok")
    return redirect(safe_next(request.form.get("next"), url_for("search.shortlist")))


def _hits(ids: list[int]):
    session = get_session()
    now = utcnow()
    hits = [offering_detail(session, i, now, current_app.config) for i in ids]
    return [h for h in hits if h is not None]


@bp.route("/lijst")
def shortlist():
    ids = _shortlist()
    share_url = (
        external_url("search.shared", ids=",".join(map(str, ids))) if ids else None
    )  # BASE_URL, not Host
    return render_template(
        "search/shortlist.html", hits=_hits(ids), share_url=share_url, shared=False, now=utcnow()
    )


@bp.route("/lijst/delen")
def shared():
    try:
        ids = parse_ids(request.args.get("ids"), limit=SHORTLIST_MAX)
    except BadNumber as exc:
        return render_template("errors/error.html", title="Ongeldige invoer", text=str(exc)), 400
    return render_template(
        "search/shortlist.html", hits=_hits(ids), share_url=None, shared=True, now=utcnow()
    )


# ---------------------------------------------------------------- "gebeld: geen plek"
@bp.route("/aanbod/<int:offering_id>/geen-plek", methods=["POST"])
@role_required("referrer")
def no_place(offering_id: int):
    session = get_session()
    off = session.get(Offering, offering_id)
    if off is None or not off.active:
        abort(404)
    if feedback.report_no_place(session, off, current_user):
        session.commit()
        flash("Dank u. De zorgaanbieder ziet uw melding 'gebeld: geen plek' en de regio telt hem mee.", "ok")
    else:
        flash("U heeft vandaag al 'gebeld: geen plek' gemeld voor dit aanbod.", "info")
    return redirect(url_for("search.detail", offering_id=off.id))
