from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class OutboxMail(SQLModel, table=True):
    """Every e-mail the app sends or would send, queued in the caller's transaction and sent after the
    commit by ``wijzer.services.mail`` (lease, retries with back-off, unique key). Without an SMTP server
    configured, mail stays here (status ``outbox``). After delivery the links in ``body``/``html`` are
    replaced, so a delivered row keeps no live token."""

    __tablename__ = "outbox_mail"
    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(max_length=2000)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20000)
    html: str | None = Field(default=None, max_length=60000)
    kind: str = Field(default="", max_length=40)  # invitation | reminder | escalation | ...
    # A caller's idempotency key (e.g. "reminder:12"): the same key is queued only once.
    key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default="outbox", max_length=10, index=True)  # outbox | sent | failed
    error: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
