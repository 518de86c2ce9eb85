"""Accounts, passwords, API tokens and invitations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from wijzer.domain import ROLES
from wijzer.models import ApiToken, Invitation, Jeugdregio, PasswordReset, Provider, User
from wijzer.services import auditlog
from wijzer.services.catalogue import RuleError
from wijzer.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
TOKEN_USE_RESOLUTION = timedelta(minutes=5)  # how precisely "last used" of an API token is kept
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
# werkzeug's default (scrypt). Tests lower the cost through this module attribute.
HASH_METHOD = "scrypt"
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_password_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.", "password")
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        raise RuleError("Het wachtwoord mag uw e-mailadres niet bevatten.", "password")
    if len(set(password)) < 5:
        raise RuleError("Het wachtwoord is te eenvoudig.", "password")


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(session: Session, *, email: str, password: str | None, role: str, name: str = "",
                provider_id: int | None = None, region_code: str | None = None, actor: str = "cli",
                user=None, provider_admin: bool = False) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise RuleError("Vul een geldig e-mailadres in.", "email")
    if role not in ROLES:
        raise RuleError(f"Onbekende rol '{role}'. Kies uit: {', '.join(ROLES)}.", "role")
    if role == "provider" and (provider_id is None or session.get(Provider, provider_id) is None):
        raise RuleError("Een medewerker van een zorgaanbieder hoort bij een bestaande zorgaanbieder.", "provider")
    if role in ("auditor", "region_admin") and (region_code is None or session.get(Jeugdregio, region_code) is None):
        raise RuleError(f"Een {ROLES[role].lower()} hoort bij een bestaande jeugdregio.", "region")
    if role == "referrer" and region_code is not None and session.get(Jeugdregio, region_code) is None:
        raise RuleError(f"Onbekende jeugdregio '{region_code}'.", "region")
    if user_by_email(session, email) is not None:
        raise RuleError(f"Er is al een account voor {email}.", "email")
    if password is not None:
        check_password_policy(password, email)
    new = User(email=email, name=name, role=role,
               provider_id=provider_id if role == "provider" else None,
               region_code=region_code if role in ("auditor", "region_admin", "referrer") else None,
               provider_admin=bool(provider_admin) and role == "provider",
               password_hash=generate_password_hash(password, method=HASH_METHOD) if password else "")
    session.add(new)
    session.flush()
    auditlog.record(session, action="create", entity="user", entity_id=new.id, user=user, actor=actor,
                    detail={"email": email, "role": role, "provider_id": provider_id, "region_code": region_code})
    return new


def set_password(session: Session, user: User, password: str, *, actor=None) -> None:
    check_password_policy(password, user.email)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.session_version += 1  # ends every other session
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    auditlog.record(session, action="password", entity="user", entity_id=user.id, user=actor or user)


def authenticate(session: Session, email: str, password: str) -> tuple[User | None, str | None]:
    """(user, None) on success, else (None, reason) with reason 'invalid' or 'locked'.

    Unknown e-mail and wrong password take the same time and give the same answer.
    """
    user = user_by_email(session, email or "")
    now = utcnow()
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None, "invalid"
    if user.locked_until and user.locked_until > now:
        check_password_hash(_DUMMY_HASH, password or "")
        return None, "locked"
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
            user.failed_logins = 0
            auditlog.record(session, action="lockout", entity="user", entity_id=user.id, actor=user.email)
        session.add(user)
        return None, "invalid"
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    return user, None


def create_api_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns (token row, plain token). The plain token is shown once and stored only hashed."""
    plain = "wz_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], prefix=plain[:10], token_hash=sha256(plain))
    session.add(token)
    session.flush()
    auditlog.record(session, action="create", entity="api_token", entity_id=token.id, user=user)
    return token, plain


def user_for_token(session: Session, plain: str) -> User | None:
    if not plain or not plain.startswith("wz_"):
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == sha256(plain))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        token.last_used_at = now  # not on every request: API calls should not each cost a write
        session.add(token)
    return user


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.add(token)
    auditlog.record(session, action="revoke", entity="api_token", entity_id=token.id, user=user)
    return True


def create_invitation(session: Session, *, email: str, role: str, provider_id: int | None = None,
                      region_code: str | None = None, ttl_hours: int = 72, by=None, provider_admin: bool = False,
                      kind: str = "invitation") -> tuple[Invitation, str]:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise RuleError("Vul een geldig e-mailadres in.", "email")
    if user_by_email(session, email) is not None:
        raise RuleError(f"Er is al een account voor {email}.", "email")
    if role not in ROLES:
        raise RuleError("Onbekende rol.", "role")
    plain = secrets.token_urlsafe(32)
    inv = Invitation(email=email, role=role, provider_id=provider_id, region_code=region_code,
                     token_hash=sha256(plain), expires_at=utcnow() + timedelta(hours=ttl_hours),
                     created_by=getattr(by, "id", None), provider_admin=bool(provider_admin) and role == "provider",
                     kind=kind)
    session.add(inv)
    session.flush()
    auditlog.record(session, action="invite", entity="invitation", entity_id=inv.id, user=by,
                    actor=None if by is not None else (email if kind == "registration" else "cli"),
                    detail={"email": email, "role": role, "provider_id": provider_id, "region_code": region_code,
                            "provider_admin": bool(provider_admin), "kind": kind})
    return inv, plain


def invitation_for(session: Session, plain: str) -> Invitation | None:
    """The invitation if the token is valid, unused and not expired."""
    inv = session.exec(select(Invitation).where(Invitation.token_hash == sha256(plain or ""))).first()
    if inv is None or inv.used_at is not None or inv.expires_at < utcnow():
        return None
    return inv


def accept_invitation(session: Session, inv: Invitation, *, name: str, password: str) -> User:
    user = create_user(session, email=inv.email, password=password, role=inv.role, name=name,
                       provider_id=inv.provider_id, region_code=inv.region_code, actor=inv.email,
                       provider_admin=inv.provider_admin)
    inv.used_at = utcnow()
    user.last_login_at = inv.used_at  # accepting logs the new user in
    session.add(inv)
    return user


RESET_TTL = timedelta(hours=1)


def request_password_reset(session: Session, email: str) -> tuple[User, str] | None:
    """A reset token for an active account with this e-mail address, or None. The caller answers the
    same in both cases, so nobody learns whether an address has an account."""
    user = user_by_email(session, email or "")
    plain = secrets.token_urlsafe(32)  # made either way, so both paths do the same work
    if user is None or not user.active:
        return None
    session.add(PasswordReset(user_id=user.id, token_hash=sha256(plain), expires_at=utcnow() + RESET_TTL))
    auditlog.record(session, action="reset_requested", entity="user", entity_id=user.id, actor=user.email)
    return user, plain


def password_reset_for(session: Session, plain: str) -> PasswordReset | None:
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == sha256(plain or ""))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def complete_password_reset(session: Session, reset: PasswordReset, password: str) -> User:
    user = session.get(User, reset.user_id)
    set_password(session, user, password)  # raises RuleError on a weak password; ends all sessions
    reset.used_at = utcnow()
    session.add(reset)
    return user


def set_user_disabled(session: Session, user: User, disabled: bool, by=None) -> None:
    """Disable (cannot log in, every session ends, API tokens stop working) or enable an account."""
    if user.active == (not disabled):
        return
    user.active = not disabled
    if disabled:
        user.session_version += 1  # ends every session
    session.add(user)
    auditlog.record(session, action="disable" if disabled else "enable", entity="user", entity_id=user.id, user=by,
                    actor=None if by is not None else "cli", detail={"email": user.email})
