"""Provider portal: the weekly update, "gebeld: geen plek", history, locations, offerings, profile.

Provider staff see only their own provider: every object is looked up together with the user's
provider id, and anything else is a 404 (we do not reveal that it exists).
"""

from __future__ import annotations

from functools import partial
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from providers import bp
from providers.common import attempt_save, provider_form_page
from providers.forms import (
    LocationForm,
    OfferingForm,
    apply_errors,
)
from wijzer.auth import role_required
from wijzer.db import get_session, saved_id
from wijzer.models import (
    Location,
    Offering,
    Provider,
)
from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, validate
from wijzer.services import availability, catalogue, feedback, portal
from wijzer.timeutil import utcnow

WEEKLY_FIELDS = availability.CAPACITY_FIELDS

_Owned = TypeVar("_Owned", Location, Offering)


def _provider() -> Provider:
    provider = get_session().get(Provider, current_user.provider_id)
    if provider is None:
        abort(404)
    return provider


def _own(model: type[_Owned], object_id: int) -> _Owned:
    obj = get_session().get(model, object_id)
    if obj is None or obj.provider_id != current_user.provider_id:
        abort(404)
    return obj


def _fresh_limits() -> tuple[int, int]:
    return current_app.config["FRESH_DAYS"], current_app.config["STALE_DAYS"]


def _row_values(off: Offering) -> dict[str, str]:
    values = availability.current_values(off)
    return {k: "" if v is None else str(v) for k, v in values.items()}


# ---------------------------------------------------------------- weekly update
def _version(raw: str | None) -> int | None:
    """The capacity version a form row was loaded with (None when absent or not a number)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.route("/", methods=["GET", "POST"])
@role_required("provider")
def weekly() -> ResponseReturnValue:
    """The weekly round. Each row carries the version of the values it was loaded with: a row a
    colleague changed meanwhile is not saved (a conflict, shown with the colleague's values); a row
    that breaks a rule keeps what was typed and shows why; every other row is saved."""
    session = get_session()
    provider = _provider()
    pairs = portal.offerings_with_locations(session, saved_id(provider))
    offerings = [o for o, _ in pairs]
    values = {saved_id(o): _row_values(o) for o in offerings}
    versions = {saved_id(o): o.capacity_version for o in offerings}
    errors: dict[int, dict[str, str]] = {}
    conflicts: dict[int, dict] = {}
    status = 200
    if request.method == "POST":
        confirm_unchanged = request.form.get("action") == "confirm_all"
        rows: dict[int, CapacityInput | None] = {}
        sent_versions: dict[int, int | None] = {}
        for off in offerings:
            oid = saved_id(off)
            if f"o{oid}-intake_status" not in request.form:
                continue  # the row was not on the submitted page (e.g. an offering added meanwhile)
            typed = {f: request.form.get(f"o{oid}-{f}", "").strip() for f in WEEKLY_FIELDS}
            values[oid] = typed
            sent_versions[oid] = _version(request.form.get(f"o{oid}-version"))
            if off.last_reported_at is None and not any(typed.values()):
                rows[oid] = None  # never reported and left empty: nothing to record
                continue
            data, problems = validate(CapacityInput, typed)
            if problems:
                errors[oid] = problems
                continue
            rows[oid] = data
        fresh, stale = _fresh_limits()
        result = availability.weekly_update(
            session,
            offerings,
            rows,
            versions=sent_versions,
            confirm_unchanged=confirm_unchanged,
            user=current_user,
            fresh_days=fresh,
            stale_days=stale,
        )
        session.commit()
        errors |= result.problems
        for oid, conflict in result.conflicts.items():
            conflicts[oid] = {
                "by": conflict.by,
                "at": conflict.at,
                "values": {k: "" if v is None else str(v) for k, v in conflict.values.items()},
            }
        saved = f"{result.updated} gewijzigd, {result.confirmed} bevestigd"
        if not errors and not conflicts:
            flash(f"Opgeslagen: {saved}.", "ok")
            return redirect(url_for("providers.weekly"))
        if result.updated or result.confirmed:
            flash(f"Opgeslagen: {saved}. De gemarkeerde rijen zijn niet opgeslagen.", "info")
        for off in offerings:  # saved rows show their new values and version
            oid = saved_id(off)
            if oid not in errors and oid not in conflicts:
                values[oid] = _row_values(off)
            versions[oid] = off.capacity_version
        status = 409 if conflicts else 400
    now = utcnow()
    no_place = feedback.no_place_summary(session, [saved_id(o) for o in offerings], now=now)
    status_of = portal.weekly_status(session, offerings, current_app.config, now)
    return render_template(
        "providers/weekly.html",
        provider=provider,
        pairs=pairs,
        values=values,
        errors=errors,
        conflicts=conflicts,
        versions=versions,
        expired=status_of.expired,
        stale_soon=status_of.stale_soon,
        freshness=status_of.freshness,
        no_place=no_place,
        unseen_no_place=sum(summary.unseen for summary in no_place.values()),
        now=now,
    ), status


@bp.route("/geen-plek/gezien", methods=["POST"])
@role_required("provider")
def no_place_seen() -> ResponseReturnValue:
    """The provider has read the 'gebeld: geen plek' notices: they stay visible but are no longer new."""
    session = get_session()  # CSRF is checked by the app-wide CSRFProtect
    count = feedback.mark_no_place_seen(session, saved_id(_provider()), user=current_user)
    session.commit()
    flash(f"{count} melding(en) 'gebeld: geen plek' als gelezen gemarkeerd.", "ok")
    return redirect(url_for("providers.weekly"))


@bp.route("/aanbod/<int:offering_id>/historie")
@role_required("provider")
def history(offering_id: int) -> ResponseReturnValue:
    session = get_session()
    off = _own(Offering, offering_id)
    reports = portal.report_history(session, offering_id)
    return render_template(
        "providers/history.html",
        offering=off,
        location=session.get(Location, off.location_id),
        reports=reports,
    )


# ---------------------------------------------------------------- locations
@bp.route("/locaties")
@role_required("provider")
def locations() -> ResponseReturnValue:
    session = get_session()
    rows = portal.own_locations(session, current_user.provider_id)
    return render_template("providers/locations.html", provider=_provider(), locations=rows)


@bp.route("/locaties/nieuw", methods=["GET", "POST"], defaults={"location_id": None})
@bp.route("/locaties/<int:location_id>", methods=["GET", "POST"])
@role_required("provider")
def location_edit(location_id: int | None) -> ResponseReturnValue:
    session = get_session()
    provider = _provider()
    location = _own(Location, location_id) if location_id else None
    form = LocationForm(obj=location)
    if location is not None and request.method == "GET":
        form.version.data = str(location.row_version)
    if form.validate_on_submit():
        data, problems = validate(LocationInput, form.data)
        if data is not None:
            attempt = attempt_save(
                partial(
                    catalogue.save_location,
                    session,
                    provider,
                    data,
                    location,
                    user=current_user,
                    expected_version=form.expected_version(),
                ),
                form,
                lambda: LocationForm(formdata=None, obj=location),
                "providers/location_form.html",
                location=location,
            )
            if attempt.conflict is not None:
                return attempt.conflict
            if attempt.saved is not None:
                session.commit()
                flash(f"Locatie '{attempt.saved.name}' is opgeslagen.", "ok")
                return redirect(url_for("providers.locations"))
            problems = attempt.problems
        apply_errors(form, problems)
    status = 400 if form.errors else 200
    return render_template("providers/location_form.html", form=form, location=location), status


# ---------------------------------------------------------------- offerings
@bp.route("/aanbod")
@role_required("provider")
def offerings() -> ResponseReturnValue:
    pairs = portal.offerings_with_locations(get_session(), current_user.provider_id, active_only=False)
    return render_template("providers/offerings.html", provider=_provider(), pairs=pairs)


@bp.route("/aanbod/nieuw", methods=["GET", "POST"], defaults={"offering_id": None})
@bp.route("/aanbod/<int:offering_id>", methods=["GET", "POST"])
@role_required("provider")
def offering_edit(offering_id: int | None) -> ResponseReturnValue:
    session = get_session()
    provider = _provider()
    offering = _own(Offering, offering_id) if offering_id else None
    own_locations = portal.own_locations(session, saved_id(provider))
    if not own_locations:
        flash("Voeg eerst een locatie toe; elk aanbod hoort bij een locatie.", "info")
        return redirect(url_for("providers.location_edit"))
    form = OfferingForm(data=_offering_form_data(offering) if offering and request.method == "GET" else None)
    choices = [(str(loc.id), f"{loc.name} ({loc.postcode} {loc.city or ''})") for loc in own_locations]
    form.location_id.choices = choices
    if form.validate_on_submit():
        payload = dict(form.data)
        payload["crisis_intake"] = bool(form.crisis_intake.data)
        data, problems = validate(OfferingInput, payload)
        location = next((loc for loc in own_locations if str(loc.id) == form.location_id.data), None)
        if location is None:
            problems["location_id"] = "Kies een van uw locaties."
        if data is not None and location is not None:

            def fresh() -> OfferingForm:
                shown = OfferingForm(formdata=None, data=_offering_form_data(offering) if offering else None)
                shown.location_id.choices = choices
                return shown

            attempt = attempt_save(
                partial(
                    catalogue.save_offering,
                    session,
                    provider,
                    location,
                    data,
                    offering,
                    user=current_user,
                    expected_version=form.expected_version(),
                ),
                form,
                fresh,
                "providers/offering_form.html",
                offering=offering,
            )
            if attempt.conflict is not None:
                return attempt.conflict
            if attempt.saved is not None:
                session.commit()
                flash(f"Aanbod '{attempt.saved.offering_ref}' is opgeslagen.", "ok")
                return redirect(url_for("providers.offerings"))
            problems = attempt.problems
        apply_errors(form, problems, {"__all__": "max_age"})
    status = 400 if form.errors else 200
    return render_template("providers/offering_form.html", form=form, offering=offering), status


def _offering_form_data(off: Offering) -> dict[str, Any]:
    return {
        "offering_ref": off.offering_ref,
        "name": off.name,
        "location_id": str(off.location_id),
        "care_type": off.care_type,
        "tags": off.tag_list,
        "min_age": str(off.min_age),
        "max_age": str(off.max_age),
        "modalities": off.modality_list,
        "funding": off.funding_list,
        "contract_regions": ", ".join(off.contract_region_list),
        "category": off.category or "",
        "description": off.description or "",
        "crisis_intake": off.crisis_intake,
        "version": str(off.row_version),
    }


@bp.route("/aanbod/<int:offering_id>/actief", methods=["POST"])
@role_required("provider")
def offering_toggle(offering_id: int) -> ResponseReturnValue:
    """Activate or deactivate. The form says which state it wants (not "toggle"), so a page loaded before a
    colleague's change cannot flip it back."""
    session = get_session()
    off = _own(Offering, offering_id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        return render_template(
            "errors/error.html", title="Ongeldige invoer", text="Kies activeren of deactiveren."
        ), 400
    changed = catalogue.set_active(session, off, wanted == "1", user=current_user)
    session.commit()
    state = "actief" if off.active else "gedeactiveerd"
    flash(
        f"Aanbod '{off.offering_ref}' is {'nu ' + state if changed else 'al ' + state}.",
        "ok" if changed else "info",
    )
    return redirect(url_for("providers.offerings"))


# ---------------------------------------------------------------- profile
@bp.route("/profiel", methods=["GET", "POST"])
@role_required("provider")
def profile() -> ResponseReturnValue:
    return provider_form_page(
        _provider(),
        "providers/profile.html",
        may_change_kvk=False,
        saved_message="Uw gegevens zijn opgeslagen.",
        saved_url=url_for("providers.profile"),
    )
