"""Plaatsingsverzoek: a referrer asks 1–3 offerings at once whether they can take a child.

No personal data of the child or family: age, target-group tags, the care need, the family's gemeente
(not the postcode), the wanted start and the referrer's own reference code. The free-text note is screened
(``services.placement.screen_note``). Ninety days after a request closes, the retention job clears
everything that could be linked to a child (note, reference, age, tags, the referrer) and keeps only what
the anonymous region figures need.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class PlacementRequest(SQLModel, table=True):
    __tablename__ = "placement_request"
    __table_args__ = (Index("ix_placement_request_region_created", "region_code", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    referrer_id: int | None = Field(
        default=None, foreign_key="app_user.id", index=True
    )  # None once anonymised
    age: int | None = None
    tags: str = Field(default="", max_length=400)  # packed '|a|b|'
    care_type: str = Field(max_length=40)
    modality: str | None = Field(default=None, max_length=20)
    municipality_code: str = Field(foreign_key="gemeente.code", max_length=6)
    region_code: str = Field(max_length=4)  # the family's jeugdregio (from the gemeente)
    start_from: date | None = None
    start_to: date | None = None
    note: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=64)
    # Set when any item was ever accepted (kept after anonymisation: "requests without any acceptance").
    ever_accepted: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the last item reaches a final status; the retention clock starts here.
    closed_at: datetime | None = Field(default=None, index=True)
    anonymised_at: datetime | None = None


class PlacementItem(SQLModel, table=True):
    """One offering asked within a request. ``status`` moves only through ``services.placement``:

    open -> accepted | declined | countered | expired | withdrawn
    countered -> accepted | withdrawn | expired
    accepted -> confirmed | released | withdrawn
    """

    __tablename__ = "placement_item"
    __table_args__ = (
        Index("ix_placement_item_status_offering", "status", "offering_id"),
        Index("ix_placement_item_provider_status", "provider_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="placement_request.id", index=True)
    offering_id: int = Field(foreign_key="offering.id")
    provider_id: int = Field(foreign_key="provider.id")
    status: str = Field(default="open", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    answer_due_at: datetime  # 2 working days after the request
    remind_at: datetime  # 1 working day after the request
    reminded_at: datetime | None = None
    answered_at: datetime | None = None  # first answer (accept, decline or counter)
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    hold_until: date | None = None  # last day the place is held (accepted)
    decline_reason: str | None = Field(default=None, max_length=20)
    earliest_start: date | None = None  # counter
    counter_due_at: datetime | None = None  # a counter not followed up by then expires
    closed_at: datetime | None = None
    close_reason: str | None = Field(default=None, max_length=20)  # e.g. released: referrer | hold_expired
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
