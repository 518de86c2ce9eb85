"""Time helpers. All datetimes are timezone-aware UTC (SQLModel's UTCDateTime); shown in Europe/Amsterdam."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import overload
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    """Aware UTC now (the storage convention)."""
    return datetime.now(UTC)


def today_local() -> date:
    return datetime.now(AMS).date()


@overload
def as_utc(dt: datetime) -> datetime: ...
@overload
def as_utc(dt: None) -> None: ...
@overload
def as_utc(dt: datetime | None) -> datetime | None: ...
def as_utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def to_utc(dt: datetime, naive_tz: tzinfo = AMS) -> datetime:
    """Aware UTC; a naive value is read as Dutch local time (what a spreadsheet user means)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=naive_tz)
    return dt.astimezone(UTC)


@overload
def iso(dt: datetime) -> str: ...
@overload
def iso(dt: None) -> None: ...
@overload
def iso(dt: datetime | None) -> str | None: ...
def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with timezone (UTC) for the API."""
    value = as_utc(dt)
    return value.isoformat() if value else None


@overload
def local(dt: datetime) -> datetime: ...
@overload
def local(dt: None) -> None: ...
@overload
def local(dt: datetime | None) -> datetime | None: ...
def local(dt: datetime | None) -> datetime | None:
    value = as_utc(dt)
    return value.astimezone(AMS) if value else None


def ago_nl(dt: datetime | None, now: datetime | None = None) -> str:
    """'3 dagen geleden' style text in Dutch."""
    if dt is None:
        return "nooit"
    now = now or utcnow()
    seconds = max(0, int((now - dt).total_seconds()))
    if seconds < 3600:
        minutes = seconds // 60
        return "zojuist" if minutes < 2 else f"{minutes} minuten geleden"
    hours = seconds // 3600
    if hours < 24:
        return "1 uur geleden" if hours == 1 else f"{hours} uur geleden"
    days = hours // 24
    if days < 14:
        return "1 dag geleden" if days == 1 else f"{days} dagen geleden"
    weeks = days // 7
    if days < 60:
        return f"{weeks} weken geleden"
    months = days // 30
    return f"{months} maanden geleden"
