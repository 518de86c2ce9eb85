"""The OpenAPI document's components come from the pydantic models, with their bounds, and the document holds.

Checked: the generated components and their bounds, every ``$ref`` resolves, the document validates against
the OpenAPI 3.1 description (the copy schemathesis ships), real responses of the capacity endpoint match
their documented schemas, and a value outside a bound still gets its Dutch message in the API and in an
import (the bound is declared once, on the model).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from wijzer import domain
from wijzer.api.openapi import openapi_document, query_parameters
from wijzer.schemas import CapacityInput, CapacityRecord, SearchFilters, validate
from wijzer.services import accounts


@pytest.fixture
def doc(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


def _branch(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null alternative of a nullable property."""
    if "anyOf" not in prop:
        return prop
    (branch,) = [a for a in prop["anyOf"] if a != {"type": "null"}]
    return branch


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_components_are_generated_from_the_models_with_their_bounds(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name in (
        "CapacityRecord",
        "CapacityResult",
        "Error",
        "PlacementRequestInput",
        "PlacementAnswerInput",
    ):
        assert name in schemas
    record = schemas["CapacityRecord"]["properties"]
    assert _branch(record["free_places"]) == {"type": "integer", "minimum": 0, "maximum": domain.MAX_PLACES}
    assert _branch(record["total_places"])["maximum"] == domain.MAX_PLACES
    for column in ("waiting_weeks_intake", "waiting_weeks_treatment"):
        assert _branch(record[column]) == {"type": "integer", "minimum": 0, "maximum": domain.MAX_WAIT_WEEKS}
    assert _branch(record["waitlist_length"])["maximum"] == domain.MAX_WAITLIST
    assert record["intake_status"]["enum"] == [*domain.INTAKE_STATUSES, None]  # null: unknown
    assert _branch(record["note"])["maxLength"] == 500
    assert schemas["CapacityRecord"]["additionalProperties"] is False
    assert set(schemas["CapacityRecord"]["required"]) == {"kvk", "offering_ref"}

    request = schemas["PlacementRequestInput"]["properties"]
    assert request["age"] == {"type": "integer", "minimum": 0, "maximum": 27, "title": "Age"}
    assert (request["offering_ids"]["minItems"], request["offering_ids"]["maxItems"]) == (1, 3)
    assert request["offering_ids"]["items"]["exclusiveMinimum"] == 0
    assert schemas["PlacementAnswerInput"]["properties"]["answer"]["enum"] == ["accept", "decline", "counter"]
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message", "field"}

    alert = schemas["AlertFilters"]
    assert "limit" not in alert["properties"] and alert["additionalProperties"] is False
    assert _branch(alert["properties"]["age"])["maximum"] == domain.MAX_AGE


def test_search_parameters_are_the_search_filters(doc: dict[str, Any]) -> None:
    params = {p["name"]: p for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert set(params) == set(SearchFilters.model_fields)
    assert params["radius_km"]["schema"] == {"type": "number", "minimum": 1, "maximum": 250, "default": 25}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert params["max_wait_weeks"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 260}
    assert params["region"]["schema"]["pattern"] == r"^JZ\d{2}$"
    assert params["care_type"]["schema"]["enum"] == list(domain.CARE_TYPES)
    assert params["tags"]["schema"]["type"] == "array" and params["tags"]["explode"] is False
    assert all(not p["required"] and "null" not in str(p["schema"]) for p in params.values())
    assert [p["name"] for p in query_parameters(SearchFilters, exclude=("sort",))].count("sort") == 0


def test_capacity_record_has_the_importer_columns() -> None:
    from importers.capacity import COLUMNS

    assert list(CapacityRecord.model_fields) == ["kvk", "offering_ref", *COLUMNS[2:]]
    assert set(COLUMNS) == set(CapacityRecord.model_fields)


def test_every_ref_resolves_and_nothing_is_left_in_defs(doc: dict[str, Any]) -> None:
    refs = set(_refs(doc))
    assert "#/components/schemas/CapacityRecord" in refs and "#/components/schemas/ErrorDetail" in refs
    for ref in refs:
        assert isinstance(_resolve(doc, ref), dict), ref
    assert "$defs" not in str(doc)
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_document_is_valid_openapi_31(doc: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises with the first problem; detects the 3.1 meta-schema from the document
    ids = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert openapi_document("https://example.test")["servers"] == [{"url": "https://example.test"}]


def _check(doc: dict[str, Any], path: str, status: int, body: Any) -> None:
    """``body`` matches the response schema documented for ``status`` of ``POST path``."""
    response = doc["paths"][path]["post"]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    errors = list(validator.iter_errors(body))
    assert not errors, [e.message for e in errors]


@pytest.fixture
def provider_token(
    session: Any, make_provider: Any, make_location: Any, make_offering: Any, make_user: Any
) -> dict[str, str]:
    p = make_provider(kvk="11111111")
    make_offering(p, make_location(p), ref="A-1")
    _, plain = accounts.create_api_token(session, make_user("provider", provider=p), "test")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_capacity_responses_match_their_documented_schemas(
    client: Any, doc: dict[str, Any], provider_token: dict[str, str]
) -> None:
    path = "/api/v1/capacity"
    record = {"kvk": "11111111", "offering_ref": "A-1", "free_places": 2, "intake_status": "open"}
    Draft202012Validator(
        {"$ref": "#/components/schemas/CapacityRecord", "components": doc["components"]}
    ).validate(record)
    for query in ("?dry_run=true", ""):
        ok = client.post(path + query, json={"records": [record]}, headers=provider_token)
        assert ok.status_code == 200
        _check(doc, path, 200, ok.get_json())
    bad = client.post(path, json={"records": [record | {"free_places": -1}]}, headers=provider_token)
    assert bad.status_code == 422
    _check(doc, path, 422, bad.get_json())
    empty = client.post(path, json={"records": []}, headers=provider_token)
    assert empty.status_code == 400
    _check(doc, path, 400, empty.get_json())
    anonymous = client.post(path, json={"records": [record]})
    assert anonymous.status_code == 401
    _check(doc, path, 401, anonymous.get_json())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("free_places", -1, "Het aantal vrije plekken moet tussen 0 en 10000 liggen."),
        ("total_places", 10_001, "Het aantal plekken in totaal moet tussen 0 en 10000 liggen."),
        ("waiting_weeks_intake", 261, "Een wachttijd moet tussen 0 en 260 weken liggen."),
        ("waitlist_length", -5, "De wachtlijst moet tussen 0 en 100000 wachtenden hebben."),
    ],
)
def test_out_of_range_value_gets_the_dutch_message_in_the_api(
    client: Any, provider_token: dict[str, str], field: str, value: int, message: str
) -> None:
    record = {"kvk": "11111111", "offering_ref": "A-1", "intake_status": "open", field: value}
    answer = client.post("/api/v1/capacity", json={"records": [record]}, headers=provider_token)
    assert answer.status_code == 422
    err = answer.get_json()
    assert err["errors"] == [{"index": 0, "field": field, "message": message}]
    assert err["error"]["field"] == field and message in err["error"]["message"]


def test_out_of_range_value_gets_the_dutch_message_in_an_import(
    client: Any,
    login: Any,
    session: Any,
    make_provider: Any,
    make_location: Any,
    make_offering: Any,
    make_user: Any,
) -> None:
    p = make_provider(kvk="11111111")
    make_offering(p, make_location(p), ref="A-1")
    login(make_user("provider", provider=p))
    data = "kvk;offering_ref;free_places;waiting_weeks_treatment;intake_status\n11111111;A-1;-2;999;open\n"
    page = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(data.encode()), "cap.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Het aantal vrije plekken moet tussen 0 en 10000 liggen." in html
    assert "Een wachttijd moet tussen 0 en 260 weken liggen." in html


def test_search_and_request_bounds_give_their_dutch_messages(client: Any) -> None:
    cases = {
        "radius_km=0": ("radius_km", "De straal ligt tussen 1 en 250 km."),
        "radius_km=nan": ("radius_km", "De straal ligt tussen 1 en 250 km."),
        "age=28": ("age", "Een leeftijd ligt tussen 0 en 27 jaar."),
        "max_wait_weeks=261": ("max_wait_weeks", "De maximale wachttijd ligt tussen 0 en 260 weken."),
        "limit=101": ("limit", "limit ligt tussen 1 en 100."),
        "offset=-1": ("offset", "offset ligt tussen 0 en 100000."),
    }
    for query, (field, message) in cases.items():
        answer = client.get(f"/api/v1/search?{query}")
        assert answer.status_code == 400, query
        assert answer.get_json()["error"] == {"code": "invalid_parameter", "message": message, "field": field}
    _, errors = validate(CapacityInput, {"free_places": 10_001, "intake_status": "open"})
    assert errors == {"free_places": "Het aantal vrije plekken moet tussen 0 en 10000 liggen."}
