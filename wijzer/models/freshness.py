from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from wijzer.timeutil import utcnow


class Reminder(SQLModel, table=True):
    """One reminder (or escalation) per provider per kind per window. The unique key makes the
    reminder job idempotent: a rerun or a second scheduler cannot create or send it twice."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("provider_id", "kind", "window", name="uq_reminder_provider_kind_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    kind: str = Field(max_length=12)  # aging | stale | escalation
    window: str = Field(max_length=40)  # e.g. the last-confirmation date the reminder is about
    region_code: str | None = Field(default=None, max_length=4)
    offering_ids: str = Field(default="", max_length=4000)  # packed ids
    recipients: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    # A sender leases an unsent reminder before sending, so two schedulers never send the same one.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    # The one-click confirmation link in the e-mail is single-use.
    link_used_at: datetime | None = None


class FreshnessTransition(SQLModel, table=True):
    """An offering moved between fresh / aging / stale / unknown (recorded by the freshness job)."""

    __tablename__ = "freshness_transition"
    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    from_state: str = Field(max_length=10)
    to_state: str = Field(max_length=10)
    at: datetime = Field(default_factory=utcnow, index=True)


class JobRun(SQLModel, table=True):
    """One run of a scheduled job: what the operator view shows."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40, index=True)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    duration_ms: int | None = None
    status: str = Field(default="running", max_length=10)  # running | ok | failed | skipped
    detail: str | None = Field(default=None, max_length=4000)
    host: str = Field(default="", max_length=100)


class RegionSnapshot(SQLModel, table=True):
    """Nightly figures per jeugdregio × care type, for the audit trends."""

    __tablename__ = "region_snapshot"
    __table_args__ = (
        UniqueConstraint("region_code", "care_type", "taken_on", name="uq_region_snapshot_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="jeugdregio.code", max_length=4, index=True)
    care_type: str = Field(max_length=40)
    taken_on: date
    offerings: int = 0
    providers: int = 0
    free_places: int = 0
    median_wait_intake: float | None = None
    p90_wait_intake: float | None = None
    median_wait_treatment: float | None = None
    p90_wait_treatment: float | None = None
    share_over_norm_intake: float | None = None
    share_over_norm_treatment: float | None = None
    share_stale: float | None = None
    occupancy: float | None = None
    no_place_reports: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}
    )  # in the ISO week so far
    created_at: datetime = Field(default_factory=utcnow)


class TrendWeek(SQLModel, table=True):
    """A complete past ISO week's trend figures of one region, kept so a year of trends is not rebuilt from
    the report history on every request (``services/trends.py``: ``cached_weeks``).

    A row is used only while it still matches what it was computed from: ``inputs`` fingerprints the
    region's offerings (id, care type, active, created), the thresholds and the care types; ``last_report_id`` is the
    newest report id at the time, so a report made later but dated before the week's end (a back-dated
    report) shows the week is out of date; and a row older than a day is computed anew."""

    __tablename__ = "trend_week"
    __table_args__ = (UniqueConstraint("region_code", "basis", "monday", name="uq_trend_week_key"),)

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(max_length=4)
    basis: str = Field(max_length=10)  # location | contract
    monday: date
    inputs: str = Field(max_length=64)
    last_report_id: int = 0
    computed_at: datetime
    figures: str  # JSON: {care type: figures}
