"""Providers, locations and offerings: create and update with the shared rules and an audit trail.

Used by the portal, the importers, the API and the demo seeder alike. Changing descriptive fields
never confirms capacity (see services.availability).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from wijzer.db import saved_id
from wijzer.domain import pack
from wijzer.geo import PostcodeError, lookup_postcode
from wijzer.models import AuditLog, Location, Offering, Provider
from wijzer.schemas import LocationInput, OfferingInput, ProviderInput
from wijzer.services import auditlog
from wijzer.timeutil import local, utcnow


class RuleError(ValueError):
    """A rule that needs the database was broken; ``field`` names the input field."""

    def __init__(self, message: str, field: str = "__all__") -> None:
        super().__init__(message)
        self.field = field


class StaleEdit(RuleError):
    """The form was based on an older version of the object: someone saved it in the meantime.
    Nothing was written; ``by``/``at`` say who changed it last and when."""

    def __init__(self, by: str | None, at: datetime | None) -> None:
        when = f" op {local(at):%d-%m-%Y om %H:%M}" if at else ""
        super().__init__(
            f"Dit is inmiddels gewijzigd door {by or 'iemand anders'}{when}. Uw wijzigingen zijn niet "
            "opgeslagen; hieronder staan de nieuwe gegevens. Voer uw wijziging opnieuw in."
        )
        self.by, self.at = by, at


def last_editor(session: Session, entity: str, entity_id: int) -> tuple[str | None, datetime | None]:
    entry = session.exec(
        select(AuditLog)
        .where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .limit(1)
    ).first()
    return (entry.actor, entry.at) if entry else (None, None)


def _claim(session: Session, obj: Provider | Location | Offering, entity: str, expected: int | None) -> None:
    """Compare-and-set on the object's row version: raise StaleEdit when the form was based on an older
    version, and bump the version otherwise (the conditional UPDATE also holds the row until commit)."""
    model = type(obj)
    if expected is None:
        expected = obj.row_version
    result = session.exec(
        sa_update(model)
        .where(col(model.id) == obj.id, col(model.row_version) == expected)
        .values(row_version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(obj)
        raise StaleEdit(*last_editor(session, entity, saved_id(obj)))
    obj.row_version = expected + 1


def _changes(obj: Provider | Location | Offering, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [getattr(obj, k), v] for k, v in values.items() if getattr(obj, k) != v}


def provider_by_kvk(session: Session, kvk: str) -> Provider | None:
    return session.exec(select(Provider).where(Provider.kvk == kvk)).first()


def save_provider(
    session: Session,
    data: ProviderInput,
    provider: Provider | None = None,
    *,
    user: object = None,
    actor: str | None = None,
    expected_version: int | None = None,
    may_change_kvk: bool = True,
) -> Provider:
    """Create or update a provider. The KvK number is the key of imports, the API and HSDS ids: only an
    admin changes it (``may_change_kvk``), and the change is in the audit log like every other."""
    values = data.model_dump()
    if provider is not None and not may_change_kvk and data.kvk != provider.kvk:
        raise RuleError(
            "Het KvK-nummer kunt u niet zelf wijzigen; het is de sleutel van uw gegevens. "
            "Vraag de beheerder om het te wijzigen.",
            "kvk",
        )
    other = provider_by_kvk(session, data.kvk)
    if other is not None and (provider is None or other.id != provider.id):
        raise RuleError(f"Er is al een zorgaanbieder met KvK-nummer {data.kvk}.", "kvk")
    if provider is None:
        provider = Provider(**values)
        session.add(provider)
        session.flush()
        auditlog.record(
            session,
            action="create",
            entity="provider",
            entity_id=provider.id,
            user=user,
            actor=actor,
            detail=values,
        )
        return provider
    changes = _changes(provider, values)
    if changes or expected_version is not None:
        _claim(session, provider, "provider", expected_version)
    if changes:
        for k, v in values.items():
            setattr(provider, k, v)
        provider.updated_at = utcnow()
        session.add(provider)
        auditlog.record(
            session,
            action="update",
            entity="provider",
            entity_id=provider.id,
            user=user,
            actor=actor,
            detail=changes,
        )
    return provider


def _geo_values(postcode: str) -> dict[str, Any]:
    try:
        point = lookup_postcode(postcode)
    except PostcodeError as exc:
        raise RuleError(str(exc), "postcode") from None
    return {
        "lat": point.lat,
        "lon": point.lon,
        "municipality_code": point.municipality_code,
        "region_code": point.region_code,
    }


def save_location(
    session: Session,
    provider: Provider,
    data: LocationInput,
    location: Location | None = None,
    *,
    user: object = None,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Location:
    values = data.model_dump() | _geo_values(data.postcode)
    if data.city is None:
        values["city"] = lookup_postcode(data.postcode).place
    if location is None:
        location = Location(provider_id=saved_id(provider), **values)
        session.add(location)
        session.flush()
        auditlog.record(
            session,
            action="create",
            entity="location",
            entity_id=location.id,
            user=user,
            actor=actor,
            detail=values,
        )
        return location
    if location.provider_id != provider.id:
        raise RuleError("Deze locatie hoort niet bij deze zorgaanbieder.")
    changes = _changes(location, values)
    if changes or expected_version is not None:
        _claim(session, location, "location", expected_version)
    if changes:
        for k, v in values.items():
            setattr(location, k, v)
        location.updated_at = utcnow()
        session.add(location)
        _copy_location_to_offerings(session, location)
        auditlog.record(
            session,
            action="update",
            entity="location",
            entity_id=location.id,
            user=user,
            actor=actor,
            detail=changes,
        )
    return location


def _copy_location_to_offerings(session: Session, location: Location) -> None:
    move_offerings(session, {saved_id(location): location})


def move_offerings(session: Session, locations: dict[int, Location | dict[str, Any]]) -> None:
    """Copy each location's coordinates and areas to ALL its offerings (the search reads them from the
    offering), whatever path moved the location: form, file import or API."""
    for location_id, loc in locations.items():
        get = loc.get if isinstance(loc, dict) else lambda k, _loc=loc: getattr(_loc, k)
        session.exec(
            sa_update(Offering)
            .where(col(Offering.location_id) == location_id)
            .values(
                lat=get("lat"),
                lon=get("lon"),
                municipality_code=get("municipality_code"),
                region_code=get("region_code"),
            )
            .execution_options(synchronize_session="fetch")
        )


def offering_values(data: OfferingInput) -> dict[str, Any]:
    values = data.model_dump()
    for key in ("tags", "modalities", "funding", "contract_regions"):
        values[key] = pack(values[key])
    return values


def save_offering(
    session: Session,
    provider: Provider,
    location: Location,
    data: OfferingInput,
    offering: Offering | None = None,
    *,
    user: object = None,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Offering:
    if location.provider_id != provider.id:
        raise RuleError("Deze locatie hoort niet bij deze zorgaanbieder.", "location_id")
    values = offering_values(data) | {
        "location_id": location.id,
        "lat": location.lat,
        "lon": location.lon,
        "municipality_code": location.municipality_code,
        "region_code": location.region_code,
    }
    clash = session.exec(
        select(Offering).where(
            Offering.provider_id == provider.id, Offering.offering_ref == data.offering_ref
        )
    ).first()
    if clash is not None and (offering is None or clash.id != offering.id):
        raise RuleError(f"Er is al een aanbod met kenmerk '{data.offering_ref}'.", "offering_ref")
    if offering is None:
        offering = Offering(provider_id=provider.id, **values)
        session.add(offering)
        session.flush()
        auditlog.record(
            session,
            action="create",
            entity="offering",
            entity_id=offering.id,
            user=user,
            actor=actor,
            detail=values,
        )
        return offering
    if offering.provider_id != provider.id:
        raise RuleError("Dit aanbod hoort niet bij deze zorgaanbieder.")
    changes = _changes(offering, values)
    if changes or expected_version is not None:
        _claim(session, offering, "offering", expected_version)
    if changes:
        for k, v in values.items():
            setattr(offering, k, v)
        offering.updated_at = utcnow()
        session.add(offering)
        auditlog.record(
            session,
            action="update",
            entity="offering",
            entity_id=offering.id,
            user=user,
            actor=actor,
            detail=changes,
        )
    return offering


def set_active(
    session: Session, offering: Offering, active: bool, *, user: object = None, actor: str | None = None
) -> bool:
    """Put the offering in the wanted state (idempotent: a second click, or a page loaded before a
    colleague's change, changes nothing). Returns whether anything changed."""
    if offering.active == active:
        return False
    offering.active = active
    offering.updated_at = utcnow()
    session.add(offering)
    auditlog.record(
        session,
        action="activate" if active else "deactivate",
        entity="offering",
        entity_id=offering.id,
        user=user,
        actor=actor,
    )
    return True
