"""Public finder pages: search, offering detail, shortlist, "gebeld: geen plek"."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlmodel import select

from wijzer.auth import role_required, safe_next
from wijzer.db import get_session
from wijzer.geo import PostcodeError
from wijzer.links import external_url
from wijzer.models import CapacityReport, Gemeente, Jeugdregio, NoPlaceReport, Offering
from wijzer.pagination import BadNumber, parse_ids
from wijzer.schemas import SearchFilters, validate
from wijzer.search import bp
from wijzer.services.search import offering_detail, search_offerings
from wijzer.timeutil import utcnow

SEARCH_KEYS = ("care_type", "tags", "age", "modality", "funding", "postcode", "radius_km", "region",
               "municipality", "available_now", "max_wait_weeks")
PAGE_SIZE = 20
SHORTLIST_MAX = 30


def _args_to_filters(args) -> tuple[dict, SearchFilters | None, dict[str, str]]:
    raw = {k: args.get(k, "") for k in SEARCH_KEYS}
    raw["tags"] = ",".join(args.getlist("tags"))
    data = {k: v for k, v in raw.items() if v not in ("", None)}
    if "available_now" in data:
        data["available_now"] = data["available_now"] in ("1", "on", "true", "ja")
    page = max(1, args.get("pagina", 1, type=int) or 1)
    data["limit"], data["offset"] = PAGE_SIZE, (page - 1) * PAGE_SIZE
    filters, errors = validate(SearchFilters, data)
    return raw, filters, errors


@bp.route("/")
def home():
    db = get_session()
    raw, filters, errors = _args_to_filters(request.args)
    searched = any(raw.get(k) for k in SEARCH_KEYS)
    result = None
    if searched and filters is not None:
        try:
            result = search_offerings(db, filters, utcnow(), current_app.config)
        except PostcodeError as exc:
            errors = {"postcode": str(exc)}
    regions = db.exec(select(Jeugdregio.code, Jeugdregio.name).order_by(Jeugdregio.name)).all()
    gemeenten = db.exec(select(Gemeente.code, Gemeente.name).order_by(Gemeente.name)).all()
    page = max(1, request.args.get("pagina", 1, type=int) or 1)
    args = request.args.to_dict(flat=False)
    args.pop("pagina", None)
    return render_template("search/home.html", raw=raw, errors=errors, result=result, searched=searched,
                           regions=regions, gemeenten=gemeenten, page=page, page_size=PAGE_SIZE,
                           query_args=args, shortlist=set(session.get("shortlist", [])), now=utcnow()), \
        400 if errors else 200


@bp.route("/aanbod/<int:offering_id>")
def detail(offering_id: int):
    db = get_session()
    hit = offering_detail(db, offering_id, utcnow(), current_app.config)
    if hit is None:
        abort(404)
    since = utcnow() - timedelta(weeks=12)
    reports = db.exec(select(CapacityReport).where(CapacityReport.offering_id == offering_id,
                                                   CapacityReport.reported_at >= since)
                      .order_by(CapacityReport.reported_at)).all()
    return render_template("search/detail.html", hit=hit, reports=reports, now=utcnow(),
                           in_shortlist=offering_id in session.get("shortlist", []))


# ---------------------------------------------------------------- shortlist (offering ids only)
def _shortlist() -> list[int]:
    return [i for i in session.get("shortlist", []) if isinstance(i, int)]


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
    session["shortlist"] = ids
    return redirect(safe_next(request.form.get("next"), url_for("search.shortlist")))


@bp.route("/lijst/<int:offering_id>/verwijderen", methods=["POST"])
def shortlist_remove(offering_id: int):
    session["shortlist"] = [i for i in _shortlist() if i != offering_id]
    flash("Verwijderd uit uw lijst.", "ok")
    return redirect(safe_next(request.form.get("next"), url_for("search.shortlist")))


def _hits(ids: list[int]):
    db = get_session()
    now = utcnow()
    hits = [offering_detail(db, i, now, current_app.config) for i in ids]
    return [h for h in hits if h is not None]


@bp.route("/lijst")
def shortlist():
    ids = _shortlist()
    share_url = external_url("search.shared", ids=",".join(map(str, ids))) if ids else None  # BASE_URL, not Host
    return render_template("search/shortlist.html", hits=_hits(ids), share_url=share_url, shared=False, now=utcnow())


@bp.route("/lijst/delen")
def shared():
    try:
        ids = parse_ids(request.args.get("ids"), limit=SHORTLIST_MAX)
    except BadNumber as exc:
        return render_template("errors/error.html", title="Ongeldige invoer", text=str(exc)), 400
    return render_template("search/shortlist.html", hits=_hits(ids), share_url=None, shared=True, now=utcnow())


# ---------------------------------------------------------------- "gebeld: geen plek"
@bp.route("/aanbod/<int:offering_id>/geen-plek", methods=["POST"])
@role_required("referrer")
def no_place(offering_id: int):
    db = get_session()
    off = db.get(Offering, offering_id)
    if off is None or not off.active:
        abort(404)
    start_of_day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    already = db.exec(select(NoPlaceReport.id).where(NoPlaceReport.offering_id == off.id,
                                                     NoPlaceReport.user_id == current_user.id,
                                                     NoPlaceReport.at >= start_of_day)).first()
    if already is None:
        db.add(NoPlaceReport(offering_id=off.id, user_id=current_user.id, region_code=off.region_code))
        db.commit()
        flash("Dank u. De zorgaanbieder ziet uw melding 'gebeld: geen plek' en de regio telt hem mee.", "ok")
    else:
        flash("U heeft vandaag al 'gebeld: geen plek' gemeld voor dit aanbod.", "info")
    return redirect(url_for("search.detail", offering_id=off.id))


