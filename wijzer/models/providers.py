from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, select
from sqlmodel import Field, SQLModel

from wijzer import hsds_ids
from wijzer.db import table_of
from wijzer.domain import unpack
from wijzer.timeutil import utcnow


def _provider_hsds_id(context) -> str:
    return hsds_ids.provider_id(context.get_current_parameters()["kvk"])


def _offering_keys(context) -> tuple[str, str, str]:
    """(kvk, offering_ref, location name) of the offering being inserted; one query per provider/location
    pair and statement (a bulk insert of many offerings at a few locations asks a few times)."""
    params = context.get_current_parameters()
    cache = context.__dict__.setdefault("_wijzer_hsds_keys", {})
    key = (params["provider_id"], params["location_id"])
    if key not in cache:
        provider, location = table_of(Provider).c, table_of(Location).c
        cache[key] = context.connection.execute(
            select(
                select(provider.kvk).where(provider.id == key[0]).scalar_subquery(),
                select(location.name).where(location.id == key[1]).scalar_subquery(),
            )
        ).one()
    kvk, location_name = cache[key]
    return kvk, params["offering_ref"], location_name


def _service_hsds_id(context) -> str:
    kvk, ref, _ = _offering_keys(context)
    return hsds_ids.service_id(kvk, ref)


def _service_at_location_hsds_id(context) -> str:
    return hsds_ids.service_at_location_id(*_offering_keys(context))


class Provider(SQLModel, table=True):
    __tablename__ = "provider"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kvk: str = Field(max_length=8, unique=True)
    agb: str | None = Field(default=None, max_length=8)
    website: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    # Persistent HSDS organization id (wijzer.hsds_ids), set when the row is created (column default).
    hsds_id: str | None = Field(
        default=None, max_length=36, unique=True, index=True, sa_column_kwargs={"default": _provider_hsds_id}
    )
    # Bumped by every edit of the provider's details; an edit form carries the version it was based on.
    row_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Location(SQLModel, table=True):
    __tablename__ = "location"
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str = Field(max_length=200)
    street: str | None = Field(default=None, max_length=200)
    house_number: str | None = Field(default=None, max_length=20)
    postcode: str = Field(max_length=7)  # normalised '3511AB' or '3511'
    city: str | None = Field(default=None, max_length=120)
    lat: float
    lon: float
    municipality_code: str = Field(foreign_key="gemeente.code", index=True, max_length=6)
    region_code: str = Field(foreign_key="jeugdregio.code", index=True, max_length=4)
    row_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Offering(SQLModel, table=True):
    """An offering (aanbod) of one care type at one location.

    The ``cur_*`` columns and ``last_*`` timestamps are the current state, kept in step with the
    append-only ``capacity_report`` history by ``services.availability.record_report`` so that
    reading the current state never scans the history. ``lat``/``lon``/``region_code``/
    ``municipality_code`` are copied from the location for the indexed bounding-box search.
    """

    __tablename__ = "offering"
    __table_args__ = (
        UniqueConstraint("provider_id", "offering_ref", name="uq_offering_provider_ref"),
        Index("ix_offering_type_lat_lon", "care_type", "lat", "lon"),
        Index("ix_offering_lat_lon", "lat", "lon"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    offering_ref: str = Field(max_length=64)
    name: str | None = Field(default=None, max_length=200)
    care_type: str = Field(max_length=40, index=True)
    tags: str = Field(default="", max_length=400)  # packed '|a|b|'
    min_age: int = 0
    max_age: int = 18
    modalities: str = Field(default="", max_length=200)  # packed
    funding: str = Field(default="", max_length=40)  # packed
    contract_regions: str = Field(default="", max_length=400)  # packed jeugdregio codes
    category: str | None = Field(default=None, max_length=2)  # iJw JZ020
    description: str | None = Field(default=None, max_length=4000)
    crisis_intake: bool = False
    active: bool = True
    # Persistent HSDS service and service_at_location ids (wijzer.hsds_ids), set when the row is created.
    hsds_id: str | None = Field(
        default=None, max_length=36, unique=True, index=True, sa_column_kwargs={"default": _service_hsds_id}
    )
    hsds_sal_id: str | None = Field(
        default=None,
        max_length=36,
        unique=True,
        index=True,
        sa_column_kwargs={"default": _service_at_location_hsds_id},
    )
    # Denormalised from location (kept in step by services.providers).
    lat: float
    lon: float
    municipality_code: str = Field(max_length=6, index=True)
    region_code: str = Field(max_length=4, index=True)
    # Current state (from the latest capacity report).
    cur_free_places: int | None = None
    cur_total_places: int | None = None
    cur_wait_intake: int | None = None
    cur_wait_treatment: int | None = None
    cur_waitlist_length: int | None = None
    cur_intake_status: str | None = Field(default=None, max_length=20)
    cur_status_until: date | None = None
    cur_next_free_date: date | None = None
    cur_note: str | None = Field(default=None, max_length=500)
    last_reported_at: datetime | None = None
    last_confirmed_at: datetime | None = Field(default=None, index=True)
    last_report_id: int | None = None
    # Bumped whenever the current capacity values change (not by a mere confirmation): a weekly form
    # row carries the version it was based on, so a stale form never overwrites a colleague's update.
    capacity_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Bumped by every edit of the offering's description (offering form, import).
    row_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set when a temporary status expired or data must be re-entered.
    needs_update: bool = False
    # Recorded by the freshness job: fresh | aging | stale | unknown.
    freshness: str = Field(default="unknown", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def tag_list(self) -> list[str]:
        return unpack(self.tags)

    @property
    def modality_list(self) -> list[str]:
        return unpack(self.modalities)

    @property
    def funding_list(self) -> list[str]:
        return unpack(self.funding)

    @property
    def contract_region_list(self) -> list[str]:
        return unpack(self.contract_regions)
