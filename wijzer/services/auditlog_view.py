"""Reading the audit log: filters, the regiobeheerder's scope and a formula-safe CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wijzer.models import AuditLog, Invitation, Location, Offering, User
from wijzer.services.onboarding import providers_of_region, user_ids_in_scope
from wijzer.timeutil import AMS

PAGE_SIZE = 100
MAX_EXPORT_ROWS = 100_000
ENTITIES = {
    "region_settings": "Regio-instellingen",
    "user": "Account",
    "invitation": "Uitnodiging",
    "provider": "Zorgaanbieder",
    "location": "Locatie",
    "offering": "Aanbod",
    "provider_file": "Aanbiedersbestand",
    "capacity": "Capaciteitsbestand",
    "api_token": "API-sleutel",
}


@dataclass
class AuditFilter:
    person: str = ""
    entity: str = ""
    entity_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _region_scope(actor: User) -> ColumnElement[bool]:
    """The entries about a region's settings, accounts and providers (for its regiobeheerder)."""
    code = actor.region_code
    providers = providers_of_region(code)
    provider_ids = select(cast(Offering.provider_id, String)).where(col(Offering.provider_id).in_(providers))
    return or_(
        and_(col(AuditLog.entity) == "region_settings", col(AuditLog.entity_id) == code),
        and_(col(AuditLog.entity) == "user", col(AuditLog.entity_id).in_(user_ids_in_scope(actor))),
        and_(
            col(AuditLog.entity) == "invitation",
            col(AuditLog.entity_id).in_(
                select(cast(Invitation.id, String)).where(
                    or_(col(Invitation.region_code) == code, col(Invitation.provider_id).in_(providers))
                )
            ),
        ),
        and_(col(AuditLog.entity) == "provider", col(AuditLog.entity_id).in_(provider_ids)),
        and_(
            col(AuditLog.entity) == "location",
            col(AuditLog.entity_id).in_(
                select(cast(Location.id, String)).where(col(Location.provider_id).in_(providers))
            ),
        ),
        and_(
            col(AuditLog.entity) == "offering",
            col(AuditLog.entity_id).in_(
                select(cast(Offering.id, String)).where(col(Offering.provider_id).in_(providers))
            ),
        ),
        col(AuditLog.user_id).in_(select(User.id).where(User.region_code == code)),
    )


def _statement(actor: User, flt: AuditFilter) -> SelectOfScalar[AuditLog]:
    stmt = select(AuditLog)
    if actor.role == "region_admin":
        stmt = stmt.where(_region_scope(actor))
    elif actor.role != "admin":
        stmt = stmt.where(False)
    if flt.person.strip():
        stmt = stmt.where(col(AuditLog.actor).ilike(f"%{flt.person.strip()}%"))
    if flt.entity:
        stmt = stmt.where(AuditLog.entity == flt.entity)
    if flt.entity_id.strip():
        stmt = stmt.where(AuditLog.entity_id == flt.entity_id.strip())
    if flt.date_from:
        stmt = stmt.where(AuditLog.at >= datetime.combine(flt.date_from, time.min, AMS))
    if flt.date_to:
        stmt = stmt.where(AuditLog.at < datetime.combine(flt.date_to + timedelta(days=1), time.min, AMS))
    return stmt


def audit_page(session: Session, actor: User, flt: AuditFilter, page: int = 1) -> tuple[list[AuditLog], int]:
    stmt = _statement(actor, flt)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    page = max(1, page)
    rows = session.exec(
        stmt.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def neutralise(value: object) -> str:
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP 'CSV Injection')."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def audit_csv(session: Session, actor: User, flt: AuditFilter) -> str:
    rows = session.exec(
        _statement(actor, flt)
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .limit(MAX_EXPORT_ROWS)
    ).all()
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["Moment", "Wie", "Handeling", "Object", "Object-id", "Details"])
    for r in rows:
        writer.writerow(
            [
                r.at.astimezone(AMS).strftime("%Y-%m-%d %H:%M:%S"),
                neutralise(r.actor),
                neutralise(r.action),
                neutralise(r.entity),
                neutralise(r.entity_id),
                neutralise(r.detail),
            ]
        )
    return "\ufeff" + buf.getvalue()
