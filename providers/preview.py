"""What referrers will see of an offering, and the weekly grid's read-only helpers.

- ``GET /portaal/aanbod/<id>/voorbeeld``: the offering's result card exactly as a referrer sees it
  (``templates/search/_result.html`` with the same ``Hit`` the search builds: freshness, "direct
  plek", norms), for the provider's own offerings only.
- ``weekly_order(pairs, sort)``: the rows in the chosen order (the same keys as static/js/weekly.js).
- ``weekly_top_fields(pairs, now)``: the weekly fields this provider changed most often in the last
  12 weeks (the phone layout shows these five first and folds the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from flask import abort, current_app, render_template
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, bindparam, case, func
from sqlmodel import col, select

from providers import bp
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.models import CapacityReport, Jeugdregio, Location, Offering, Provider
from wijzer.services.availability import CAPACITY_FIELDS, freshness_of, thresholds_for
from wijzer.services.search import Hit, offering_detail, status_expired
from wijzer.timeutil import AMS, as_utc, utcnow

# The weekly fields in the grid's column order (the note is always one click away, never a column).
GRID_FIELDS = tuple(f for f in CAPACITY_FIELDS if f != "note")
TOP_FIELDS = 5
HISTORY_WEEKS = 12


@bp.route("/aanbod/<int:offering_id>/voorbeeld")
@role_required("provider")
def preview(offering_id: int):
    session = get_session()
    off = session.get(Offering, offering_id)
    if off is None or off.provider_id != current_user.provider_id:
        abort(404)
    now = utcnow()
    hit = offering_detail(session, offering_id, now, current_app.config)
    if hit is None:  # inactive: not shown to referrers at all, but show the card it would have
        t = thresholds_for(session.get(Jeugdregio, off.region_code), current_app.config)
        fresh = freshness_of(off.last_confirmed_at, now, t.fresh_days, t.stale_days)
        expired = status_expired(off.cur_status_until, now.astimezone(AMS).date())
        hit = Hit(
            off,
            session.get_one(Provider, off.provider_id),
            session.get_one(Location, off.location_id),
            None,
            fresh,
            False,
            expired,
            t,
        )
    return render_template(
        "providers/preview.html",
        hit=hit,
        now=now,
        offering=off,
        stale_on=_stale_date(off.last_confirmed_at, hit.thresholds.stale_days),
    )


def _stale_date(last_confirmed_at: datetime | None, stale_days: int) -> date | None:
    """The local date on which an offering confirmed at ``last_confirmed_at`` becomes stale."""
    if last_confirmed_at is None:
        return None
    return (as_utc(last_confirmed_at) + timedelta(days=stale_days)).astimezone(AMS).date()


@cache
def _changes_statement():
    """Per grid field: how often an update changed it from the offering's previous update (built once;
    the offering ids and the start date are bound per call)."""
    cr = CapacityReport
    partition_by, order_by = col(cr.offering_id), (col(cr.reported_at), col(cr.id))
    recent = (
        select(
            func.row_number().over(partition_by=partition_by, order_by=order_by).label("n"),
            *[getattr(cr, f).label(f) for f in GRID_FIELDS],
            *[
                func.lag(getattr(cr, f)).over(partition_by=partition_by, order_by=order_by).label("p_" + f)
                for f in GRID_FIELDS
            ],
        )
        .where(
            col(cr.offering_id).in_(bindparam("ids", expanding=True)),
            cr.kind == "update",
            cr.reported_at >= bindparam("since"),
        )
        .subquery()
    )
    return select(
        *[
            func.coalesce(
                func.sum(
                    case((and_(recent.c.n > 1, recent.c[f].is_distinct_from(recent.c["p_" + f])), 1), else_=0)
                ),
                0,
            )
            for f in GRID_FIELDS
        ]
    )


@bp.app_template_global("weekly_top_fields")
def top_fields(pairs, now: datetime) -> list[str]:
    """The ``TOP_FIELDS`` grid fields this provider's updates changed most often in the last
    ``HISTORY_WEEKS`` weeks (ties and no history: the column order). One aggregate query: each update
    is compared with the offering's previous update (confirmations repeat values, so they are skipped)."""
    ids = [o.id for o, _ in pairs]
    counts: dict[str, int] = {}
    if ids:
        sums = (
            get_session()
            .exec(_changes_statement(), params={"ids": ids, "since": now - timedelta(weeks=HISTORY_WEEKS)})
            .one()
        )
        counts = dict(zip(GRID_FIELDS, sums, strict=True))
    ranked = sorted(GRID_FIELDS, key=lambda f: (-counts.get(f, 0), GRID_FIELDS.index(f)))
    return ranked[:TOP_FIELDS]


# Sort orders of the weekly grid (the same keys as static/js/weekly.js; ties keep the location order).
SORTS = {
    "locatie": "Per locatie",
    "bevestigd": "Langst niet bevestigd eerst",
    "naam": "Naam",
    "vrij": "Vrije plekken (minst eerst)",
    "wacht": "Aanmeldingswachttijd (langst eerst)",
}


def _sort_key(sort: str, off: Offering, label: str):
    if sort == "bevestigd":
        at = as_utc(off.last_confirmed_at)
        return (at is not None, at.timestamp() if at else 0.0)
    if sort == "naam":
        return (False, label.lower())
    if sort == "vrij":
        return (off.cur_free_places is None, off.cur_free_places or 0)
    if sort == "wacht":
        return (off.cur_wait_intake is None, -(off.cur_wait_intake or 0))
    return (False, 0)


@bp.app_template_global("weekly_order")
def order(pairs, sort: str) -> list:
    """The (offering, location) pairs in the chosen order; unknown sorts keep the location order."""
    from wijzer import domain

    if sort not in SORTS or sort == "locatie":
        return list(pairs)
    return sorted(
        pairs, key=lambda p: _sort_key(sort, p[0], p[0].name or domain.CARE_TYPES.get(p[0].care_type, ""))
    )


# (name, label, column header, kind) of the grid's fields, in column order.
COLUMNS = (
    ("free_places", "Vrije plekken", "Vrij", "number"),
    ("total_places", "Totaal aantal plekken", "Totaal", "number"),
    ("wait_intake", "Aanmeldingswachttijd (weken)", "Aanm. (wk)", "number"),
    ("wait_treatment", "Behandelingswachttijd (weken)", "Beh. (wk)", "number"),
    ("waitlist_length", "Wachtlijst (aantal)", "Wacht\u00adlijst", "number"),
    ("intake_status", "Intakestatus", "Intake", "select"),
    ("status_until", "Status geldt tot", "Status tot", "date"),
    ("next_free_date", "Verwachte volgende vrije plek", "Volgende plek", "date"),
)
LABELS = {name: label for name, label, _, _ in COLUMNS} | {"note": "Toelichting voor verwijzers"}


@bp.app_template_global("weekly_cells")
def cells(
    off: Offering, typed_values: dict, conflict: dict | None, row_errors: dict, required: tuple, top: list
):
    """The grid cells of one row, worked out once in Python (the template only prints them):
    the value to show (what was typed), the base value to compare with (the stored one, or the
    colleague's after a conflict), and the cell's classes and ARIA references. The note comes last."""
    from wijzer import domain

    theirs_values = conflict["values"] if conflict and isinstance(conflict.get("values"), dict) else None
    out = []
    for name, label, _, kind in (*COLUMNS, ("note", LABELS["note"], "", "note")):
        if theirs_values is not None:
            orig = theirs_values.get(name, "") or ""
        else:
            value = getattr(off, "cur_" + name, None)
            orig = "" if value is None else str(value)
        typed = typed_values.get(name, orig) if isinstance(typed_values, dict) else orig
        typed = "" if typed is None else typed
        error_id = None
        if row_errors.get(name):
            error_id = f"o{off.id}-{name}-error"
        elif name == "intake_status" and row_errors.get("__all__"):
            error_id = f"o{off.id}-row-error"
        theirs = None
        if theirs_values is not None and typed != orig:
            theirs = (domain.INTAKE_STATUSES.get(orig, orig) if kind == "select" else orig) or "leeg"
        described = " ".join(x for x in (error_id, f"o{off.id}-{name}-theirs" if theirs else None) if x)
        classes = ["cell", "cell--" + kind]
        if typed != orig:
            classes.append("is-changed")
        if error_id:
            classes.append("is-invalid")
        if kind != "note" and name not in top:
            classes.append("is-extra")
        if name in required:
            classes.append("is-required")
        aria = Markup(' aria-invalid="true"') if error_id else Markup("")
        if described:
            aria += Markup(' aria-describedby="{}"').format(described)
        out.append(
            Cell(
                f"o{off.id}-{name}",
                name,
                label,
                kind,
                orig,
                typed,
                theirs,
                bool(error_id),
                aria,
                " ".join(classes),
            )
        )
    return out


@dataclass(slots=True)
class Cell:
    """One field of a grid row (attributes, so the template's lookups hit at once)."""

    id: str
    name: str
    label: str
    kind: str
    orig: str
    typed: str
    theirs: str | None
    invalid: bool
    aria: Markup  # aria-invalid / aria-describedby attributes (ids only, nothing user-typed)
    cls: str


bp.add_app_template_global(COLUMNS, "weekly_columns")  # type: ignore[arg-type]
bp.add_app_template_global(LABELS, "weekly_labels")  # type: ignore[arg-type]
