from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class User(SQLModel, table=True):
    """A professional's account. Holds only a work e-mail address and a name."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(default="", max_length=256)
    role: str = Field(max_length=20)  # admin | provider | referrer | auditor | region_admin
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    # The jeugdregio of an auditor, a regiobeheerder (region_admin) or a referrer (may be empty).
    region_code: str | None = Field(default=None, foreign_key="jeugdregio.code", max_length=4)
    # Provider staff only: may invite and remove colleagues of the same provider.
    provider_admin: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    active: bool = True  # False while disabled (see accounts.set_user_disabled)
    disabled_at: datetime | None = None
    # Bumped on password change, reset and disabling so that every existing session ends.
    session_version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(default="", max_length=100)
    prefix: str = Field(max_length=12)  # first characters, to recognise a token in the list
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    provider_admin: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # invitation (sent by someone) | registration (self-registration of a referrer, e-mail verification)
    kind: str = Field(default="invitation", max_length=12, sa_column_kwargs={"server_default": "invitation"})
    region_code: str | None = Field(default=None, foreign_key="jeugdregio.code", max_length=4)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    """A single-use, expiring link to choose a new password (only the token's hash is stored)."""

    __tablename__ = "password_reset"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """One browser login. The cookie carries a random id whose hash is stored here; logout, a password
    reset or disabling the account ends the row, so a copied cookie stops working server-side."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the id in the cookie
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed logins per (e-mail address, client address), hashed together: the lock-out of one client
    never locks the owner out from elsewhere, and unknown addresses are counted exactly like known ones."""

    __tablename__ = "login_throttle"
    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)  # sha256 of e-mail + client address
    failures: int = 0
    locked_until: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow, index=True)
