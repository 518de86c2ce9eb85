from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class OutboxMail(SQLModel, table=True):
    """Every e-mail the app sends or would send. Without an SMTP server configured this table (and the
    log) is where mail goes; with one, it records what was delivered or why delivery failed."""

    __tablename__ = "outbox_mail"
    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(max_length=2000)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20000)
    kind: str = Field(default="", max_length=40)  # invitation | reminder | escalation | ...
    status: str = Field(default="outbox", max_length=10)  # outbox | sent | failed
    error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
