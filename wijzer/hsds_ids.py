"""Persistent Open Referral HSDS identifiers: UUIDv5 values derived from KvK numbers and references.

An identifier is derived once, when the row is created (a column default on provider and offering, so every
insert path — portal, importers, bulk inserts, demo data — gets one), stored, and then kept: renaming a
location or correcting a reference does not change the identifiers that consumers already hold. The stored
column is what ``/hsds/services/{id}`` and ``/hsds/organizations/{id}`` look up by key.
"""

from __future__ import annotations

import uuid

NS = uuid.UUID("6f1d6c1e-5d4b-4e0a-9a51-9a3c5e2b7a10")


def uid(*parts: object) -> str:
    return str(uuid.uuid5(NS, ":".join(str(p) for p in parts)))


def provider_id(kvk: str) -> str:
    return uid("provider", kvk)


def location_id(kvk: str, location_name: str) -> str:
    return uid("location", kvk, location_name)


def service_id(kvk: str, offering_ref: str) -> str:
    return uid("offering", kvk, offering_ref)


def service_at_location_id(kvk: str, offering_ref: str, location_name: str) -> str:
    return uid("sal", service_id(kvk, offering_ref), location_id(kvk, location_name))
