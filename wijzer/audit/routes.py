"""Region audit dashboards: figures, coverage gaps (list and map), trends, provider compliance,
national overview, CSV/XLSX exports. Auditors see their own region; admins see all."""
from __future__ import annotations

from collections import Counter

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from wijzer.audit import bp
from wijzer.audit.exports import download
from wijzer.audit.mapsvg import COLOURS, LEGEND, region_map
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.domain import CARE_TYPES, REGION_ROLES
from wijzer.models import Gemeente, Jeugdregio
from wijzer.services.availability import thresholds_for
from wijzer.services.regions import all_region_figures, compliance, region_audit, trends
from wijzer.timeutil import utcnow

FIGURE_COLUMNS = [("care_type", "Zorgsoort"), ("offerings", "Aanbod"), ("providers", "Aanbieders"),
                  ("free_places", "Vrije plekken"), ("median_wait_intake", "Mediaan aanmelding (wk)"),
                  ("p90_wait_intake", "P90 aanmelding (wk)"), ("median_wait_treatment", "Mediaan behandeling (wk)"),
                  ("p90_wait_treatment", "P90 behandeling (wk)"), ("share_over_norm_intake", "Aandeel boven norm aanmelding"),
                  ("share_over_norm_treatment", "Aandeel boven norm behandeling"), ("share_stale", "Aandeel verouderd"),
                  ("no_place_reports_4w", "Gebeld: geen plek (4 wk)")]
GAP_COLUMNS = [("municipality_code", "Gemeentecode"), ("municipality_name", "Gemeente"), ("care_type", "Zorgsoort"),
               ("covered", "Gedekt"), ("nearest_km", "Dichtstbijzijnde (km)")]
COMPLIANCE_COLUMNS = [("provider", "Zorgaanbieder"), ("offerings", "Aanbod"), ("never_confirmed", "Nooit bevestigd"),
                      ("oldest_confirmation", "Oudste bevestiging"), ("newest_confirmation", "Nieuwste bevestiging"),
                      ("age_days", "Leeftijd oudste bevestiging (dagen)"), ("reminders_sent", "Herinneringen verstuurd"),
                      ("escalated", "Geëscaleerd")]


def _region(code: str) -> Jeugdregio:
    region = get_session().get(Jeugdregio, code.upper())
    if region is None:
        abort(404)
    if current_user.role in REGION_ROLES and current_user.region_code != region.code:
        abort(403)
    return region


@bp.route("/")
@role_required("auditor", "region_admin", "admin")
def index():
    if current_user.role in REGION_ROLES:
        return redirect(url_for("audit.dashboard", code=current_user.region_code))
    return redirect(url_for("audit.national"))


@bp.route("/<code>")
@role_required("auditor", "region_admin", "admin")
def dashboard(code: str):
    session = get_session()
    region = _region(code)
    now = utcnow()
    audit = region_audit(session, region, now, current_app.config)
    gaps = audit["_gaps_named"]
    missing = Counter(g["municipality_code"] for g in gaps if not g["covered"])
    gemeenten = session.exec(select(Gemeente.code, Gemeente.name).where(Gemeente.region_code == region.code)
                             .order_by(Gemeente.name)).all()
    return render_template("audit/dashboard.html", region=region, figures=audit["care_types"], gaps=gaps,
                           svg=region_map(gemeenten, missing), legend=LEGEND, colours=COLOURS,
                           trends=trends(session, region.code, today=now.date()),
                           thresholds=thresholds_for(region, current_app.config), care_types=CARE_TYPES)


@bp.route("/<code>/naleving")
@role_required("auditor", "region_admin", "admin")
def compliance_page(code: str):
    region = _region(code)
    sort = request.args.get("sorteer", "age")
    rows = compliance(get_session(), region.code, utcnow(), sort)
    return render_template("audit/compliance.html", region=region, rows=rows, sort=sort, now=utcnow())


@bp.route("/<code>/export/<table>.<fmt>")
@role_required("auditor", "region_admin", "admin")
def export(code: str, table: str, fmt: str):
    if fmt not in ("csv", "xlsx") or table not in ("cijfers", "gaten", "naleving"):
        abort(404)
    session = get_session()
    region = _region(code)
    now = utcnow()
    if table == "naleving":
        return download(compliance(session, region.code, now), COMPLIANCE_COLUMNS, fmt, f"naleving-{region.code}")
    audit = region_audit(session, region, now, current_app.config)
    if table == "gaten":
        return download(audit["_gaps_named"], GAP_COLUMNS, fmt, f"gaten-{region.code}")
    return download(audit["care_types"], FIGURE_COLUMNS, fmt, f"cijfers-{region.code}")


def _national_rows(now):
    session = get_session()
    regions = dict(session.exec(select(Jeugdregio.code, Jeugdregio.name)).all())
    figures = all_region_figures(session, now, current_app.config)
    rows = []
    for code in sorted(figures, key=lambda c: regions[c]):
        for f in figures[code]:
            rows.append({"region_code": code, "region_name": regions[code]} | f)
    return rows


@bp.route("/landelijk")
@role_required("admin")
def national():
    rows = _national_rows(utcnow())
    return render_template("audit/national.html", rows=rows, columns=FIGURE_COLUMNS)


@bp.route("/landelijk/export.<fmt>")
@role_required("admin")
def national_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    columns = [("region_code", "Regiocode"), ("region_name", "Jeugdregio"), *FIGURE_COLUMNS]
    return download(_national_rows(utcnow()), columns, fmt, "landelijk-overzicht")
