"""Region audit dashboards: figures, coverage gaps (list and map), trends from the report history, provider
compliance with trust signals, the national comparison, the quarterly report, CSV/XLSX exports.

Auditors see their own region's pages and the national comparison (aggregates per region only); admins
see every region. Every page and export takes ``?basis=location|contract``; trend pages and exports take
``?van=JJJJ-MM-DD&tot=JJJJ-MM-DD``."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Session, col, select

from wijzer.audit import bp
from wijzer.audit.exports import Col, Sheet, respond
from wijzer.audit.mapsvg import COLOURS, LEGEND, region_map
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.domain import CARE_TYPES, REGION_ROLES
from wijzer.models import Gemeente, Jeugdregio
from wijzer.services.availability import thresholds_for
from wijzer.services.measures import FIGURE_MEASURES, MEASURES, TREND_MEASURES
from wijzer.services.regions import BASES, compliance, parse_basis, region_audit
from wijzer.services.trends import (
    PeriodError,
    national_comparison,
    parse_period,
    quarter_shortcuts,
    region_trends,
    series_by_care_type,
)
from wijzer.timeutil import local, utcnow

FIGURE_COLUMNS = [
    Col("care_type", "Zorgsoort", "care_type"),
    *(Col(k, MEASURES[k].label, MEASURES[k].kind) for k in FIGURE_MEASURES),
]
TREND_COLUMNS = [
    Col("week", "Week"),
    Col("care_type", "Zorgsoort", "care_type"),
    *(Col(k, MEASURES[k].label, MEASURES[k].kind) for k in TREND_MEASURES),
]
GAP_COLUMNS = [
    Col("municipality_code", "Gemeentecode"),
    Col("municipality_name", "Gemeente"),
    Col("care_type", "Zorgsoort", "care_type"),
    Col("covered", "Gedekt", "bool"),
    Col("nearest_km", "Dichtstbijzijnde aanbod (km)", "km"),
]
COMPLIANCE_COLUMNS = [
    Col("provider", "Zorgaanbieder"),
    Col("offerings", "Aanbod", "int"),
    Col("never_confirmed", "Nooit bevestigd", "int"),
    Col("oldest_confirmation", "Oudste bevestiging", "datetime"),
    Col("newest_confirmation", "Nieuwste bevestiging", "datetime"),
    Col("age_days", "Leeftijd oudste bevestiging (dagen)", "num"),
    Col("reminders_sent", "Herinneringen verstuurd", "int"),
    Col("escalated", "Geëscaleerd", "bool"),
    Col("share_on_time", "Weken op tijd bevestigd (13 weken)", "pct"),
    Col("weeks_counted", "Weken geteld", "int"),
    Col("no_place_reports", "Gebeld: geen plek (13 weken)", "int"),
    Col("no_place_while_place_now", "Waarvan terwijl 'plek nu' getoond", "int"),
    Col("reminders", "Herinneringen (13 weken)", "int"),
    Col("changed_after_reminder", "Pas na herinnering bijgewerkt", "int"),
]
NATIONAL_COLUMNS = [Col("region_code", "Regiocode"), Col("region_name", "Jeugdregio"), *FIGURE_COLUMNS]
DEFINITIONS = [
    (
        "Basis 'locatie'",
        "Aanbod hoort bij de regio als de locatie in een gemeente van de regio ligt (standaard).",
    ),
    (
        "Basis 'contract'",
        "Aanbod hoort bij de regio als de regio het aanbod contracteert (ook buiten de regio).",
    ),
    ("Aanbod, vrije plekken", "Al het actieve aanbod van de zorgsoort; vrije plekken opgeteld."),
    (
        "Wachttijden",
        "Mediaan en 90e percentiel (lineair geïnterpoleerd) over aanbod dat niet verouderd is en een "
        "bekende waarde heeft, in weken.",
    ),
    ("Boven norm", "Aandeel van die wachttijden boven de norm van de regio."),
    ("Verouderd", "Aandeel van het aanbod dat langer dan de verouderingsgrens niet bevestigd is, of nooit."),
    ("Bezetting", "1 − vrije plekken / totaal plekken, over aanbod dat beide meldt."),
    (
        "Gebeld: geen plek",
        "Meldingen van verwijzers dat er geen plek was, in de week (trends) of 4 weken (cijfers).",
    ),
    (
        "Week",
        "ISO-week; cijfers zoals ze waren aan het eind van de week (zondag 24:00, Nederlandse tijd), "
        "herleid uit de meldingshistorie; de lopende week is de stand van nu.",
    ),
    (
        "Gedekt",
        "Een gemeente is gedekt voor een zorgsoort als er binnen de reisafstand van het midden van de "
        "gemeente aanbod is met intake open of wachtlijst dat niet verouderd is.",
    ),
    (
        "Weken op tijd bevestigd",
        "Van de laatste 13 volle weken: weken waarin elk actief aanbod van de aanbieder "
        "aan het eind van de week actueel was (bevestigd binnen de actualiteitsgrens).",
    ),
    (
        "Geen plek terwijl 'plek nu'",
        "Meldingen 'gebeld: geen plek' gedaan terwijl het aanbod als 'plek nu' werd "
        "getoond (niet verouderd, intake open, vrije plekken > 0).",
    ),
    (
        "Pas na herinnering bijgewerkt",
        "Herinneringen waarna binnen 7 dagen een melding op herinnerd aanbod volgde.",
    ),
]
SORTS = {"age", "name", "reminders", "escalated", "offerings", "on_time", "no_place", "after_reminder"}


def visible_region(code: str) -> Jeugdregio:
    """The jeugdregio ``code`` (any case) if the current user may see its figures: 404 unknown, 403 another
    region of an auditor or regiobeheerder. Also used by the plaatsingsverzoek figures."""
    region = get_session().get(Jeugdregio, code.upper())
    if region is None:
        abort(404)
    if current_user.role in REGION_ROLES and current_user.region_code != region.code:
        abort(403)
    return region


def _basis() -> str:
    basis = parse_basis(request.args.get("basis"))
    if basis is None:
        abort(
            400,
            "Kies als basis 'location' (aanbod in de regio) of 'contract' (aanbod dat de regio contracteert).",
        )
    return basis


def _period(now):
    """(start, end, error message or None): a bad period falls back to the default with a message."""
    try:
        start, end = parse_period(request.args.get("van"), request.args.get("tot"), local(now).date())
        return start, end, None
    except PeriodError as exc:
        start, end = parse_period(None, None, local(now).date())
        return start, end, str(exc)


def _about(
    region: Jeugdregio | None, basis: str, now, period=None, what: str = ""
) -> list[tuple[str, object]]:
    about: list[tuple[str, object]] = [("Inhoud", what)]
    if region is not None:
        about.append(("Jeugdregio", f"{region.name} ({region.code})"))
    about.append(("Basis", BASES[basis]))
    if period is not None:
        about += [("Periode van", period[0]), ("Periode tot en met", period[1])]
    about += [
        ("Gemaakt op", now),
        (
            "Bron",
            "Beschikbaarheidswijzer: meldingen van zorgaanbieders (capaciteitshistorie), "
            "meldingen 'gebeld: geen plek' van verwijzers, CBS-gemeentegrenzen.",
        ),
        ("Formules", "docs/regio-audit.md"),
        *DEFINITIONS,
    ]
    return about


@bp.route("/")
@role_required("auditor", "region_admin", "admin")
def index():
    if current_user.role in REGION_ROLES:
        return redirect(url_for("audit.dashboard", code=current_user.region_code))
    return redirect(url_for("audit.national"))


def _region_page(
    session: Session,
    region: Jeugdregio,
    basis: str,
    now: datetime,
    period: tuple[date, date, str | None],
    gaps: list[dict[str, Any]],
    trend_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the region's dashboard and its quarterly report both show: the gap map, the trends over the
    chosen period (with the quarter shortcuts), the basis and the region's thresholds."""
    missing = Counter(g["municipality_code"] for g in gaps if not g["covered"])
    gemeenten = session.exec(
        select(Gemeente.code, Gemeente.name)
        .where(Gemeente.region_code == region.code)
        .order_by(col(Gemeente.name))
    ).all()
    start, end, period_error = period
    return {
        "region": region,
        "gaps": gaps,
        "svg": region_map(gemeenten, missing),
        "legend": LEGEND,
        "trends": series_by_care_type(trend_rows),
        "start": start,
        "end": end,
        "period_error": period_error,
        "quarters": quarter_shortcuts(local(now).date()),
        "basis": basis,
        "bases": BASES,
        "thresholds": thresholds_for(region, current_app.config),
        "care_types": CARE_TYPES,
    }


@bp.route("/<code>")
@role_required("auditor", "region_admin", "admin")
def dashboard(code: str):
    session = get_session()
    region = visible_region(code)
    basis = _basis()
    now = utcnow()
    start, end, period_error = _period(now)
    audit = region_audit(session, region, now, current_app.config, basis)
    gaps = audit["_gaps_named"]
    trend_rows = region_trends(session, region, start, end, now, current_app.config, basis)
    session.commit()  # keeps the weeks just reconstructed (trend_week)
    return render_template(
        "audit/dashboard.html",
        figures=audit["care_types"],
        colours=COLOURS,
        **_region_page(session, region, basis, now, (start, end, period_error), gaps, trend_rows),
    ), 400 if period_error else 200


@bp.route("/<code>/naleving")
@role_required("auditor", "region_admin", "admin")
def compliance_page(code: str):
    region = visible_region(code)
    basis = _basis()
    sort = request.args.get("sorteer", "age")
    sort = sort if sort in SORTS else "age"
    now = utcnow()
    rows = compliance(get_session(), region.code, now, sort, basis=basis, config=current_app.config)
    return render_template(
        "audit/compliance.html", region=region, rows=rows, sort=sort, now=now, basis=basis, bases=BASES
    )


@bp.route("/<code>/export/<table>.<fmt>")
@role_required("auditor", "region_admin", "admin")
def export(code: str, table: str, fmt: str):
    if fmt not in ("csv", "xlsx") or table not in ("cijfers", "gaten", "naleving", "trends"):
        abort(404)
    if request.args.get("format") == "raw":
        if fmt != "csv":
            abort(404)
        fmt = "raw"
    session = get_session()
    region = visible_region(code)
    basis = _basis()
    now = utcnow()
    name = f"{table}-{region.code}" + ("-contract" if basis == "contract" else "")
    if table == "naleving":
        rows = compliance(session, region.code, now, basis=basis, config=current_app.config)
        return respond(
            [Sheet("Naleving", COMPLIANCE_COLUMNS, rows)],
            fmt,
            name,
            _about(region, basis, now, what="Naleving aanbieders en betrouwbaarheid (13 weken)"),
        )
    if table == "trends":
        start, end, error = _period(now)
        if error:
            abort(400, error)
        rows = region_trends(session, region, start, end, now, current_app.config, basis)
        session.commit()  # keeps the weeks just reconstructed (trend_week)
        return respond(
            [Sheet("Trends", TREND_COLUMNS, rows)],
            fmt,
            f"{name}-{start}-{end}",
            _about(region, basis, now, (start, end), "Cijfers per ISO-week en zorgsoort"),
        )
    audit = region_audit(session, region, now, current_app.config, basis)
    if table == "gaten":
        return respond(
            [Sheet("Gaten", GAP_COLUMNS, audit["_gaps_named"])],
            fmt,
            name,
            _about(region, basis, now, what="Dekking per gemeente en zorgsoort"),
        )
    return respond(
        [Sheet("Cijfers", FIGURE_COLUMNS, audit["care_types"])],
        fmt,
        name,
        _about(region, basis, now, what="Cijfers per zorgsoort (stand van nu)"),
    )


@bp.route("/<code>/rapport")
@role_required("auditor", "region_admin", "admin")
def report(code: str):
    return _report(code, "html")


@bp.route("/<code>/rapport.xlsx")
@role_required("auditor", "region_admin", "admin")
def report_xlsx(code: str):
    return _report(code, "xlsx")


def _report(code: str, fmt: str):
    """The quarterly report: the figures at the end of the period, the gap map, the trends, compliance with
    trust signals, and the definitions (page with print CSS, or one workbook)."""
    session = get_session()
    region = visible_region(code)
    basis = _basis()
    now = utcnow()
    start, end, error = _period(now)
    if error and fmt == "xlsx":
        abort(400, error)
    trend_rows = region_trends(session, region, start, end, now, current_app.config, basis)
    session.commit()  # keeps the weeks just reconstructed (trend_week)
    last_week = trend_rows[-1]["week"] if trend_rows else None
    figures = [r for r in trend_rows if r["week"] == last_week]
    audit = region_audit(session, region, now, current_app.config, basis)
    gaps = audit["_gaps_named"]
    rows = compliance(session, region.code, now, "name", basis=basis, config=current_app.config)
    if fmt == "xlsx":
        return respond(
            [
                Sheet("Cijfers eind periode", TREND_COLUMNS, figures),
                Sheet("Trends", TREND_COLUMNS, trend_rows),
                Sheet("Gaten", GAP_COLUMNS, gaps),
                Sheet("Naleving", COMPLIANCE_COLUMNS, rows),
            ],
            "xlsx",
            f"rapport-{region.code}-{start}-{end}",
            _about(region, basis, now, (start, end), "Kwartaalrapport: cijfers, trends, gaten, naleving"),
        )
    return render_template(
        "audit/report.html",
        last_week=last_week,
        figures=figures,
        rows=rows,
        now=now,
        definitions=DEFINITIONS,
        **_region_page(session, region, basis, now, (start, end, error), gaps, trend_rows),
    ), 400 if error else 200


@bp.route("/landelijk")
@role_required("auditor", "region_admin", "admin")
def national():
    basis = _basis()
    data = national_comparison(get_session(), utcnow(), current_app.config, basis)
    own = current_user.region_code if current_user.role in ("auditor", "region_admin") else None
    return render_template(
        "audit/national.html",
        rows=data["rows"],
        medians=data["medians"],
        own=own,
        basis=basis,
        bases=BASES,
        care_types=CARE_TYPES,
    )


@bp.route("/landelijk/export.<fmt>")
@role_required("auditor", "region_admin", "admin")
def national_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if request.args.get("format") == "raw":
        if fmt != "csv":
            abort(404)
        fmt = "raw"
    basis = _basis()
    now = utcnow()
    data = national_comparison(get_session(), now, current_app.config, basis)
    own = current_user.region_code if current_user.role in ("auditor", "region_admin") else None
    medians = [
        {"region_code": "NL", "region_name": "Landelijke mediaan"} | m for m in data["medians"].values()
    ]
    sheets = [
        Sheet(
            "Landelijk",
            NATIONAL_COLUMNS,
            data["rows"],
            highlight={i for i, r in enumerate(data["rows"]) if r["region_code"] == own},
        ),
        Sheet("Landelijke mediaan", NATIONAL_COLUMNS, medians),
    ]
    return respond(
        sheets,
        fmt,
        "landelijk-overzicht" + ("-contract" if basis == "contract" else ""),
        _about(
            None,
            basis,
            now,
            what="Cijfers per jeugdregio en zorgsoort (alleen totalen per regio), "
            "met de landelijke mediaan per maat",
        ),
    )
