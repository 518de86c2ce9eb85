from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class CapacityReport(SQLModel, table=True):
    """Append-only history of what a provider reported about one offering.

    ``kind`` is ``update`` (values entered or changed) or ``confirm`` ("Alles klopt nog": the
    previous values are still correct). Every report confirms the offering as of ``reported_at``.
    """

    __tablename__ = "capacity_report"
    __table_args__ = (Index("ix_capacity_report_offering_at", "offering_id", "reported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id")
    reported_at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=10)  # update | confirm
    source: str = Field(max_length=12)  # portal | import | api | email_link
    free_places: int | None = None
    total_places: int | None = None  # optional; occupancy = 1 - free/total
    wait_intake: int | None = None
    wait_treatment: int | None = None
    waitlist_length: int | None = None
    intake_status: str | None = Field(default=None, max_length=20)
    status_until: date | None = None
    next_free_date: date | None = None
    note: str | None = Field(default=None, max_length=500)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
