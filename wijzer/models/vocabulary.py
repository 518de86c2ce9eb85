from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class VocabularyTerm(SQLModel, table=True):
    """A term of an extendable vocabulary (zorgsoort, doelgroep, vorm, financiering); see
    ``wijzer.services.vocabulary``. Seeded from ``wijzer.domain`` by ``flask setup``; admins add terms."""

    __tablename__ = "vocabulary_term"
    __table_args__ = (UniqueConstraint("vocabulary", "code", name="uq_vocabulary_term_vocabulary_code"),)

    id: int | None = Field(default=None, primary_key=True)
    vocabulary: str = Field(max_length=20)
    code: str = Field(max_length=30)
    label: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
