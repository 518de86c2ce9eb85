from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class NoPlaceReport(SQLModel, table=True):
    """'Gebeld: geen plek' — a logged-in referrer called and found no place, against what the
    finder showed. Shown to the provider in its portal and counted in the region audit.
    Holds no data about the child or family."""

    __tablename__ = "no_place_report"
    __table_args__ = (Index("ix_no_place_report_offering_at", "offering_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id")
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    at: datetime = Field(default_factory=utcnow)
    region_code: str = Field(max_length=4, index=True)  # of the offering's location, at report time
    seen_by_provider_at: datetime | None = None
