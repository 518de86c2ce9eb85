from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class AuditLog(SQLModel, table=True):
    """Who changed what, when. Written by services.auditlog.record in the same transaction."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str = Field(default="", max_length=100)  # e-mail, 'cli', 'import', 'job:NAME'
    action: str = Field(max_length=40)  # create | update | delete | confirm | import | login ...
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, max_length=4000)  # JSON text
