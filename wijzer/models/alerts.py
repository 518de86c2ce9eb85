"""Saved searches that e-mail a referrer when an offering matching them becomes a place now.

An alert keeps only the search filters (never anything about a child or family) and its owner.
``alert_mail`` has one row per alert × kind × run window under a unique key, so a rerun or a second
scheduler cannot create the same mail twice; a sender leases a row before sending it.
``alert_place_state`` holds, per offering that is a place now, since when (the alerts job keeps it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class Alert(SQLModel, table=True):
    __tablename__ = "alert"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    filters: str = Field(max_length=2000)  # the search parameters as a query string (no paging)
    label: str = Field(
        default="", max_length=400
    )  # one-line summary, e.g. 'Logeeropvang · 9 jaar · 3431 · 25 km'
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    paused: bool = False
    ended_at: datetime | None = None  # unsubscribed or expired
    # Offerings that became a place now after this moment are news for the alert.
    checked_until: datetime = Field(default_factory=utcnow)
    expiry_warned_at: datetime | None = None


class AlertMail(SQLModel, table=True):
    __tablename__ = "alert_mail"
    __table_args__ = (UniqueConstraint("alert_id", "kind", "window", name="uq_alert_mail_alert_kind_window"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    kind: str = Field(max_length=10)  # places | expiry
    window: str = Field(max_length=40)
    offering_ids: str = Field(default="", max_length=4000)  # packed ids
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None


class AlertPlaceState(SQLModel, table=True):
    __tablename__ = "alert_place_state"
    offering_id: int = Field(
        foreign_key="offering.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    since: datetime = Field(index=True)
