"""What referrers will see of an offering, and the weekly grid's read-only helpers.

- ``GET /portaal/aanbod/<id>/voorbeeld``: the offering's result card exactly as a referrer sees it
  (``templates/search/_result.html`` with the same ``Hit`` the search builds: freshness, "direct
  plek", norms), for the provider's own offerings only.
- ``weekly_order(pairs, sort)``: the rows in the chosen order (the same keys as static/js/weekly.js).
- ``weekly_top_fields(pairs, now)``: the weekly fields this provider changed most often in the last
  12 weeks (the phone layout shows these five first and folds the rest).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from flask import abort, current_app, render_template
from flask_login import current_user
from sqlmodel import select

from providers import bp
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.models import CapacityReport, Jeugdregio, Location, Offering, Provider
from wijzer.services.availability import freshness_of, thresholds_for
from wijzer.services.search import Hit, offering_detail, status_expired
from wijzer.timeutil import AMS, as_utc, utcnow

# The weekly fields in the grid's column order (the note is always one click away, never a column).
GRID_FIELDS = ("free_places", "total_places", "wait_intake", "wait_treatment", "waitlist_length", "intake_status",
               "status_until", "next_free_date")
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
        hit = Hit(off, session.get(Provider, off.provider_id), session.get(Location, off.location_id), None, fresh,
                  False, expired, t)
    return render_template("providers/preview.html", hit=hit, now=now, offering=off,
                           stale_on=_stale_date(off.last_confirmed_at, hit.thresholds.stale_days))


def _stale_date(last_confirmed_at: datetime | None, stale_days: int) -> date | None:
    """The local date on which an offering confirmed at ``last_confirmed_at`` becomes stale."""
    if last_confirmed_at is None:
        return None
    return (as_utc(last_confirmed_at) + timedelta(days=stale_days)).astimezone(AMS).date()


@bp.app_template_global("weekly_top_fields")
def top_fields(pairs, now: datetime) -> list[str]:
    """The ``TOP_FIELDS`` grid fields this provider's reports changed most often in the last
    ``HISTORY_WEEKS`` weeks (ties and no history: the column order)."""
    ids = [o.id for o, _ in pairs]
    counts: Counter[str] = Counter()
    if ids:
        cols = [getattr(CapacityReport, f) for f in GRID_FIELDS]
        rows = get_session().exec(
            select(CapacityReport.offering_id, *cols)
            .where(CapacityReport.offering_id.in_(ids), CapacityReport.reported_at >= now - timedelta(weeks=HISTORY_WEEKS))
            .order_by(CapacityReport.offering_id, CapacityReport.reported_at, CapacityReport.id)).all()
        previous = None
        for row in rows:
            if previous is not None and previous[0] == row[0]:
                for i, field in enumerate(GRID_FIELDS, start=1):
                    if row[i] != previous[i]:
                        counts[field] += 1
            previous = row
    ranked = sorted(GRID_FIELDS, key=lambda f: (-counts[f], GRID_FIELDS.index(f)))
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
    return sorted(pairs, key=lambda p: _sort_key(sort, p[0], p[0].name or domain.CARE_TYPES.get(p[0].care_type, "")))
