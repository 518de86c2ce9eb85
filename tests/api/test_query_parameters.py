"""Query strings of the JSON API are read by the model that documents them (``wijzer.api.query``): an unknown or
invalid parameter is a 400 that names it, never silently ignored. Before, ``POST /api/v1/capacity?dry_run=tru``
(a typo for a dry run) and ``?dryrun=1`` stored the records."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from wijzer.api.openapi import openapi_document
from wijzer.models import CapacityReport
from wijzer.pagination import MAX_ID
from wijzer.services import accounts

RECORD = {"kvk": "11111111", "offering_ref": "A-1", "free_places": 2, "intake_status": "open"}


@pytest.fixture
def provider_headers(
    session: Any, make_provider: Any, make_location: Any, make_offering: Any, make_user: Any
):
    p = make_provider(kvk="11111111")
    make_offering(p, make_location(p), ref="A-1")
    _, plain = accounts.create_api_token(session, make_user("provider", provider=p), "test")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _reports(session: Any) -> int:
    session.expire_all()
    return len(session.exec(select(CapacityReport)).all())


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("?dry_run=tru", "invalid_parameter", "dry_run"),
        ("?dry_run=misschien", "invalid_parameter", "dry_run"),
        ("?dry_run=", "invalid_parameter", "dry_run"),
        ("?dryrun=1", "unknown_parameter", "dryrun"),
        ("?dry_run=true&test=1", "unknown_parameter", "test"),
    ],
)
def test_a_misspelt_or_invalid_dry_run_stores_nothing(client, session, provider_headers, query, code, field):
    before = _reports(session)
    r = client.post("/api/v1/capacity" + query, json={"records": [RECORD]}, headers=provider_headers)
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]  # Dutch, names what is wrong
    assert _reports(session) == before


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("?dry_run=true", 0),
        ("?dry_run=ja", 0),
        ("?dry_run=1", 0),
        ("?dry_run=false", 1),
        ("?dry_run=nee", 1),
        ("", 1),
    ],
)
def test_dry_run_values_that_were_accepted_still_are(client, session, provider_headers, query, stored):
    before = _reports(session)
    r = client.post("/api/v1/capacity" + query, json={"records": [RECORD]}, headers=provider_headers)
    assert r.status_code == 200, r.get_json()
    assert _reports(session) == before + stored


@pytest.mark.parametrize(
    ("query", "code", "field", "message"),
    [
        ("?limit=0", "invalid_parameter", "limit", "limit ligt tussen 1 en 100."),
        ("?limit=101", "invalid_parameter", "limit", "limit ligt tussen 1 en 100."),
        ("?limit=abc", "invalid_parameter", "limit", None),
        ("?offset=-1", "invalid_parameter", "offset", "offset ligt tussen 0 en 100000."),
        ("?status=bogus", "invalid_parameter", "status", None),
        ("?sort=id", "unknown_parameter", "sort", "Onbekende parameter: sort."),
    ],
)
def test_request_list_parameters_are_checked(client, session, make_user, query, code, field, message):
    _, plain = accounts.create_api_token(session, make_user("referrer"), "test")
    session.commit()
    r = client.get("/api/v1/requests" + query, headers={"Authorization": f"Bearer {plain}"})
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    if message:
        assert error["message"] == message
    ok = client.get(
        "/api/v1/requests?status=open&limit=100&offset=0", headers={"Authorization": f"Bearer {plain}"}
    )
    assert ok.status_code == 200 and ok.get_json() == {"total": 0, "requests": []}


def test_documented_parameters_are_the_validated_ones(app):
    doc = openapi_document()
    listing = {p["name"]: p for p in doc["paths"]["/api/v1/requests"]["get"]["parameters"]}
    assert {"minimum": 1, "maximum": 100, "default": 50}.items() <= listing["limit"]["schema"].items()
    assert listing["offset"]["schema"]["maximum"] == 100_000
    assert "open" in listing["status"]["schema"]["enum"]
    capacity = doc["paths"]["/api/v1/capacity"]["post"]["parameters"]
    assert [(p["name"], p["schema"]["type"], p["schema"]["default"]) for p in capacity] == [
        ("dry_run", "boolean", False)
    ]
    ids = [
        p
        for item in doc["paths"].values()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["in"] == "path" and p["name"].endswith("_id")
    ]
    assert ids and all(p["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_ID} for p in ids)
