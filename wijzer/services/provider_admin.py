"""What the admin's provider pages show: the provider list with a search, and one provider's staff and
open invitations. Read only."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wijzer.models import Invitation, Offering, Provider, User


def _matching(q: str) -> SelectOfScalar[Provider]:
    stmt = select(Provider)
    if q:
        stmt = stmt.where(or_(col(Provider.name).ilike(f"%{q}%"), col(Provider.kvk) == q))
    return stmt


def count_providers(session: Session, q: str = "") -> int:
    """How many providers match ``q`` (part of the name, or the exact KvK number; empty: all)."""
    return session.exec(select(func.count()).select_from(_matching(q).subquery())).one()


def providers_page(session: Session, q: str, offset: int, limit: int) -> Sequence[Provider]:
    """One page of the providers matching ``q``, by name."""
    return session.exec(_matching(q).order_by(Provider.name).offset(offset).limit(limit)).all()


def offering_counts(session: Session, provider_ids: Collection[int]) -> dict[int, int]:
    """The number of offerings (active or not) per provider that has any."""
    if not provider_ids:
        return {}
    return dict(
        session.exec(
            select(Offering.provider_id, func.count())
            .where(col(Offering.provider_id).in_(list(provider_ids)))
            .group_by(col(Offering.provider_id))
        ).all()
    )


def staff(session: Session, provider_id: int) -> Sequence[User]:
    return session.exec(select(User).where(User.provider_id == provider_id).order_by(User.email)).all()


def open_invitations(session: Session, provider_id: int) -> Sequence[Invitation]:
    """The provider's invitations not used yet (expired ones too: the page marks them), newest first."""
    return session.exec(
        select(Invitation)
        .where(Invitation.provider_id == provider_id, col(Invitation.used_at).is_(None))
        .order_by(col(Invitation.created_at).desc())
    ).all()
