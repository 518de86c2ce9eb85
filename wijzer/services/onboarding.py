"""Accounts for a region's rollout: who may invite whom, invitations (with their mail), the users list
per scope, disabling/enabling, role changes and the self-registration of referrers.

Scopes:
- admin: everything;
- regiobeheerder (``region_admin``) of region R: referrers, auditors and regiobeheerders of R, and the
  staff of providers that have an offering located in R or contracted by R;
- provider admin (provider staff with ``provider_admin``): the colleagues of the same provider.

Links in mails are built from the BASE_URL setting, never from the request host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, String, cast, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wijzer.domain import ROLES
from wijzer.links import external_url
from wijzer.models import Invitation, Jeugdregio, Offering, OutboxMail, Provider, User
from wijzer.services import accounts, auditlog, mail
from wijzer.services.catalogue import RuleError
from wijzer.services.regions_admin import EMAIL_RE, region_for_referrer_domain
from wijzer.timeutil import utcnow

_Stmt = TypeVar("_Stmt", bound=Select[*tuple[Any, ...]])  # a select() that gets a WHERE

REGION_BOUND = ("referrer", "auditor", "region_admin")


class NotAllowed(PermissionError):
    """The acting user may not do this (the web answers 403, the CLI an error)."""


# ---------------------------------------------------------------- scope
def providers_of_region(code: str | None) -> SelectOfScalar[int]:
    """Subquery of provider ids with an active or inactive offering located in or contracted by ``code``."""
    return (
        select(Offering.provider_id)
        .where(or_(col(Offering.region_code) == code, col(Offering.contract_regions).contains(f"|{code}|")))
        .distinct()
    )


def is_manager(user: User) -> bool:
    """Admin, regiobeheerder or provider admin: may see a users page."""
    return user.role in ("admin", "region_admin") or (user.role == "provider" and bool(user.provider_admin))


def provider_in_region(session: Session, provider_id: int | None, code: str | None) -> bool:
    if provider_id is None or not code:
        return False
    return (
        session.exec(
            select(Offering.id)
            .where(
                Offering.provider_id == provider_id,
                or_(col(Offering.region_code) == code, col(Offering.contract_regions).contains(f"|{code}|")),
            )
            .limit(1)
        ).first()
        is not None
    )


def may_manage(
    session: Session, actor: User, *, role: str, provider_id: int | None, region_code: str | None
) -> bool:
    """May ``actor`` invite, disable or enable an account with this role / provider / region?"""
    if actor.role == "admin":
        return True
    if actor.role == "region_admin":
        if role in REGION_BOUND:
            return region_code == actor.region_code
        if role == "provider":
            return provider_in_region(session, provider_id, actor.region_code)
        return False
    if actor.role == "provider" and actor.provider_admin:
        return role == "provider" and provider_id == actor.provider_id
    return False


def roles_for(actor: User) -> dict[str, str]:
    """The roles ``actor`` may hand out."""
    if actor.role == "admin":
        return dict(ROLES)
    if actor.role == "region_admin":
        return {r: ROLES[r] for r in ("referrer", "auditor", "region_admin", "provider")}
    if actor.role == "provider" and actor.provider_admin:
        return {"provider": ROLES["provider"]}
    return {}


def _user_scope(stmt: _Stmt, actor: User) -> _Stmt:
    if actor.role == "admin":
        return stmt
    if actor.role == "region_admin":
        return stmt.where(
            or_(
                col(User.region_code) == actor.region_code,
                col(User.provider_id).in_(providers_of_region(actor.region_code)),
            )
        )
    return stmt.where(col(User.provider_id) == actor.provider_id)


def _invitation_scope(stmt: _Stmt, actor: User) -> _Stmt:
    if actor.role == "admin":
        return stmt
    if actor.role == "region_admin":
        return stmt.where(
            or_(
                col(Invitation.region_code) == actor.region_code,
                col(Invitation.provider_id).in_(providers_of_region(actor.region_code)),
            )
        )
    return stmt.where(col(Invitation.provider_id) == actor.provider_id)


@dataclass
class UserFilter:
    q: str = ""
    role: str = ""
    status: str = ""  # '' | actief | geblokkeerd


def users_in_scope(
    session: Session, actor: User, flt: UserFilter | None = None, limit: int = 500
) -> Sequence[tuple[User, str | None]]:
    """(user, provider name) rows the actor may manage, newest first within role."""
    flt = flt or UserFilter()
    stmt = _user_scope(
        select(User, Provider.name).join(Provider, col(Provider.id) == User.provider_id, isouter=True), actor
    )
    if flt.q.strip():
        like = f"%{flt.q.strip().lower()}%"
        stmt = stmt.where(or_(col(User.email).ilike(like), col(User.name).ilike(like)))
    if flt.role in ROLES:
        stmt = stmt.where(User.role == flt.role)
    if flt.status == "actief":
        stmt = stmt.where(User.active)
    elif flt.status == "geblokkeerd":
        stmt = stmt.where(col(User.active).is_(False))
    return session.exec(stmt.order_by(User.role, User.email).limit(limit)).all()


def open_invitations(
    session: Session, actor: User, limit: int = 500
) -> Sequence[tuple[Invitation, str | None]]:
    stmt = _invitation_scope(
        select(Invitation, Provider.name).join(
            Provider, col(Provider.id) == Invitation.provider_id, isouter=True
        ),
        actor,
    )
    return session.exec(
        stmt.where(col(Invitation.used_at).is_(None)).order_by(col(Invitation.created_at).desc()).limit(limit)
    ).all()


def user_in_scope(session: Session, actor: User, user_id: int) -> User | None:
    return session.exec(_user_scope(select(User), actor).where(User.id == user_id)).first()


def invitation_in_scope(session: Session, actor: User, invitation_id: int) -> Invitation | None:
    return session.exec(
        _invitation_scope(select(Invitation), actor).where(Invitation.id == invitation_id)
    ).first()


def user_ids_in_scope(actor: User) -> SelectOfScalar[str]:
    """Subquery of user ids (as text, like AuditLog.entity_id) the actor may manage."""
    return _user_scope(select(cast(User.id, String)), actor)


# ---------------------------------------------------------------- invitations
def invitation_link(config: Mapping[str, Any], token: str) -> str:
    """From BASE_URL (wijzer.links), never from the request's Host header."""
    return external_url("auth.accept_invite", config=config, token=token)


def send_invitation_mail(
    session: Session, inv: Invitation, link: str, config: Mapping[str, Any]
) -> OutboxMail:
    """Queue the invitation (or verification) mail in the caller's transaction; it is sent after the
    commit (wijzer.services.mail). The inviter also sees the link on screen."""
    hours = int(config["INVITE_TTL_HOURS"])
    region = session.get(Jeugdregio, inv.region_code) if inv.region_code else None
    if inv.kind == "registration":
        return mail.queue(
            session,
            inv.email,
            "registration",
            kind="registration",
            link=link,
            ttl_hours=hours,
            region_name=region.name if region else "",
        )
    if inv.role == "provider":
        provider = session.get(Provider, inv.provider_id)
        what = (
            f"namens {provider.name if provider else 'uw organisatie'} de vrije plekken en wachttijden bij te "
            "houden" + (" en collega's uit te nodigen" if inv.provider_admin else "")
        )
    else:
        what = f"de Beschikbaarheidswijzer te gebruiken als {ROLES[inv.role].lower()}" + (
            f" ({region.name})" if region else ""
        )
    return mail.queue(
        session, inv.email, "account_invitation", kind="invitation", link=link, ttl_hours=hours, what=what
    )


def invite(
    session: Session,
    actor: User | None,
    *,
    email: str,
    role: str,
    config: Mapping[str, Any],
    provider_id: int | None = None,
    region_code: str | None = None,
    provider_admin: bool = False,
) -> tuple[Invitation, str]:
    """Create an invitation and queue its mail. ``actor`` None means the command line (admin rights).
    Returns (invitation, link). Raises RuleError (bad input) or NotAllowed."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise RuleError("Vul een geldig e-mailadres in.", "email")
    if role not in ROLES:
        raise RuleError(f"Onbekende rol '{role}'. Kies uit: {', '.join(ROLES)}.", "role")
    region_code = (region_code or "").strip().upper() or None
    if actor is not None and actor.role == "region_admin" and role in REGION_BOUND and region_code is None:
        region_code = actor.region_code
    if actor is not None and actor.role == "provider" and role == "provider" and provider_id is None:
        provider_id = actor.provider_id
    if role == "provider":
        if provider_id is None or session.get(Provider, provider_id) is None:
            raise RuleError("Kies de zorgaanbieder van de medewerker.", "provider")
        region_code = None
    else:
        provider_id, provider_admin = None, False
    if role in ("auditor", "region_admin") and region_code is None:
        raise RuleError("Kies de jeugdregio.", "region")
    if region_code is not None and session.get(Jeugdregio, region_code) is None:
        raise RuleError(f"Onbekende jeugdregio '{region_code}'.", "region")
    if role == "admin":
        region_code = None
    if actor is not None and not may_manage(
        session, actor, role=role, provider_id=provider_id, region_code=region_code
    ):
        raise NotAllowed("U mag deze uitnodiging niet versturen.")
    pending = session.exec(
        select(Invitation).where(
            Invitation.email == email, col(Invitation.used_at).is_(None), Invitation.expires_at > utcnow()
        )
    ).first()
    if pending is not None:
        raise RuleError(
            f"{email} heeft al een openstaande uitnodiging; verstuur die zo nodig opnieuw.", "email"
        )
    inv, token = accounts.create_invitation(
        session,
        email=email,
        role=role,
        provider_id=provider_id,
        region_code=region_code,
        ttl_hours=int(config["INVITE_TTL_HOURS"]),
        by=actor,
        provider_admin=provider_admin,
    )
    link = invitation_link(config, token)
    send_invitation_mail(session, inv, link, config)
    return inv, link


def resend_invitation(
    session: Session, actor: User | None, inv: Invitation, *, config: Mapping[str, Any]
) -> str:
    """A new link (the old one stops working) with a new validity period, mailed again."""
    if inv.used_at is not None:
        raise RuleError("Deze uitnodiging is al gebruikt.")
    if actor is not None and not may_manage(
        session, actor, role=inv.role, provider_id=inv.provider_id, region_code=inv.region_code
    ):
        raise NotAllowed("U mag deze uitnodiging niet opnieuw versturen.")
    import secrets

    token = secrets.token_urlsafe(32)
    inv.token_hash = accounts.sha256(token)
    inv.expires_at = utcnow() + timedelta(hours=int(config["INVITE_TTL_HOURS"]))
    session.add(inv)
    auditlog.record(
        session,
        action="resend",
        entity="invitation",
        entity_id=inv.id,
        user=actor,
        actor=None if actor is not None else "cli",
        detail={"email": inv.email},
    )
    link = invitation_link(config, token)
    send_invitation_mail(session, inv, link, config)
    return link


def withdraw_invitation(session: Session, actor: User, inv: Invitation) -> None:
    if inv.used_at is not None:
        raise RuleError("Deze uitnodiging is al gebruikt.")
    if not may_manage(
        session, actor, role=inv.role, provider_id=inv.provider_id, region_code=inv.region_code
    ):
        raise NotAllowed("U mag deze uitnodiging niet intrekken.")
    inv.expires_at = utcnow()
    session.add(inv)
    auditlog.record(
        session,
        action="withdraw",
        entity="invitation",
        entity_id=inv.id,
        user=actor,
        detail={"email": inv.email},
    )


# ---------------------------------------------------------------- accounts
def set_disabled(session: Session, actor: User | None, target: User, disabled: bool) -> bool:
    if actor is not None:
        if target.id == actor.id:
            raise RuleError("U kunt uw eigen account niet blokkeren.")
        if not may_manage(
            session, actor, role=target.role, provider_id=target.provider_id, region_code=target.region_code
        ):
            raise NotAllowed("U mag dit account niet wijzigen.")
    changed = target.active == disabled  # an active account gets disabled, or a disabled one enabled
    accounts.set_user_disabled(session, target, disabled, by=actor)
    return changed


def change_role(
    session: Session,
    actor: User | None,
    target: User,
    *,
    role: str,
    provider_id: int | None = None,
    region_code: str | None = None,
    provider_admin: bool = False,
) -> dict[str, list[Any]]:
    """Admin only (``actor`` None: the command line). Returns the changes."""
    if actor is not None and actor.role != "admin":
        raise NotAllowed("Alleen een beheerder wijzigt rollen.")
    if actor is not None and target.id == actor.id and role != "admin":
        raise RuleError("U kunt uw eigen beheerdersrol niet intrekken.", "role")
    if role not in ROLES:
        raise RuleError(f"Onbekende rol '{role}'.", "role")
    region_code = (region_code or "").strip().upper() or None
    if role == "provider" and (provider_id is None or session.get(Provider, provider_id) is None):
        raise RuleError("Kies de zorgaanbieder van de medewerker.", "provider")
    if role in ("auditor", "region_admin") and (
        region_code is None or session.get(Jeugdregio, region_code) is None
    ):
        raise RuleError("Kies een bestaande jeugdregio.", "region")
    if region_code is not None and session.get(Jeugdregio, region_code) is None:
        raise RuleError(f"Onbekende jeugdregio '{region_code}'.", "region")
    new = {
        "role": role,
        "provider_id": provider_id if role == "provider" else None,
        "region_code": region_code if role in REGION_BOUND else None,
        "provider_admin": bool(provider_admin) and role == "provider",
    }
    changes = {k: [getattr(target, k), v] for k, v in new.items() if getattr(target, k) != v}
    if changes:
        for k, v in new.items():
            setattr(target, k, v)
        target.session_version += 1  # the new rights apply from the next login
        session.add(target)
        auditlog.record(
            session,
            action="role",
            entity="user",
            entity_id=target.id,
            user=actor,
            actor=None if actor is not None else "cli",
            detail=changes,
        )
    return changes


def remove_colleague(session: Session, actor: User, target: User) -> None:
    """A provider admin removes a colleague: the account is disabled (its history stays)."""
    if not (
        actor.role == "provider"
        and actor.provider_admin
        and target.role == "provider"
        and target.provider_id == actor.provider_id
    ):
        raise NotAllowed("U mag dit account niet verwijderen.")
    if target.id == actor.id:
        raise RuleError("U kunt uzelf niet verwijderen.")
    accounts.set_user_disabled(session, target, True, by=actor)


# ---------------------------------------------------------------- self-registration (referrers)
def register_referrer(session: Session, email: str, *, config: Mapping[str, Any]) -> Invitation | None:
    """Start a referrer's self-registration: when the address's domain is allowed by a region and the
    address has no account and no open registration, a verification mail goes out. Returns the
    registration or None; the caller answers the same either way (no account enumeration)."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise RuleError("Vul een geldig e-mailadres in.", "email")
    region = region_for_referrer_domain(session, email)
    if region is None:
        raise RuleError(
            "Voor dit e-maildomein is zelf aanmelden niet mogelijk. Vraag de regiobeheerder van uw "
            "jeugdregio om een uitnodiging.",
            "email",
        )
    if accounts.user_by_email(session, email) is not None:
        return None
    pending = session.exec(
        select(Invitation).where(
            Invitation.email == email, col(Invitation.used_at).is_(None), Invitation.expires_at > utcnow()
        )
    ).first()
    if pending is not None:
        return None
    inv, token = accounts.create_invitation(
        session,
        email=email,
        role="referrer",
        region_code=region.code,
        ttl_hours=int(config["INVITE_TTL_HOURS"]),
        kind="registration",
    )
    send_invitation_mail(session, inv, invitation_link(config, token), config)
    return inv
