"""Plaatsingsverzoek: the state machine of a request and its items, holds, jobs and figures.

Item statuses and the only transitions (each one a function below, each a conditional UPDATE that
names the statuses it may start from, so two people acting at the same moment cannot both win):

    open      -> accepted   answer_item(accept)     provider, before the answer deadline
    open      -> declined   answer_item(decline)    provider, before the answer deadline
    open      -> countered  answer_item(counter)    provider, before the answer deadline
    countered -> accepted   answer_item(accept)     provider (after agreeing the later start)
    countered -> declined   answer_item(decline)    provider
    open      -> expired    expire_items (job)      no answer within 2 working days
    countered -> expired    expire_items (job)      counter not followed up within PLACEMENT_COUNTER_DAYS
    accepted  -> confirmed  confirm_item            referrer, hold still running, a free place left
    accepted  -> released   release_item            referrer
    accepted  -> released   release_expired_holds   job, the day after ``hold_until``
    open|countered|accepted -> withdrawn            a sibling was confirmed, or the referrer withdrew

declined, expired, withdrawn, confirmed and released are final. A request is closed when none of its
items is open, countered or accepted; 90 days later the retention job anonymises it.

Services take a session and plain arguments and do not commit: the entry point commits, and on a
``PlacementError`` it rolls back (a failed confirm may already have written the item's status). The job
functions (``remind_and_expire``, ``release_expired_holds``) are entry points themselves: they commit per item.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, overload

from sqlalchemy import ColumnElement, Subquery, and_, exists, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, col, select

from wijzer.db import saved_id
from wijzer.domain import FRESH_DAYS, STALE_DAYS, pack, unpack
from wijzer.models import Gemeente, Offering, OutboxMail, PlacementItem, PlacementRequest, Provider, User
from wijzer.schemas import CapacityInput
from wijzer.schemas_placement import DECLINE_REASONS, STATUS_LABELS, AnswerInput, RequestInput
from wijzer.services import auditlog, mail
from wijzer.services.workdays import add_working_days, add_working_days_to_date
from wijzer.timeutil import AMS, utcnow

log = logging.getLogger("wijzer.placement")

ACTIVE = ("open", "countered", "accepted")
FINAL = ("declined", "expired", "withdrawn", "confirmed", "released")
ANSWER_DAYS = 2  # working days to answer
REMIND_DAYS = 1  # working days after which the provider is reminded once
MAX_HOLD_DAYS = 10  # working days a place may be held
RETENTION_DAYS = 90
COUNTER_DAYS = 10  # working days a counter stays open for the provider to accept after agreeing
MAIL_GONE = "(inhoud gewist na de bewaartermijn van plaatsingsverzoeken)"


class PlacementError(Exception):
    """A rule was broken. ``code``: not_found | forbidden | conflict | invalid; ``field`` for forms."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def _cfg(config: Mapping[str, Any] | None, key: str, default: int) -> int:
    if config is None:
        return default
    try:
        return int(config.get(key, default))
    except (AttributeError, TypeError, ValueError):
        return default


def local_today(now: datetime) -> date:
    return now.astimezone(AMS).date()


NO_CONFIG: Mapping[str, Any] = MappingProxyType({})  # no settings: every default applies


def max_hold_date(now: datetime, config: Mapping[str, Any] | None = None) -> date:
    """The last day a provider answering at ``now`` may hold a place (10 working days ahead)."""
    return add_working_days_to_date(local_today(now), _cfg(config, "PLACEMENT_MAX_HOLD_DAYS", MAX_HOLD_DAYS))


def item_label(item: PlacementItem) -> str:
    """The status as the referrer and the provider read it."""
    if item.status == "open":
        return f"Open (antwoord uiterlijk {item.answer_due_at.astimezone(AMS):%d-%m-%Y %H:%M})"
    if item.status == "accepted":
        return f"Geaccepteerd tot {item.hold_until:%d-%m-%Y}"
    if item.status == "declined":
        return f"Afgewezen ({DECLINE_REASONS.get(item.decline_reason or '', item.decline_reason or 'geen reden')})"
    if item.status == "countered":
        return f"Tegenvoorstel: start vanaf {item.earliest_start:%d-%m-%Y}"
    if item.status == "released" and item.close_reason == "hold_expired":
        return "Vrijgegeven (vasthouden verlopen)"
    if item.status == "withdrawn" and item.close_reason == "confirmed_elsewhere":
        return "Ingetrokken (elders bevestigd)"
    return STATUS_LABELS.get(item.status, item.status)


# ---------------------------------------------------------------- holds
def held_places(
    session: Session, offering_ids: Iterable[int] | None = None, today: date | None = None
) -> dict[int, int]:
    """{offering id: places held by accepted items whose hold still runs}. Offerings without a hold are
    absent. ``offering_ids=None`` gives every offering with a hold (a small set)."""
    today = today or local_today(utcnow())
    stmt = (
        select(PlacementItem.offering_id, func.count())
        .where(PlacementItem.status == "accepted", col(PlacementItem.hold_until) >= today)
        .group_by(col(PlacementItem.offering_id))
    )
    if offering_ids is not None:
        ids = list(offering_ids)
        if not ids:
            return {}
        stmt = stmt.where(col(PlacementItem.offering_id).in_(ids))
    return {oid: int(n) for oid, n in session.exec(stmt)}


def held_places_subquery(today: date | BindParameter[date]) -> Subquery:
    """SQL: the places held per offering on ``today`` (columns ``offering_id``, ``held``; offerings without a hold
    are absent), to be outer-joined once on ``Offering.id``. ``today`` may be a bound parameter. One aggregate
    joined by the offering's id costs a hash lookup a row; the correlated count it replaced ran an index scan for
    every row with free places, once for each column that used it (4x the floor's server time on PostgreSQL)."""
    return (
        sa_select(col(PlacementItem.offering_id).label("offering_id"), func.count().label("held"))
        .where(col(PlacementItem.status) == "accepted", col(PlacementItem.hold_until) >= today)
        .group_by(col(PlacementItem.offering_id))
        .subquery("held")
    )


def shown_free(free: int | None, held: int) -> int | None:
    """Free places minus active holds, never below zero; unknown stays unknown."""
    return None if free is None else max(0, free - held)


# ---------------------------------------------------------------- mail
def provider_recipients(session: Session, provider_id: int) -> list[str]:
    """The provider's active staff, else the provider's contact address."""
    staff = session.exec(
        select(User.email).where(User.provider_id == provider_id, User.active, User.role == "provider")
    ).all()
    if staff:
        return sorted(staff)
    provider = session.get(Provider, provider_id)
    return [provider.email] if provider is not None and provider.email else []


def _notify(
    session: Session, to: list[str], template: str, subject: str, config: Mapping[str, Any], **context: Any
) -> None:
    """Queue the pair ``templates/email/placement/<template>.txt|html`` in the caller's transaction: it is
    sent after the commit (``services.mail``), so a slow or dead mail server never holds up a transition
    and a rolled-back transition sends nothing."""
    if not to:
        log.warning("placement mail %s: no recipient", template)
        return
    base = str(config.get("BASE_URL", "")).rstrip("/")
    mail.queue(
        session,
        to,
        f"placement/{template}",
        kind=f"placement:{template}",
        subject=subject,
        base_url=base,
        **context,
    )


def _referrer_email(session: Session, request: PlacementRequest) -> list[str]:
    user = session.get(User, request.referrer_id) if request.referrer_id else None
    return [user.email] if user is not None and user.active else []


# ---------------------------------------------------------------- reads
@dataclass
class ItemView:
    item: PlacementItem
    offering: Offering
    provider: Provider

    @property
    def label(self) -> str:
        return item_label(self.item)


@dataclass
class RequestView:
    request: PlacementRequest
    items: list[ItemView]
    municipality_name: str
    referrer: User | None

    @property
    def closed(self) -> bool:
        return self.request.closed_at is not None


def _views(
    session: Session, requests: list[PlacementRequest], provider_id: int | None = None
) -> list[RequestView]:
    if not requests:
        return []
    ids = [r.id for r in requests]
    stmt = (
        select(PlacementItem, Offering, Provider)
        .join(Offering, col(Offering.id) == PlacementItem.offering_id)
        .join(Provider, col(Provider.id) == PlacementItem.provider_id)
        .where(col(PlacementItem.request_id).in_(ids))
        .order_by(col(PlacementItem.id))
    )
    if provider_id is not None:
        stmt = stmt.where(PlacementItem.provider_id == provider_id)
    items: dict[int, list[ItemView]] = defaultdict(list)
    for item, off, prov in session.exec(stmt):
        items[item.request_id].append(ItemView(item, off, prov))
    names = dict(
        session.exec(
            select(Gemeente.code, Gemeente.name).where(
                col(Gemeente.code).in_({r.municipality_code for r in requests})
            )
        ).all()
    )
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({r.referrer_id for r in requests if r.referrer_id}))
        ).all()
    }
    return [
        RequestView(
            r,
            items.get(saved_id(r), []),
            names.get(r.municipality_code, r.municipality_code),
            users.get(r.referrer_id),
        )
        for r in requests
    ]


def _referrers_item(
    session: Session, request_id: int, item_id: int, referrer_id: int
) -> tuple[RequestView, PlacementItem]:
    """The request (as its referrer sees it) and one of its items, or ``not_found``."""
    view = request_for_referrer(session, request_id, referrer_id)
    item = next((i.item for i in view.items if i.item.id == item_id), None)
    if item is None:
        raise PlacementError("not_found", "Dit onderdeel hoort niet bij dit verzoek.", "item_id")
    return view, item


def _notify_released(
    session: Session,
    config: Mapping[str, Any],
    request: PlacementRequest,
    item: PlacementItem,
    offering: Offering,
    *,
    by_job: bool,
) -> None:
    """Tell the provider a held place is free again (released by the referrer, or expired)."""
    _notify(
        session,
        provider_recipients(session, item.provider_id),
        "released",
        f"Vastgehouden plek vrijgegeven ({offering.name or offering.offering_ref})",
        config,
        request=request,
        item=item,
        offering=offering,
        by_job=by_job,
    )


def request_for_referrer(session: Session, request_id: int, referrer_id: int) -> RequestView:
    req = session.get(PlacementRequest, request_id)
    if req is None or req.referrer_id != referrer_id:
        raise PlacementError("not_found", "Dit plaatsingsverzoek bestaat niet of is niet van u.")
    return _views(session, [req])[0]


def request_for_provider(session: Session, request_id: int, provider_id: int) -> RequestView:
    """The request with only the provider's own items (404 when the provider has none in it)."""
    req = session.get(PlacementRequest, request_id)
    view = _views(session, [req], provider_id)[0] if req is not None else None
    if view is None or not view.items:
        raise PlacementError("not_found", "Dit plaatsingsverzoek bestaat niet of is niet aan u gericht.")
    return view


def item_for_provider(session: Session, item_id: int, provider_id: int) -> tuple[RequestView, ItemView]:
    item = session.get(PlacementItem, item_id)
    if item is None or item.provider_id != provider_id:
        raise PlacementError("not_found", "Dit verzoek bestaat niet of is niet aan u gericht.")
    view = request_for_provider(session, item.request_id, provider_id)
    return view, next(i for i in view.items if i.item.id == item_id)


def requests_for_referrer(
    session: Session, referrer_id: int, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> tuple[int, list[RequestView]]:
    stmt = select(PlacementRequest).where(PlacementRequest.referrer_id == referrer_id)
    if status is not None:
        stmt = stmt.where(
            exists().where(
                col(PlacementItem.request_id) == PlacementRequest.id, col(PlacementItem.status) == status
            )
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(
            col(PlacementRequest.closed_at).is_not(None),
            col(PlacementRequest.created_at).desc(),
            col(PlacementRequest.id).desc(),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return total, _views(session, list(rows))


def requests_for_provider(
    session: Session, provider_id: int, *, limit: int = 50, offset: int = 0, status: str | None = None
) -> tuple[int, list[RequestView]]:
    """Requests with at least one item for this provider (only those items; ``status`` filters items)."""
    cond = [PlacementItem.provider_id == provider_id]
    if status is not None:
        cond.append(PlacementItem.status == status)
    ids_stmt = select(PlacementItem.request_id).where(*cond).distinct()
    total = session.exec(select(func.count()).select_from(ids_stmt.subquery())).one()
    rows = session.exec(
        select(PlacementRequest)
        .where(col(PlacementRequest.id).in_(ids_stmt))
        .order_by(col(PlacementRequest.created_at).desc(), col(PlacementRequest.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    views = _views(session, list(rows), provider_id)
    if status is not None:
        for v in views:
            v.items = [i for i in v.items if i.item.status == status]
    return total, views


def open_count_for_provider(session: Session, provider_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(PlacementItem)
        .where(PlacementItem.provider_id == provider_id, PlacementItem.status == "open")
    ).one()


# ---------------------------------------------------------------- transitions
def _move(
    session: Session,
    item_id: int,
    from_statuses: tuple[str, ...],
    to_status: str,
    *extra_where: ColumnElement[bool],
    **values: Any,
) -> bool:
    """The one way an item changes status: a conditional UPDATE. True when this call won."""
    result = session.exec(
        update(PlacementItem)
        .where(col(PlacementItem.id) == item_id, col(PlacementItem.status).in_(from_statuses), *extra_where)
        .values(status=to_status, version=PlacementItem.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1
    if won:
        item = session.get(PlacementItem, item_id)
        if item is not None:
            session.refresh(item)
    return won


def _maybe_close(session: Session, request_id: int, now: datetime) -> bool:
    """Close the request when none of its items is active any more (once)."""
    active = exists().where(
        col(PlacementItem.request_id) == request_id, col(PlacementItem.status).in_(ACTIVE)
    )
    result = session.exec(
        update(PlacementRequest)
        .where(col(PlacementRequest.id) == request_id, col(PlacementRequest.closed_at).is_(None), ~active)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        req = session.get_one(PlacementRequest, request_id)
        session.refresh(req)
        return True
    return False


def _audit(
    session: Session,
    action: str,
    item: PlacementItem,
    *,
    user: User | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    auditlog.record(
        session,
        action=f"placement_{action}",
        entity="placement_item",
        entity_id=item.id,
        user=user,
        actor=actor,
        detail={
            "request_id": item.request_id,
            "offering_id": item.offering_id,
            "status": item.status,
            **detail,
        },
    )


def _conflict_for(item: PlacementItem, now: datetime) -> PlacementError:
    if item.status == "open" and item.answer_due_at <= now:
        return PlacementError(
            "conflict", "De termijn om te antwoorden is verstreken; dit verzoek is verlopen."
        )
    text = {
        "withdrawn": "Dit verzoek is ingetrokken; een antwoord is niet meer nodig.",
        "expired": "Dit verzoek is verlopen.",
        "declined": "Dit verzoek is al afgewezen.",
        "confirmed": "Deze plaatsing is al bevestigd.",
        "released": "Deze plek is al vrijgegeven.",
        "accepted": "Dit verzoek is al geaccepteerd.",
        "countered": "Op dit verzoek is al een tegenvoorstel gedaan.",
        "open": "Dit verzoek is nog niet geaccepteerd.",
    }.get(item.status, "Dit kan niet in de huidige stand van het verzoek.")
    return PlacementError("conflict", text)


def create_request(
    session: Session,
    referrer: User,
    data: RequestInput,
    *,
    now: datetime | None = None,
    config: Mapping[str, Any] = NO_CONFIG,
) -> PlacementRequest:
    """A new request with one open item per offering; each provider is told once."""
    now = now or utcnow()
    gemeente = session.get(Gemeente, data.gemeente_code)
    if gemeente is None:
        raise PlacementError("invalid", f"Onbekende gemeente {data.gemeente_code}.", "gemeente_code")
    offerings = session.exec(
        select(Offering).where(col(Offering.id).in_(data.offering_ids), Offering.active)
    ).all()
    found = {o.id: o for o in offerings}
    missing = [i for i in data.offering_ids if i not in found]
    if missing:
        raise PlacementError("invalid", f"Aanbod {missing[0]} bestaat niet (meer).", "offering_ids")
    wrong = [o for o in offerings if o.care_type != data.care_type]
    if wrong:
        raise PlacementError(
            "invalid",
            f"Aanbod {wrong[0].name or wrong[0].offering_ref} is geen "
            f"{data.care_type.replace('_', ' ')}; vraag alleen aanbod van de gezochte zorgsoort.",
            "offering_ids",
        )
    req = PlacementRequest(
        referrer_id=referrer.id,
        age=data.age,
        tags=pack(data.tags),
        care_type=data.care_type,
        modality=data.modality,
        municipality_code=gemeente.code,
        region_code=gemeente.region_code,
        start_from=data.start_from,
        start_to=data.start_to,
        note=data.note,
        reference=data.reference,
        created_at=now,
    )
    session.add(req)
    session.flush()
    due = add_working_days(now, _cfg(config, "PLACEMENT_ANSWER_DAYS", ANSWER_DAYS))
    remind = add_working_days(now, _cfg(config, "PLACEMENT_REMIND_DAYS", REMIND_DAYS))
    items = []
    for oid in data.offering_ids:
        off = found[oid]
        item = PlacementItem(
            request_id=saved_id(req),
            offering_id=saved_id(off),
            provider_id=off.provider_id,
            created_at=now,
            answer_due_at=due,
            remind_at=remind,
        )
        session.add(item)
        items.append(item)
    session.flush()
    for item in items:
        _audit(session, "create", item, user=referrer)
    by_provider: dict[int, list[PlacementItem]] = defaultdict(list)
    for item in items:
        by_provider[item.provider_id].append(item)
    for pid, its in by_provider.items():
        _notify(
            session,
            provider_recipients(session, pid),
            "new_request",
            "Nieuw plaatsingsverzoek: antwoord binnen 2 werkdagen",
            config,
            request=req,
            items=[(i, found[i.offering_id]) for i in its],
            due=due.astimezone(AMS),
            referrer=referrer,
            tags=unpack(req.tags),
        )
    return req


def answer_item(
    session: Session,
    item_id: int,
    provider_id: int,
    data: AnswerInput,
    *,
    user: User | None = None,
    now: datetime | None = None,
    config: Mapping[str, Any] = NO_CONFIG,
) -> PlacementItem:
    """The provider's answer: accept (hold until a date), decline (reason) or counter (earliest start)."""
    now = now or utcnow()
    item = session.get(PlacementItem, item_id)
    if item is None or item.provider_id != provider_id:
        raise PlacementError("not_found", "Dit verzoek bestaat niet of is niet aan u gericht.")
    # An open item may be answered only before its deadline (the job may not have expired it yet).
    in_time = or_(col(PlacementItem.status) != "open", col(PlacementItem.answer_due_at) > now)
    first = {
        "answered_at": func.coalesce(PlacementItem.answered_at, now),
        "answered_by": func.coalesce(PlacementItem.answered_by, getattr(user, "id", None)),
    }
    if data.answer == "accept":
        limit = max_hold_date(now, config)
        if data.hold_until is None:  # the schema requires it with "accept"
            raise PlacementError("invalid", "Vul in tot wanneer u de plek vasthoudt.", "hold_until")
        if data.hold_until > limit:
            raise PlacementError(
                "invalid",
                f"U kunt een plek hoogstens 10 werkdagen vasthouden: tot en met {limit:%d-%m-%Y}.",
                "hold_until",
            )
        if data.hold_until < local_today(now):
            raise PlacementError(
                "invalid", "De datum tot wanneer u de plek vasthoudt ligt in het verleden.", "hold_until"
            )
        won = _move(
            session, item_id, ("open", "countered"), "accepted", in_time, hold_until=data.hold_until, **first
        )
        if won:
            session.exec(
                update(PlacementRequest)
                .where(col(PlacementRequest.id) == item.request_id)
                .values(ever_accepted=True)
                .execution_options(synchronize_session=False)
            )
    elif data.answer == "decline":
        won = _move(
            session,
            item_id,
            ("open", "countered"),
            "declined",
            in_time,
            decline_reason=data.reason,
            closed_at=now,
            **first,
        )
    else:
        counter_due = add_working_days(now, _cfg(config, "PLACEMENT_COUNTER_DAYS", COUNTER_DAYS))
        won = _move(
            session,
            item_id,
            ("open",),
            "countered",
            in_time,
            earliest_start=data.earliest_start,
            counter_due_at=counter_due,
            **first,
        )
    session.refresh(item)
    if not won:
        raise _conflict_for(item, now)
    _audit(
        session,
        data.answer,
        item,
        user=user,
        hold_until=item.hold_until,
        reason=item.decline_reason,
        earliest_start=item.earliest_start,
    )
    req = session.get_one(PlacementRequest, item.request_id)
    session.refresh(req)
    _maybe_close(session, saved_id(req), now)
    offering = session.get_one(Offering, item.offering_id)
    provider = session.get_one(Provider, item.provider_id)
    subject = {
        "accept": f"Plek vastgehouden door {provider.name}",
        "decline": f"Afgewezen door {provider.name}",
        "counter": f"Tegenvoorstel van {provider.name}",
    }[data.answer]
    _notify(
        session,
        _referrer_email(session, req),
        f"answer_{data.answer}",
        subject + f" (uw kenmerk {req.reference})",
        config,
        request=req,
        item=item,
        offering=offering,
        provider=provider,
        reason=DECLINE_REASONS.get(item.decline_reason or "", ""),
    )
    return item


def _siblings_withdrawn(
    session: Session,
    req: PlacementRequest,
    except_item_id: int | None,
    now: datetime,
    reason: str,
    user: User | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[PlacementItem]:
    siblings = session.exec(
        select(PlacementItem).where(PlacementItem.request_id == req.id, col(PlacementItem.status).in_(ACTIVE))
    ).all()
    out = []
    for sib in siblings:
        if sib.id == except_item_id:
            continue
        if _move(session, saved_id(sib), ACTIVE, "withdrawn", closed_at=now, close_reason=reason):
            session.refresh(sib)
            _audit(session, "withdraw", sib, user=user, reason=reason)
            out.append(sib)
    for sib in out:
        offering = session.get_one(Offering, sib.offering_id)
        _notify(
            session,
            provider_recipients(session, sib.provider_id),
            "withdrawn",
            f"Plaatsingsverzoek ingetrokken ({offering.name or offering.offering_ref})",
            config or {},
            request=req,
            item=sib,
            offering=offering,
            reason=reason,
        )
    return out


def confirm_item(
    session: Session,
    request_id: int,
    item_id: int,
    referrer_id: int,
    *,
    user: User | None = None,
    now: datetime | None = None,
    config: Mapping[str, Any] = NO_CONFIG,
) -> PlacementItem:
    """The referrer confirms a held place: the hold becomes a placement (a capacity report lowering the
    offering's free places by one) and every other item of the request is withdrawn.

    Exactly one of two referrers confirming holds on the last place wins: the free places are lowered
    by a conditional UPDATE (``free_places >= 1``) that the database serialises (a row lock on
    PostgreSQL, the write lock on SQLite). On a ``PlacementError`` the caller must roll back."""
    from wijzer.services import availability

    now = now or utcnow()
    view, item = _referrers_item(session, request_id, item_id, referrer_id)
    today = local_today(now)
    if not _move(
        session, item_id, ("accepted",), "confirmed", col(PlacementItem.hold_until) >= today, closed_at=now
    ):
        session.refresh(item)
        if item.status == "accepted":
            raise PlacementError("conflict", "De termijn waarin de plek werd vastgehouden is verlopen.")
        raise _conflict_for(item, now)
    taken = session.exec(
        update(Offering)
        .where(
            col(Offering.id) == item.offering_id,
            or_(col(Offering.cur_free_places).is_(None), col(Offering.cur_free_places) >= 1),
        )
        .values(
            cur_free_places=col(Offering.cur_free_places) - 1, capacity_version=Offering.capacity_version + 1
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise PlacementError(
            "conflict",
            "Er is bij deze aanbieder geen vrije plek meer: een andere plaatsing ging "
            "net voor. Neem contact op met de aanbieder.",
        )
    offering = session.get_one(Offering, item.offering_id)
    session.refresh(offering)
    if offering.cur_free_places is not None:
        # A partial report (only free places; absent fields keep their values), the history shows who and why.
        availability.record_report(
            session,
            offering,
            CapacityInput(free_places=offering.cur_free_places),
            kind="update",
            source="plaatsing",
            user=user,
            now=now,
            fresh_days=_cfg(config, "FRESH_DAYS", FRESH_DAYS),
            stale_days=_cfg(config, "STALE_DAYS", STALE_DAYS),
        )
    _audit(session, "confirm", item, user=user, free_places_after=offering.cur_free_places)
    req = view.request
    _siblings_withdrawn(session, req, item.id, now, "confirmed_elsewhere", user=user, config=config)
    _maybe_close(session, saved_id(req), now)
    provider = session.get_one(Provider, item.provider_id)
    _notify(
        session,
        provider_recipients(session, item.provider_id),
        "confirmed",
        f"Plaatsing bevestigd ({offering.name or offering.offering_ref})",
        config,
        request=req,
        item=item,
        offering=offering,
        provider=provider,
        referrer=view.referrer,
    )
    return item


def release_item(
    session: Session,
    request_id: int,
    item_id: int,
    referrer_id: int,
    *,
    now: datetime | None = None,
    user: User | None = None,
    config: Mapping[str, Any] = NO_CONFIG,
) -> PlacementItem:
    """The referrer does not need the held place: the hold ends at once."""
    now = now or utcnow()
    view, item = _referrers_item(session, request_id, item_id, referrer_id)
    if not _move(session, item_id, ("accepted",), "released", closed_at=now, close_reason="referrer"):
        session.refresh(item)
        raise _conflict_for(item, now)
    _audit(session, "release", item, user=user)
    _maybe_close(session, request_id, now)
    offering = session.get_one(Offering, item.offering_id)
    _notify_released(session, config, view.request, item, offering, by_job=False)
    return item


def withdraw_request(
    session: Session,
    request_id: int,
    referrer_id: int,
    *,
    user: User | None = None,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> int:
    """The referrer no longer needs a place: every open, countered or accepted item is withdrawn."""
    now = now or utcnow()
    view = request_for_referrer(session, request_id, referrer_id)
    gone = _siblings_withdrawn(session, view.request, None, now, "referrer", user=user, config=config)
    _maybe_close(session, request_id, now)
    if not gone:
        raise PlacementError("conflict", "Er is niets meer in te trekken.")
    return len(gone)


# ---------------------------------------------------------------- jobs
def remind_and_expire(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """Job ``placement_answers``: remind once after 1 working day, expire after 2 (and unfollowed counters).
    Each item is claimed by a conditional UPDATE and committed on its own, so a rerun or a second
    scheduler sends nothing twice."""
    reminded = expired = 0
    due_remind = session.exec(
        select(PlacementItem.id).where(
            PlacementItem.status == "open",
            col(PlacementItem.reminded_at).is_(None),
            col(PlacementItem.remind_at) <= now,
            col(PlacementItem.answer_due_at) > now,
        )
    ).all()
    for iid in due_remind:
        claimed = (
            session.exec(
                update(PlacementItem)
                .where(
                    col(PlacementItem.id) == iid,
                    col(PlacementItem.status) == "open",
                    col(PlacementItem.reminded_at).is_(None),
                )
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        if not claimed:
            continue
        item = session.get_one(PlacementItem, iid)
        session.refresh(item)
        req = session.get_one(PlacementRequest, item.request_id)
        offering = session.get_one(Offering, item.offering_id)
        _audit(session, "remind", item, actor="job:placement_answers")
        _notify(
            session,
            provider_recipients(session, item.provider_id),
            "reminder",
            "Herinnering: plaatsingsverzoek wacht op uw antwoord",
            config,
            request=req,
            item=item,
            offering=offering,
            due=item.answer_due_at.astimezone(AMS),
        )
        session.commit()
        reminded += 1
    due_expire = session.exec(
        select(PlacementItem.id).where(
            or_(
                and_(col(PlacementItem.status) == "open", col(PlacementItem.answer_due_at) <= now),
                and_(col(PlacementItem.status) == "countered", col(PlacementItem.counter_due_at) <= now),
            )
        )
    ).all()
    for iid in due_expire:
        item = session.get_one(PlacementItem, iid)
        was = item.status
        cond = (
            col(PlacementItem.answer_due_at) <= now
            if was == "open"
            else col(PlacementItem.counter_due_at) <= now
        )
        if not _move(
            session, saved_id(item), (was,), "expired", cond, closed_at=now, close_reason=f"{was}_timeout"
        ):
            session.rollback()
            continue
        req = session.get_one(PlacementRequest, item.request_id)
        offering = session.get_one(Offering, item.offering_id)
        provider = session.get_one(Provider, item.provider_id)
        _audit(session, "expire", item, actor="job:placement_answers", was=was)
        _maybe_close(session, saved_id(req), now)
        _notify(
            session,
            _referrer_email(session, req),
            "expired",
            f"Geen antwoord van {provider.name} (uw kenmerk {req.reference})",
            config,
            request=req,
            item=item,
            offering=offering,
            provider=provider,
            was=was,
        )
        session.commit()
        expired += 1
    return f"{reminded} herinneringen, {expired} verlopen"


def release_expired_holds(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """Job ``placement_holds``: a hold whose last day has passed without confirmation is released; the
    referrer and the provider are told."""
    today = local_today(now)
    ids = session.exec(
        select(PlacementItem.id).where(
            PlacementItem.status == "accepted", col(PlacementItem.hold_until) < today
        )
    ).all()
    ids = [iid for iid in ids if iid is not None]  # primary keys (typed optional by the model)
    n = 0
    for iid in ids:
        if not _move(
            session,
            iid,
            ("accepted",),
            "released",
            col(PlacementItem.hold_until) < today,
            closed_at=now,
            close_reason="hold_expired",
        ):
            session.rollback()
            continue
        item = session.get_one(PlacementItem, iid)
        req = session.get_one(PlacementRequest, item.request_id)
        offering = session.get_one(Offering, item.offering_id)
        provider = session.get_one(Provider, item.provider_id)
        _audit(session, "hold_expired", item, actor="job:placement_holds")
        _maybe_close(session, saved_id(req), now)
        _notify_released(session, config, req, item, offering, by_job=True)
        _notify(
            session,
            _referrer_email(session, req),
            "hold_expired",
            f"Vastgehouden plek bij {provider.name} is vrijgegeven (uw kenmerk {req.reference})",
            config,
            request=req,
            item=item,
            offering=offering,
            provider=provider,
        )
        session.commit()
        n += 1
    return f"{n} vastgehouden plekken vrijgegeven"


def anonymise_closed(session: Session, now: datetime, config: Mapping[str, Any]) -> str:
    """Job ``placement_retention``: 90 days after a request closed, clear the note, the reference, the
    age, the tags, the wanted start and the referrer; keep only what the anonymous region figures count
    (care type, gemeente, dates and statuses). Idempotent."""
    days = _cfg(config, "PLACEMENT_RETENTION_DAYS", RETENTION_DAYS)
    cutoff = now - timedelta(days=days)
    result = session.exec(
        update(PlacementRequest)
        .where(
            col(PlacementRequest.closed_at).is_not(None),
            col(PlacementRequest.closed_at) <= cutoff,
            col(PlacementRequest.anonymised_at).is_(None),
        )
        .values(
            note=None,
            reference=None,
            age=None,
            tags="",
            modality=None,
            start_from=None,
            start_to=None,
            referrer_id=None,
            anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    n = result.rowcount or 0
    if n:
        session.exec(
            update(PlacementItem)
            .where(
                col(PlacementItem.request_id).in_(
                    select(PlacementRequest.id).where(PlacementRequest.anonymised_at == now)
                )
            )
            .values(answered_by=None, earliest_start=None)
            .execution_options(synchronize_session=False)
        )
        auditlog.record(
            session,
            action="placement_anonymise",
            entity="placement_request",
            actor="job:placement_retention",
            detail={"requests": n, "closed_before": cutoff.isoformat()},
        )
    # The copies of the mails in the outbox carry the reference: blank them after the same period.
    mails = session.exec(
        update(OutboxMail)
        .where(
            col(OutboxMail.kind).like("placement:%"),
            col(OutboxMail.created_at) <= cutoff,
            col(OutboxMail.body) != MAIL_GONE,
        )
        .values(subject="Plaatsingsverzoek", body=MAIL_GONE, html=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return f"{n} plaatsingsverzoeken geanonimiseerd" + (f", {mails} e-mails gewist" if mails else "")


# ---------------------------------------------------------------- region figures
@overload
def _as_aware(dt: datetime | str) -> datetime: ...
@overload
def _as_aware(dt: None) -> None: ...
def _as_aware(dt: datetime | str | None) -> datetime | None:
    from wijzer.services.regions import as_aware

    return as_aware(dt)


def region_figures(
    session: Session, region_code: str, now: datetime, config: Mapping[str, Any] | None = None, days: int = 90
) -> dict[str, Any]:
    """Figures over requests sent in the last ``days`` days.

    ``providers``: per provider × care type of offerings located in the region: items received, answered
    within 2 working days (before the deadline), accepted (ever, incl. later confirmed or released),
    median answer time in hours (answered items only).
    ``unmet``: per care type × gemeente of families in the region: requests without any acceptance,
    counting closed requests only (an open one may still be accepted)."""
    since = now - timedelta(days=days)
    rows = session.execute(
        sa_select(  # seven columns: more than sqlmodel's select() has overloads for
            col(PlacementItem.provider_id),
            col(Provider.name),
            col(Offering.care_type),
            col(PlacementItem.created_at),
            col(PlacementItem.answered_at),
            col(PlacementItem.answer_due_at),
            col(PlacementItem.hold_until),
        )
        .join(Offering, col(Offering.id) == PlacementItem.offering_id)
        .join(Provider, col(Provider.id) == PlacementItem.provider_id)
        .where(col(Offering.region_code) == region_code, col(PlacementItem.created_at) >= since)
    ).all()
    groups: dict[tuple[int, str, str], dict[str, Any]] = {}
    for pid, pname, ct, created, answered, due, hold in rows:
        g = groups.setdefault(
            (pid, pname, ct), {"received": 0, "answered_in_time": 0, "accepted": 0, "hours": []}
        )
        g["received"] += 1
        if answered is not None:
            answered, created, due = _as_aware(answered), _as_aware(created), _as_aware(due)
            g["hours"].append((answered - created).total_seconds() / 3600)
            if answered <= due:
                g["answered_in_time"] += 1
        if hold is not None:  # only an acceptance sets hold_until
            g["accepted"] += 1
    providers = [
        {
            "provider_id": pid,
            "provider": pname,
            "care_type": ct,
            "received": g["received"],
            "answered_in_time": g["answered_in_time"],
            "accepted": g["accepted"],
            "share_answered_in_time": g["answered_in_time"] / g["received"],
            "median_answer_hours": round(statistics.median(g["hours"]), 1) if g["hours"] else None,
        }
        for (pid, pname, ct), g in sorted(groups.items(), key=lambda kv: (kv[0][1].lower(), kv[0][2]))
    ]
    unmet_rows = session.exec(
        select(PlacementRequest.care_type, PlacementRequest.municipality_code, Gemeente.name, func.count())
        .join(Gemeente, col(Gemeente.code) == PlacementRequest.municipality_code)
        .where(
            PlacementRequest.region_code == region_code,
            col(PlacementRequest.created_at) >= since,
            col(PlacementRequest.closed_at).is_not(None),
            col(PlacementRequest.ever_accepted).is_(False),
        )
        .group_by(PlacementRequest.care_type, PlacementRequest.municipality_code, Gemeente.name)
    ).all()
    unmet = [
        {
            "care_type": ct,
            "municipality_code": code,
            "municipality_name": name,
            "requests_without_acceptance": n,
        }
        for ct, code, name, n in sorted(unmet_rows, key=lambda r: (r[0], r[2]))
    ]
    return {"days": days, "providers": providers, "unmet": unmet}
