"""Plaatsingsverzoek pages. Each view parses, calls ``services.placement``, commits and renders.

Referrers see only their own requests, providers only the items addressed to them (anything else is a
404), auditors only their own region's figures."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user
from sqlmodel import select

from providers.forms import apply_errors
from wijzer.audit.exports import Col, Sheet, respond
from wijzer.audit.routes import visible_region
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.domain import CARE_TYPES
from wijzer.models import Gemeente
from wijzer.pagination import MAX_ID, BadNumber, parse_page
from wijzer.placement import bp
from wijzer.placement.forms import AnswerForm, ItemActionForm, RequestForm
from wijzer.schemas import validate
from wijzer.schemas_placement import NOTE_WARNING, STATUS_LABELS, AnswerInput, RequestInput
from wijzer.services import placement
from wijzer.services.placement import PlacementError
from wijzer.services.regions import parse_basis
from wijzer.services.search import offering_detail
from wijzer.timeutil import utcnow

PAGE_SIZE = 25
PROVIDER_COLUMNS = [
    Col("provider", "Zorgaanbieder"),
    Col("care_type", "Zorgsoort", "care_type"),
    Col("received", "Ontvangen", "int"),
    Col("answered_in_time", "Binnen 2 werkdagen beantwoord", "int"),
    Col("share_answered_in_time", "Aandeel binnen 2 werkdagen beantwoord", "pct"),
    Col("accepted", "Geaccepteerd", "int"),
    Col("median_answer_hours", "Mediaan antwoordtijd (uur)", "num"),
]
UNMET_COLUMNS = [
    Col("care_type", "Zorgsoort", "care_type"),
    Col("municipality_code", "Gemeentecode"),
    Col("municipality_name", "Gemeente"),
    Col("requests_without_acceptance", "Verzoeken zonder acceptatie", "int"),
]


def _page() -> int:
    try:
        return parse_page(request.args.get("pagina"))
    except BadNumber as exc:
        abort(400, str(exc))


def _ids(values) -> list[int]:
    out = []
    for v in values:
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if 0 < n <= MAX_ID and n not in out:
            out.append(n)
    return out


# ---------------------------------------------------------------- referrer
@bp.route("/verzoeken/nieuw", methods=["GET", "POST"])
@role_required("referrer")
def new():
    session = get_session()
    chosen = _ids(request.args.getlist("aanbod"))
    shortlist = _ids(flask_session.get("shortlist", []))
    now = utcnow()
    hits = [
        h
        for h in (
            offering_detail(session, i, now, current_app.config) for i in dict.fromkeys(chosen + shortlist)
        )
        if h is not None
    ]
    form = RequestForm()
    form.offering_ids.choices = [
        (
            str(h.offering.id),
            f"{h.offering.name or CARE_TYPES.get(h.offering.care_type, h.offering.care_type)} – "
            f"{h.provider.name}, {h.location.city or h.location.postcode}",
        )
        for h in hits
    ]
    form.gemeente_code.choices = [("", "Kies de gemeente")] + [
        (code, name)
        for code, name in session.exec(select(Gemeente.code, Gemeente.name).order_by(Gemeente.name)).all()
    ]
    if request.method == "GET":
        form.offering_ids.data = [str(i) for i in chosen[:3]]
        first = next((h for h in hits if h.offering.id in chosen), None)
        if first is not None:
            form.care_type.data = first.offering.care_type
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        data = {
            "offering_ids": form.offering_ids.data or [],
            "age": form.age.data,
            "tags": form.tags.data or [],
            "care_type": form.care_type.data,
            "modality": form.modality.data,
            "gemeente_code": form.gemeente_code.data,
            "start_from": form.start_from.data,
            "start_to": form.start_to.data,
            "note": form.note.data,
            "reference": form.reference.data,
        }
        parsed, errors = validate(RequestInput, data)
        if parsed is not None:
            try:
                req = placement.create_request(session, current_user, parsed, config=current_app.config)
            except PlacementError as exc:
                session.rollback()
                errors = {exc.field or "__all__": exc.message}
            else:
                session.commit()
                flash("Uw plaatsingsverzoek is verstuurd. De aanbieders antwoorden binnen 2 werkdagen.", "ok")
                return redirect(url_for("placement.detail", request_id=req.id))
        rest = apply_errors(form, errors)
        for message in rest:
            flash(message, "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("placement/new.html", form=form, hits=hits, warning=NOTE_WARNING), status


@bp.route("/verzoeken")
@role_required("referrer")
def index():
    page = _page()
    total, views = placement.requests_for_referrer(
        get_session(), current_user.id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template("placement/list.html", views=views, total=total, page=page, page_size=PAGE_SIZE)


@bp.route("/verzoeken/<int:request_id>")
@role_required("referrer")
def detail(request_id: int):
    try:
        view = placement.request_for_referrer(get_session(), request_id, current_user.id)
    except PlacementError:
        abort(404)
    return render_template("placement/detail.html", view=view, form=ItemActionForm(), now=utcnow())


def _referrer_action(request_id: int, action: str):
    form = ItemActionForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    item_id = _ids([form.item_id.data])
    try:
        if action == "withdraw":
            n = placement.withdraw_request(
                session, request_id, current_user.id, user=current_user, config=current_app.config
            )
            message = f"Het verzoek is ingetrokken; {n} aanbieder(s) zijn bericht."
        elif not item_id:
            abort(400)
        elif action == "confirm":
            placement.confirm_item(
                session, request_id, item_id[0], current_user.id, user=current_user, config=current_app.config
            )
            message = (
                "De plaatsing is bevestigd. De aanbieder is bericht; de andere aanbieders van dit verzoek "
                "zijn bericht dat het verzoek is ingetrokken."
            )
        else:
            placement.release_item(
                session, request_id, item_id[0], current_user.id, user=current_user, config=current_app.config
            )
            message = "De vastgehouden plek is vrijgegeven. De aanbieder is bericht."
    except PlacementError as exc:
        session.rollback()
        if exc.code == "not_found":
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("placement.detail", request_id=request_id)), 303
    session.commit()
    flash(message, "ok")
    return redirect(url_for("placement.detail", request_id=request_id)), 303


@bp.route("/verzoeken/<int:request_id>/bevestigen", methods=["POST"])
@role_required("referrer")
def confirm(request_id: int):
    return _referrer_action(request_id, "confirm")


@bp.route("/verzoeken/<int:request_id>/vrijgeven", methods=["POST"])
@role_required("referrer")
def release(request_id: int):
    return _referrer_action(request_id, "release")


@bp.route("/verzoeken/<int:request_id>/intrekken", methods=["POST"])
@role_required("referrer")
def withdraw(request_id: int):
    return _referrer_action(request_id, "withdraw")


# ---------------------------------------------------------------- provider
@bp.route("/portaal/verzoeken")
@role_required("provider")
def portal_index():
    page = _page()
    status = request.args.get("status") or None
    if status not in (None, *STATUS_LABELS):
        status = None
    total, views = placement.requests_for_provider(
        get_session(), current_user.provider_id, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "placement/portal_list.html",
        views=views,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        status=status,
        labels=STATUS_LABELS,
    )


@bp.route("/portaal/verzoeken/<int:item_id>", methods=["GET", "POST"])
@role_required("provider")
def portal_item(item_id: int):
    session = get_session()
    try:
        view, item = placement.item_for_provider(session, item_id, current_user.provider_id)
    except PlacementError:
        abort(404)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            data = {
                "answer": form.answer.data,
                "hold_until": form.hold_until.data,
                "reason": form.reason.data,
                "earliest_start": form.earliest_start.data,
            }
            parsed, errors = validate(AnswerInput, data)
            if parsed is not None:
                try:
                    placement.answer_item(
                        session,
                        item_id,
                        current_user.provider_id,
                        parsed,
                        user=current_user,
                        config=current_app.config,
                    )
                except PlacementError as exc:
                    session.rollback()
                    errors = {exc.field or "__all__": exc.message}
                else:
                    session.commit()
                    flash("Uw antwoord is verstuurd naar de verwijzer.", "ok")
                    return redirect(url_for("placement.portal_item", item_id=item_id)), 303
            for message in apply_errors(form, errors):
                flash(message, "error")
        status = 400
        view, item = placement.item_for_provider(session, item_id, current_user.provider_id)
    return render_template(
        "placement/portal_item.html",
        view=view,
        iv=item,
        form=form,
        now=utcnow(),
        max_hold=placement.max_hold_date(utcnow(), current_app.config),
    ), status


# ---------------------------------------------------------------- region figures
@bp.route("/regio/<code>/plaatsingsverzoeken")
@role_required("auditor", "region_admin", "admin")
def audit(code: str):
    region = visible_region(code)
    figures = placement.region_figures(get_session(), region.code, utcnow(), current_app.config)
    basis = parse_basis(request.args.get("basis")) or "location"  # kept for the audit navigation
    return render_template(
        "placement/audit.html", region=region, figures=figures, care_types=CARE_TYPES, basis=basis
    )


@bp.route("/regio/<code>/plaatsingsverzoeken/export/<table>.<fmt>")
@role_required("auditor", "region_admin", "admin")
def audit_export(code: str, table: str, fmt: str):
    if fmt not in ("csv", "xlsx") or table not in ("aanbieders", "onvervuld"):
        abort(404)
    if fmt == "csv" and request.args.get("format") == "raw":
        fmt = "raw"
    region = visible_region(code)
    now = utcnow()
    figures = placement.region_figures(get_session(), region.code, now, current_app.config)
    about = [
        ("Jeugdregio", f"{region.name} ({region.code})"),
        ("Gemaakt", now),
        ("Periode", f"verzoeken van de laatste {figures['days']} dagen"),
        (
            "Definities",
            "Per aanbieder: aanbod dat in de regio ligt; binnen 2 werkdagen: eerste antwoord vóór de "
            "termijn (weekenden en feestdagen tellen niet); geaccepteerd: ooit een plek vastgehouden. "
            "Onvervuld: afgesloten verzoeken voor gezinnen in de regio zonder enige acceptatie.",
        ),
        ("Bron", "Beschikbaarheidswijzer, plaatsingsverzoeken (geen persoonsgegevens)"),
    ]
    if table == "aanbieders":
        return respond(
            [Sheet("Per aanbieder", PROVIDER_COLUMNS, figures["providers"])],
            fmt,
            f"plaatsingsverzoeken-aanbieders-{region.code}",
            about,
        )
    return respond(
        [Sheet("Onvervuld", UNMET_COLUMNS, figures["unmet"])],
        fmt,
        f"plaatsingsverzoeken-onvervuld-{region.code}",
        about,
    )
