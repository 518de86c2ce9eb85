"""Accounts, passwords, login sessions, lock-out, API tokens, invitations and password resets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from wijzer.db import saved_id
from wijzer.domain import ROLES
from wijzer.models import (
    ApiToken,
    Invitation,
    Jeugdregio,
    LoginSession,
    LoginThrottle,
    PasswordReset,
    Provider,
    User,
)
from wijzer.schemas import normalise_email
from wijzer.services import auditlog
from wijzer.services.catalogue import RuleError
from wijzer.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
TOKEN_USE_RESOLUTION = timedelta(minutes=5)  # how precisely "last used" of an API token is kept
# Lock-out per (e-mail address, client address): after MAX_FAILED_LOGINS wrong passwords from one client,
# that client is refused for LOCKOUT_MINUTES for that address, whether or not it has an account. The
# owner, from another address, is not locked out by a stranger.
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
THROTTLE_KEEP = timedelta(days=1)  # forgotten afterwards
LOGIN_SESSION_MAX_AGE = timedelta(days=30)  # a browser login lasts at most this long
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


def create_user(
    session: Session,
    *,
    email: str,
    password: str | None,
    role: str,
    name: str = "",
    provider_id: int | None = None,
    region_code: str | None = None,
    actor: str = "cli",
    user: User | None = None,
    provider_admin: bool = False,
) -> User:
    try:
        email = normalise_email(email)
    except ValueError as exc:
        raise RuleError(str(exc), "email") from None
    if role not in ROLES:
        raise RuleError(f"Onbekende rol '{role}'. Kies uit: {', '.join(ROLES)}.", "role")
    if role == "provider" and (provider_id is None or session.get(Provider, provider_id) is None):
        raise RuleError(
            "Een medewerker van een zorgaanbieder hoort bij een bestaande zorgaanbieder.", "provider"
        )
    if role in ("auditor", "region_admin") and (
        region_code is None or session.get(Jeugdregio, region_code) is None
    ):
        raise RuleError(f"Een {ROLES[role].lower()} hoort bij een bestaande jeugdregio.", "region")
    if role == "referrer" and region_code is not None and session.get(Jeugdregio, region_code) is None:
        raise RuleError(f"Onbekende jeugdregio '{region_code}'.", "region")
    if user_by_email(session, email) is not None:
        raise RuleError(f"Er is al een account voor {email}.", "email")
    if password is not None:
        check_password_policy(password, email)
    new = User(
        email=email,
        name=name,
        role=role,
        provider_id=provider_id if role == "provider" else None,
        region_code=region_code if role in ("auditor", "region_admin", "referrer") else None,
        provider_admin=bool(provider_admin) and role == "provider",
        password_hash=generate_password_hash(password, method=HASH_METHOD) if password else "",
    )
    session.add(new)
    session.flush()
    auditlog.record(
        session,
        action="create",
        entity="user",
        entity_id=new.id,
        user=user,
        actor=actor,
        detail={"email": email, "role": role, "provider_id": provider_id, "region_code": region_code},
    )
    return new


def set_password(
    session: Session, user: User, password: str, *, actor: User | None = None, keep_session: str | None = None
) -> None:
    """Set a new password; every session of the user ends except ``keep_session`` (the plain id of the
    session that made the change, if any)."""
    check_password_policy(password, user.email)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.session_version += 1  # ends every other session (their cookies carry the old version)
    session.add(user)
    end_login_sessions(session, user, keep=keep_session)
    auditlog.record(session, action="password", entity="user", entity_id=user.id, user=actor or user)


def _throttle_key(email: str, client: str) -> str:
    return sha256(f"{(email or '').strip().lower()}\n{client or ''}")


def _record_failure(
    session: Session, throttle: LoginThrottle | None, key: str, now: datetime, user: User | None
) -> None:
    if throttle is None:
        session.execute(delete(LoginThrottle).where(col(LoginThrottle.updated_at) < now - THROTTLE_KEEP))
        throttle = LoginThrottle(key_hash=key, updated_at=now)
        try:
            with session.begin_nested():
                session.add(throttle)
        except IntegrityError:  # a concurrent attempt created it
            throttle = session.exec(select(LoginThrottle).where(LoginThrottle.key_hash == key)).one()
    if throttle.locked_until is not None and throttle.locked_until <= now:
        throttle.failures, throttle.locked_until = 0, None  # an ended lock-out starts again from zero
    throttle.failures += 1
    throttle.updated_at = now
    if throttle.failures >= MAX_FAILED_LOGINS:
        throttle.failures, throttle.locked_until = 0, now + timedelta(minutes=LOCKOUT_MINUTES)
        if user is not None:
            auditlog.record(session, action="lockout", entity="user", entity_id=user.id, actor=user.email)
    session.add(throttle)


def authenticate(
    session: Session, email: str, password: str, client: str = ""
) -> tuple[User | None, str | None]:
    """(user, None) on success, else (None, reason) with reason 'invalid' or 'locked'.

    ``client`` is the client address. Failures count per (e-mail, client): unknown and known addresses,
    wrong password and lock-out take the same time and give the same answers, and a stranger's
    failures never lock the owner out from another address. Disabled accounts cannot log in.
    """
    now = utcnow()
    key = _throttle_key(email, client)
    throttle = session.exec(select(LoginThrottle).where(LoginThrottle.key_hash == key)).first()
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        check_password_hash(_DUMMY_HASH, password or "")
        return None, "locked"
    user = user_by_email(session, email or "")
    if user is None or not user.password_hash or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        _record_failure(session, throttle, key, now, user)
        return None, "invalid"
    if not check_password_hash(user.password_hash, password or ""):
        _record_failure(session, throttle, key, now, user)
        return None, "invalid"
    if throttle is not None:
        session.delete(throttle)
    user.last_login_at = now
    session.add(user)
    return user, None


# ---------------------------------------------------------------- login sessions (server side)
def start_login_session(session: Session, user: User) -> str:
    """A new server-side session for a browser login; returns the plain id the cookie carries."""
    now = utcnow()
    session.execute(
        delete(LoginSession).where(
            col(LoginSession.user_id) == user.id,
            (col(LoginSession.ended_at).is_not(None))
            | (LoginSession.created_at < now - LOGIN_SESSION_MAX_AGE),
        )
    )
    plain = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=saved_id(user), token_hash=sha256(plain), created_at=now))
    session.flush()
    return plain


def user_for_login_session(session: Session, user_id: int, version: int, plain: str | None) -> User | None:
    """The user of a live browser session: the session row exists and has not ended, the account is
    active and the password has not changed since (version)."""
    if not plain:
        return None
    row = session.exec(
        select(User, LoginSession.created_at)
        .join(LoginSession, col(LoginSession.user_id) == User.id)
        .where(
            User.id == user_id, LoginSession.token_hash == sha256(plain), col(LoginSession.ended_at).is_(None)
        )
    ).first()
    if row is None:
        return None
    user, created_at = row
    if not user.active or user.session_version != version or created_at < utcnow() - LOGIN_SESSION_MAX_AGE:
        return None
    return user


def end_login_session(session: Session, plain: str | None) -> None:
    """Logout: this session ends server-side (a copy of the cookie no longer works)."""
    if plain:
        session.execute(
            update(LoginSession)
            .where(col(LoginSession.token_hash) == sha256(plain), col(LoginSession.ended_at).is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def end_login_sessions(session: Session, user: User, *, keep: str | None = None) -> None:
    """End every browser session of ``user`` (except the one with plain id ``keep``)."""
    stmt = update(LoginSession).where(
        col(LoginSession.user_id) == user.id, col(LoginSession.ended_at).is_(None)
    )
    if keep:
        stmt = stmt.where(col(LoginSession.token_hash) != sha256(keep))
    session.execute(stmt.values(ended_at=utcnow()).execution_options(synchronize_session=False))


def set_user_disabled(session: Session, user: User, disabled: bool, by: User | None = None) -> None:
    """Disable (or enable again) an account. A disabled user cannot log in, every session ends at once
    and API tokens stop working (they work again after enabling; revoke them to end them for good)."""
    if disabled == (not user.active):
        return
    user.active = not disabled
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        user.session_version += 1
        end_login_sessions(session, user)
    session.add(user)
    auditlog.record(
        session,
        action="disable" if disabled else "enable",
        entity="user",
        entity_id=user.id,
        user=by,
        actor=None if by is not None else "system",
    )


def create_api_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns (token row, plain token). The plain token is shown once and stored only hashed."""
    plain = "wz_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=saved_id(user), name=name[:100], prefix=plain[:10], token_hash=sha256(plain))
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


def revoke_all_api_tokens(session: Session, user: User, *, actor: User | None = None) -> int:
    """Revoke every live API token of ``user``; returns how many."""
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
        auditlog.record(session, action="revoke", entity="api_token", entity_id=token.id, user=actor or user)
    return len(tokens)


def api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        ).all()
    )


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.add(token)
    auditlog.record(session, action="revoke", entity="api_token", entity_id=token.id, user=user)
    return True


def create_invitation(
    session: Session,
    *,
    email: str,
    role: str,
    provider_id: int | None = None,
    region_code: str | None = None,
    ttl_hours: int = 72,
    by: User | None = None,
    provider_admin: bool = False,
    kind: str = "invitation",
) -> tuple[Invitation, str]:
    try:
        email = normalise_email(email)
    except ValueError as exc:
        raise RuleError(str(exc), "email") from None
    if user_by_email(session, email) is not None:
        raise RuleError(f"Er is al een account voor {email}.", "email")
    if role not in ROLES:
        raise RuleError("Onbekende rol.", "role")
    plain = secrets.token_urlsafe(32)
    inv = Invitation(
        email=email,
        role=role,
        provider_id=provider_id,
        region_code=region_code,
        token_hash=sha256(plain),
        expires_at=utcnow() + timedelta(hours=ttl_hours),
        created_by=getattr(by, "id", None),
        provider_admin=bool(provider_admin) and role == "provider",
        kind=kind,
    )
    session.add(inv)
    session.flush()
    auditlog.record(
        session,
        action="invite",
        entity="invitation",
        entity_id=inv.id,
        user=by,
        actor=None if by is not None else (email if kind == "registration" else "cli"),
        detail={
            "email": email,
            "role": role,
            "provider_id": provider_id,
            "region_code": region_code,
            "provider_admin": bool(provider_admin),
            "kind": kind,
        },
    )
    return inv, plain


def invitation_for(session: Session, plain: str) -> Invitation | None:
    """The invitation if the token is valid, unused and not expired."""
    inv = session.exec(select(Invitation).where(Invitation.token_hash == sha256(plain or ""))).first()
    if inv is None or inv.used_at is not None or inv.expires_at < utcnow():
        return None
    return inv


def accept_invitation(session: Session, inv: Invitation, *, name: str, password: str) -> User:
    user = create_user(
        session,
        email=inv.email,
        password=password,
        role=inv.role,
        name=name,
        provider_id=inv.provider_id,
        region_code=inv.region_code,
        actor=inv.email,
        provider_admin=inv.provider_admin,
    )
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
    session.add(
        PasswordReset(user_id=saved_id(user), token_hash=sha256(plain), expires_at=utcnow() + RESET_TTL)
    )
    auditlog.record(session, action="reset_requested", entity="user", entity_id=user.id, actor=user.email)
    return user, plain


def password_reset_for(session: Session, plain: str) -> PasswordReset | None:
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == sha256(plain or ""))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def send_password_reset(session: Session, email: str) -> None:
    """'Wachtwoord vergeten': queue a reset mail when the address has an active account, else nothing.
    The caller answers the same either way. The link is built from BASE_URL, never from the request."""
    from wijzer.links import external_url
    from wijzer.services import mail

    found = request_password_reset(session, email)
    if found is not None:
        user, plain = found
        mail.queue(
            session,
            user.email,
            "password_reset",
            kind="password_reset",
            name=user.name,
            link=external_url("auth.reset_password", token=plain),
        )


def complete_password_reset(session: Session, reset: PasswordReset, password: str) -> tuple[User, int]:
    """Set the new password from a reset link. The link is used up, and so is every other open reset
    link of the user; every session ends and every API token is revoked (whoever could reset the
    password may have made them). Returns (user, number of revoked API tokens); the user gets a mail."""
    from wijzer.links import external_url
    from wijzer.services import mail

    user = session.get_one(User, reset.user_id)
    set_password(session, user, password)  # raises RuleError on a weak password; ends all sessions
    now = utcnow()
    session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    reset.used_at = now
    session.add(reset)
    revoked = revoke_all_api_tokens(session, user)
    mail.queue(
        session,
        user.email,
        "password_changed",
        kind="password_changed",
        name=user.name,
        email=user.email,
        revoked_tokens=revoked,
        login_link=external_url("auth.login"),
    )
    return user, revoked
