"""Alerts ("Houd me op de hoogte"): a referrer's saved search, e-mailed when a matching offering
**becomes** a place now.

- An alert stores only the search filters (a query string of the search parameters) and its owner;
  it ends after 90 days, with a mail a week before (one click extends it by 90 days).
- The ``alerts`` job (every 15 minutes) computes which offerings are a place now, with the search's own
  rule (:func:`wijzer.services.search.place_now_ids`), and keeps ``alert_place_state``: since when each
  one is. An offering is news for an alert when it became a place now after the alert was last checked;
  one that loses its place leaves the state table, so when it gets a place again it is news again, and
  never twice otherwise.
- Idempotent like the reminders: one ``alert_mail`` row per alert × kind × 15-minute window under a
  unique key (a rerun or a second scheduler cannot create it twice), leased before it is queued; the mail
  is queued (``mail.send_many``) in the transaction that marks it sent, and the ``mail`` job
  delivers it.
- Every link in the mails is built from ``BASE_URL``; unsubscribe and extend links are signed
  (GET shows what will happen, POST does it).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wijzer import domain
from wijzer.db import saved_id
from wijzer.domain import pack, unpack
from wijzer.geo import PostcodeError, PostcodePoint, bounding_box, fast_km, geodesic_km, lookup_postcode
from wijzer.models import Alert, AlertMail, AlertPlaceState, JobRun, Location, Offering, Provider, User
from wijzer.schemas import FILTER_KEYS, SearchFilters, validate
from wijzer.services import mail
from wijzer.services.jobresult import JobFailed
from wijzer.services.search import EDGE_MARGIN, place_now_ids, region_thresholds, search_summary
from wijzer.timeutil import AMS, utcnow

ALERT_DAYS = 90
WARN_DAYS = 7
MAX_ALERTS_PER_USER = 50
MAX_SEND_ATTEMPTS = 10
LEASE = timedelta(minutes=10)
WINDOW_MINUTES = 15
LINK_SALT = "wijzer-alert-link"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
CHUNK = 500


class AlertError(ValueError):
    """A Dutch message for the user (bad filters, too many alerts)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- filters
def normalise_filters(params: Mapping[str, Any]) -> tuple[str, SearchFilters]:
    """Validate search parameters (no paging, no ordering) -> (canonical query string, filters)."""
    unknown = [k for k in params if k not in FILTER_KEYS]
    if unknown:
        raise AlertError(f"Onbekende parameter: {unknown[0]}.", unknown[0])
    data: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, (list, tuple)):
            v = ",".join(str(x) for x in v)
        if isinstance(v, bool):
            v = "true" if v else ""
        v = "" if v is None else str(v).strip()
        if v:
            data[k] = v
    if not data:
        raise AlertError("Kies eerst minstens één filter; een melding voor al het aanbod is te breed.")
    for k in ("available_now", "contracted"):
        if k in data:
            data[k] = data[k].lower() in ("1", "on", "true", "ja")
    filters, errors = validate(SearchFilters, data)
    if filters is None:  # None exactly when there are errors
        field, message = next(iter(errors.items()))
        raise AlertError(message, None if field == "__all__" else field)
    if filters.postcode:
        try:
            lookup_postcode(filters.postcode)
        except PostcodeError as exc:
            raise AlertError(str(exc), "postcode") from None
    canonical = {
        k: v
        for k, v in {
            "care_type": filters.care_type,
            "tags": ",".join(filters.tags),
            "age": filters.age,
            "modality": ",".join(filters.modality),
            "funding": filters.funding,
            "postcode": filters.postcode,
            "radius_km": f"{filters.radius_km:g}" if filters.postcode else None,
            "region": filters.region,
            "municipality": filters.municipality,
            "available_now": "true" if filters.available_now else None,
            "max_wait_weeks": filters.max_wait_weeks,
            "contract_region": filters.contract_region,
            "contracted": "true" if filters.contracted else None,
        }.items()
        if v not in (None, "")
    }
    return urlencode(canonical), filters


def parse_filters(query: str) -> SearchFilters:
    return normalise_filters(dict(parse_qsl(query)))[1]


# ---------------------------------------------------------------- the user's alerts
def create_alert(
    session: Session, user: User, params: Mapping[str, Any], now: datetime | None = None
) -> Alert:
    now = now or utcnow()
    query, filters = normalise_filters(params)
    active = session.exec(
        select(Alert.id).where(Alert.user_id == user.id, col(Alert.ended_at).is_(None))
    ).all()
    if len(active) >= MAX_ALERTS_PER_USER:
        raise AlertError(f"U heeft al {MAX_ALERTS_PER_USER} meldingen; verwijder er eerst een.")
    origin = lookup_postcode(filters.postcode) if filters.postcode else None
    alert = Alert(
        user_id=saved_id(user),
        filters=query,
        label=search_summary(filters, origin)[:400],
        created_at=now,
        expires_at=now + timedelta(days=ALERT_DAYS),
        checked_until=now,
    )
    session.add(alert)
    session.flush()
    return alert


def user_alerts(session: Session, user_id: int) -> list[Alert]:
    return list(
        session.exec(
            select(Alert)
            .where(Alert.user_id == user_id, col(Alert.ended_at).is_(None))
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        ).all()
    )


def own_alert(session: Session, user_id: int, alert_id: int) -> Alert | None:
    """The user's alert, or None (another user's alert is as absent as a missing one)."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.user_id != user_id or alert.ended_at is not None:
        return None
    return alert


def set_paused(session: Session, alert: Alert, paused: bool, now: datetime | None = None) -> None:
    alert.paused = paused
    if not paused:
        alert.checked_until = now or utcnow()  # no backlog of what happened while paused
    session.add(alert)


def delete_alert(session: Session, alert: Alert) -> None:
    session.execute(delete(AlertMail).where(col(AlertMail.alert_id) == alert.id))
    session.delete(alert)


def end_alert(session: Session, alert: Alert, now: datetime | None = None) -> None:
    alert.ended_at = now or utcnow()
    session.add(alert)


def extend_alert(session: Session, alert: Alert, now: datetime | None = None) -> None:
    now = now or utcnow()
    alert.expires_at = max(_as_utc(alert.expires_at), now) + timedelta(days=ALERT_DAYS)
    alert.expiry_warned_at = None
    session.add(alert)


# ---------------------------------------------------------------- signed links
def make_token(config: Mapping[str, Any], alert: Alert, action: str) -> str:
    return URLSafeSerializer(config["SECRET_KEY"], salt=LINK_SALT).dumps(
        {"a": alert.id, "u": alert.user_id, "x": action}
    )


def read_token(session: Session, config: Mapping[str, Any], token: str, action: str) -> Alert | None:
    """The alert a signed link is about, or None when the link is tampered with or the alert is gone."""
    try:
        data = URLSafeSerializer(config["SECRET_KEY"], salt=LINK_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("x") != action or not isinstance(data.get("a"), int):
        return None
    alert = session.get(Alert, data["a"])
    if alert is None or alert.user_id != data.get("u"):
        return None
    return alert


def link(config: Mapping[str, Any], path: str) -> str:
    return str(config["BASE_URL"]).rstrip("/") + path


# ---------------------------------------------------------------- matching (mirrors search._filtered)
@dataclass(frozen=True)
class Light:
    id: int
    care_type: str
    tags: str
    min_age: int
    max_age: int
    modalities: str
    funding: str
    region_code: str
    municipality_code: str
    wait_intake: int | None
    contract_regions: str
    lat: float
    lon: float


LIGHT_COLUMNS = (
    col(Offering.id),
    col(Offering.care_type),
    col(Offering.tags),
    col(Offering.min_age),
    col(Offering.max_age),
    col(Offering.modalities),
    col(Offering.funding),
    col(Offering.region_code),
    col(Offering.municipality_code),
    col(Offering.cur_wait_intake),
    col(Offering.contract_regions),
    col(Offering.lat),
    col(Offering.lon),
)


def matches(f: SearchFilters, origin: PostcodePoint | None, o: Light) -> bool:
    """Whether an offering (that is a place now) is found by the search ``f``: the same filters as the
    SQL of :func:`wijzer.services.search.search_offerings`."""
    if f.care_type and o.care_type != f.care_type:
        return False
    if f.tags and any(f"|{t}|" not in o.tags for t in f.tags):
        return False
    if f.age is not None and not o.min_age <= f.age <= o.max_age:
        return False
    if f.modality and not any(f"|{m}|" in o.modalities for m in f.modality):
        return False
    if f.funding and f"|{f.funding}|" not in o.funding:
        return False
    if f.region and o.region_code != f.region:
        return False
    if f.municipality and o.municipality_code != f.municipality:
        return False
    if f.max_wait_weeks is not None and (o.wait_intake is None or o.wait_intake > f.max_wait_weeks):
        return False
    if f.contract_region and f"|{f.contract_region}|" not in o.contract_regions:
        return False
    if origin is not None:
        if f.contracted and f"|{origin.region_code}|" not in o.contract_regions:
            return False
        d = fast_km(origin.lat, origin.lon, o.lat, o.lon)
        if d > f.radius_km * (1 + EDGE_MARGIN):
            return False
        if (
            d >= f.radius_km * (1 - EDGE_MARGIN)
            and geodesic_km(origin.lat, origin.lon, o.lat, o.lon) > f.radius_km
        ):
            return False
    return True


# ---------------------------------------------------------------- the job
def window_of(now: datetime) -> str:
    slot = now.astimezone(UTC).replace(second=0, microsecond=0)
    slot = slot.replace(minute=slot.minute - slot.minute % WINDOW_MINUTES)
    return slot.isoformat(timespec="minutes")


def _sync_place_state(session: Session, now: datetime, config: Mapping[str, Any]) -> dict[int, datetime]:
    """Bring ``alert_place_state`` up to date; return {offering id: since} for every place now."""
    current = place_now_ids(session, now, config, region_thresholds(session, config))
    known = dict(session.exec(select(AlertPlaceState.offering_id, AlertPlaceState.since)).all())
    first_run = (
        not known
        and session.exec(select(JobRun.id).where(JobRun.job == "alerts", JobRun.status == "ok")).first()
        is None
    )
    since = EPOCH if first_run else now  # the very first run only records what already is
    new = sorted(current - known.keys())
    gone = sorted(known.keys() - current)
    for i in range(0, len(new), CHUNK):
        session.execute(
            insert(AlertPlaceState), [{"offering_id": oid, "since": since} for oid in new[i : i + CHUNK]]
        )
    for i in range(0, len(gone), CHUNK):
        session.execute(
            delete(AlertPlaceState).where(col(AlertPlaceState.offering_id).in_(gone[i : i + CHUNK]))
        )
    state = {oid: s for oid, s in known.items() if oid in current}
    state.update({oid: since for oid in new})
    return state


def _claim(session: Session, alert_id: int, kind: str, window: str, offering_ids: list[int]) -> bool:
    try:
        with session.begin_nested():
            session.add(
                AlertMail(
                    alert_id=alert_id,
                    kind=kind,
                    window=window,
                    offering_ids=pack([str(i) for i in offering_ids]),
                )
            )
        return True
    except IntegrityError:  # another run claimed it first
        return False


GRID_DEGREES = 0.2


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // GRID_DEGREES), int(lon // GRID_DEGREES)


def _claim_all(session: Session, claims: list[dict[str, Any]]) -> list[int]:
    """Insert the claims in bulk; when another run claimed some of them first, one by one. Returns the
    alert ids whose claim is ours."""
    if not claims:
        return []
    try:
        with session.begin_nested():
            for i in range(0, len(claims), CHUNK):
                session.execute(
                    insert(AlertMail),
                    [dict(c, created_at=utcnow(), attempts=0) for c in claims[i : i + CHUNK]],
                )
        return [c["alert_id"] for c in claims]
    except IntegrityError:
        return [
            c["alert_id"]
            for c in claims
            if _claim(
                session, c["alert_id"], c["kind"], c["window"], [int(x) for x in unpack(c["offering_ids"])]
            )
        ]


def _as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def claim_alert_mails(session: Session, now: datetime, config: Mapping[str, Any]) -> tuple[int, int]:
    """Claim this window's mails (new places, expiry warnings) and end expired alerts; commits."""
    state = _sync_place_state(session, now, config)
    session.commit()
    window = window_of(now)
    alerts = session.execute(
        sa_select(  # five columns: more than sqlmodel's select() has overloads for
            col(Alert.id),
            col(Alert.filters),
            col(Alert.checked_until),
            col(Alert.expires_at),
            col(Alert.expiry_warned_at),
        ).where(col(Alert.ended_at).is_(None), col(Alert.paused).is_(False), col(Alert.expires_at) > now)
    ).all()
    claimed = warned = 0
    if alerts:
        oldest = min(_as_utc(a.checked_until) for a in alerts)
        fresh = sorted(oid for oid, s in state.items() if _as_utc(s) > oldest)
        # Nothing became a place now since any alert was checked: no alert has news.
        alerts_to_check = alerts if fresh else []
        # News candidates by care type (None: all) and by grid cell, so an alert with a postcode looks only
        # at the cells its radius touches.
        grid: dict[tuple[str | None, int, int], list[tuple[Light, datetime]]] = {}
        by_type: dict[str | None, list[tuple[Light, datetime]]] = {None: []}
        for i in range(0, len(fresh), CHUNK):
            for row in session.execute(
                sa_select(*LIGHT_COLUMNS).where(col(Offering.id).in_(fresh[i : i + CHUNK]))
            ):
                light = Light(*row)
                item = (light, _as_utc(state[light.id]))
                by_type[None].append(item)
                by_type.setdefault(light.care_type, []).append(item)
                cell = _cell(light.lat, light.lon)
                grid.setdefault((None, *cell), []).append(item)
                grid.setdefault((light.care_type, *cell), []).append(item)
        already = set(
            session.exec(
                select(AlertMail.alert_id).where(AlertMail.kind == "places", AlertMail.window == window)
            ).all()
        )
        parsed: dict[str, tuple[SearchFilters, PostcodePoint | None] | None] = {}
        checked = [] if alerts_to_check else [a.id for a in alerts]
        claims: list[dict[str, Any]] = []
        for a in alerts_to_check:
            if a.filters not in parsed:
                try:
                    f = parse_filters(a.filters)
                    parsed[a.filters] = (f, lookup_postcode(f.postcode) if f.postcode else None)
                except (AlertError, PostcodeError):
                    parsed[a.filters] = None
            p = parsed[a.filters]
            if p is None:
                continue
            f, origin = p
            after = _as_utc(a.checked_until)
            if origin is not None:
                min_lat, max_lat, min_lon, max_lon = bounding_box(origin.lat, origin.lon, f.radius_km)
                (la0, lo0), (la1, lo1) = _cell(min_lat, min_lon), _cell(max_lat, max_lon)
                candidates = [
                    item
                    for la in range(la0, la1 + 1)
                    for lo in range(lo0, lo1 + 1)
                    for item in grid.get((f.care_type, la, lo), ())
                ]
            else:
                candidates = by_type.get(f.care_type, [])
            hits = sorted(o.id for o, s in candidates if s > after and matches(f, origin, o))
            if not hits:
                checked.append(a.id)
            elif a.id not in already:
                claims.append(
                    {
                        "alert_id": a.id,
                        "kind": "places",
                        "window": window,
                        "offering_ids": pack([str(i) for i in hits]),
                    }
                )
            # else: this window's mail exists already; these places are picked up in the next window
        claimed_ids = _claim_all(session, claims)
        claimed += len(claimed_ids)
        checked += claimed_ids
        for i in range(0, len(checked), CHUNK):
            session.execute(
                update(Alert)
                .where(col(Alert.id).in_(checked[i : i + CHUNK]))
                .values(checked_until=now)
                .execution_options(synchronize_session=False)
            )
        for a in alerts:
            if a.expiry_warned_at is None and _as_utc(a.expires_at) - timedelta(days=WARN_DAYS) <= now:
                if _claim(session, a.id, "expiry", _as_utc(a.expires_at).isoformat(timespec="minutes"), []):
                    warned += 1
                session.execute(update(Alert).where(Alert.id == a.id).values(expiry_warned_at=now))
    session.execute(
        update(Alert)
        .where(col(Alert.ended_at).is_(None), col(Alert.expires_at) <= now)
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()  # the claims are durable before anything is sent
    return claimed, warned


def _fmt_weeks(n: int | None) -> str:
    return "onbekend" if n is None else ("1 week" if n == 1 else f"{n} weken")


def compose(
    session: Session,
    am: AlertMail,
    alert: Alert,
    config: Mapping[str, Any],
    offerings: dict[int, tuple[Offering, Provider, Location]] | None = None,
) -> tuple[str, str]:
    stop = link(config, f"/meldingen/afmelden/{make_token(config, alert, 'stop')}")
    search_url = link(config, "/?" + alert.filters)
    account = link(config, "/account")
    if am.kind == "expiry":
        until = _as_utc(alert.expires_at).astimezone(AMS).strftime("%d-%m-%Y")
        extend = link(config, f"/meldingen/verlengen/{make_token(config, alert, 'extend')}")
        subject = f"Uw melding loopt af op {until}: {alert.label}"[:300]
        body = (
            f'Beste verwijzer,\n\nUw melding "{alert.label}" loopt af op {until}. Wilt u hem nog 90 dagen houden? '
            f"Verleng hem met één klik:\n{extend}\n\nDe zoekopdracht: {search_url}\n\n"
            f"Geen e-mail meer over deze zoekopdracht? Meld u af:\n{stop}\n\n"
            f"Uw meldingen beheren: {account}\n\nMet vriendelijke groet,\nBeschikbaarheidswijzer"
        )
        return subject, body
    offerings = offerings if offerings is not None else _offerings_for(session, [am])
    rows = [offerings[int(i)] for i in sorted(unpack(am.offering_ids), key=int) if int(i) in offerings]
    lines = []
    for o, p, loc in rows:
        contact = " · ".join(x for x in (p.phone, p.email) if x) or "geen contactgegevens bekend"
        lines.append(
            f"- {o.name or domain.CARE_TYPES.get(o.care_type, o.care_type)} – {p.name}, {loc.postcode} "
            f"{loc.city or ''}: {o.cur_free_places} vrije plek(ken); bel of mail: {contact}\n"
            f"  {link(config, f'/aanbod/{o.id}?{alert.filters}')}"
        )
    n = len(lines)
    subject = (f"{'Nieuwe plek' if n == 1 else f'{n} nieuwe plekken'}: {alert.label}")[:300]
    body = (
        f'Beste verwijzer,\n\nVoor uw zoekopdracht "{alert.label}" {"is" if n == 1 else "zijn"} nu '
        f"{'een plek' if n == 1 else 'plekken'} vrij:\n\n"
        + "\n".join(lines)
        + f"\n\nBel de aanbieder om de plek te bespreken; de gegevens zijn zo actueel als de aanbieder ze meldde.\n"
        f"Alle resultaten: {search_url}\n\nGeen e-mail meer over deze zoekopdracht? Meld u af met één klik:\n{stop}\n\n"
        f"Uw meldingen beheren (pauzeren, verwijderen): {account}\n\nMet vriendelijke groet,\nBeschikbaarheidswijzer"
    )
    return subject, body


SEND_BATCH = 200


def send_alert_mails(session: Session, now: datetime, config: Mapping[str, Any]) -> tuple[int, list[str]]:
    """Lease unsent alert mails in batches and queue them (``mail.send_many``) in the same transaction
    that marks it sent, so each is queued exactly once; the ``mail`` job delivers the queue (lease,
    retries) after the commit."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    pending = session.exec(
        select(AlertMail.id)
        .where(col(AlertMail.sent_at).is_(None), col(AlertMail.attempts) < MAX_SEND_ATTEMPTS)
        .order_by(col(AlertMail.id))
    ).all()
    sent = 0
    failed: list[str] = []
    for i in range(0, len(pending), SEND_BATCH):
        batch = pending[i : i + SEND_BATCH]
        session.execute(
            update(AlertMail)
            .where(
                col(AlertMail.id).in_(batch),
                col(AlertMail.sent_at).is_(None),
                or_(col(AlertMail.lease_until).is_(None), col(AlertMail.lease_until) < now),
            )
            .values(lease_owner=owner, lease_until=now + LEASE, attempts=AlertMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        mine = session.exec(
            select(AlertMail)
            .where(
                col(AlertMail.id).in_(batch), AlertMail.lease_owner == owner, col(AlertMail.sent_at).is_(None)
            )
            .order_by(col(AlertMail.id))
        ).all()
        alerts = {
            a.id: a
            for a in session.exec(select(Alert).where(col(Alert.id).in_({m.alert_id for m in mine}))).all()
        }
        users = {
            u.id: u
            for u in session.exec(
                select(User).where(col(User.id).in_({a.user_id for a in alerts.values()}))
            ).all()
        }
        offerings = _offerings_for(session, mine)
        done: list[int] = []
        outgoing: dict[str, list[tuple[list[str], str, str]]] = defaultdict(
            list
        )  # kind -> (recipients, subject, body)
        for am in mine:
            alert = alerts.get(am.alert_id)
            user = users.get(alert.user_id) if alert is not None else None
            if alert is None or alert.ended_at is not None or alert.paused or user is None or not user.active:
                am.sent_at, am.last_error, am.lease_until = (
                    utcnow(),
                    "niet verstuurd: melding beëindigd",
                    None,
                )
                session.add(am)
                continue
            subject, body = compose(session, am, alert, config, offerings)
            outgoing[f"alert:{am.kind}"].append(([user.email], subject, body))
            done.append(saved_id(am))
            sent += 1
        # No keys needed: the mails are queued in the same transaction that marks the alert mails sent.
        for kind, messages in outgoing.items():
            mail.send_many(session, messages, kind=kind)
        _mark_sent(session, done)
        session.commit()
    return sent, failed


def _mark_sent(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(
            update(AlertMail)
            .where(col(AlertMail.id).in_(ids))
            .values(sent_at=utcnow(), last_error=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def _offerings_for(
    session: Session, mails: Sequence[AlertMail]
) -> dict[int, tuple[Offering, Provider, Location]]:
    ids = sorted({int(i) for m in mails for i in unpack(m.offering_ids)})
    out: dict[int, tuple[Offering, Provider, Location]] = {}
    for i in range(0, len(ids), CHUNK):
        for o, p, loc in session.exec(
            select(Offering, Provider, Location)
            .join(Provider, col(Provider.id) == Offering.provider_id)
            .join(Location, col(Location.id) == Offering.location_id)
            .where(col(Offering.id).in_(ids[i : i + CHUNK]))
        ).all():
            out[saved_id(o)] = (o, p, loc)
    return out


def run_alerts(session: Session, now: datetime, config: Mapping[str, Any]) -> tuple[str, list[str]]:
    claimed, warned = claim_alert_mails(session, now, config)
    sent, failed = send_alert_mails(session, now, config)
    return f"{claimed} meldingen met nieuwe plekken, {warned} aflopend, {sent} verstuurd", failed


def job_alerts(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """The scheduler's ``alerts`` job (every 15 minutes)."""
    detail, failed = run_alerts(session, now, config)
    if failed:
        raise JobFailed(detail + f", {len(failed)} niet verstuurd: " + "; ".join(failed[:10]))
    return detail
