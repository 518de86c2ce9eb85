"""Real answers of every JSON endpoint match the response schemas of the OpenAPI document.

The response schemas are generated from the models in ``wijzer.schemas_responses``; the endpoints build plain
dicts and never use those models. So the models and the answers can only be kept together by tests: each
documented success answer (everything outside /hsds, which follows the official HSDS description) is fetched
from the test app and validated with jsonschema against the schema the document names for it, ``$ref``s
resolved in the document and formats (date, date-time) checked. Every object in those schemas forbids other
fields and requires all of its own, so a field added to an answer but not to its model, or the other way
round, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from wijzer.api.capacity import MAX_RECORDS
from wijzer.api.openapi import RESPONSE_MODELS, SCHEMA_REF
from wijzer.schemas_responses import RegionFigures, TrendWeek
from wijzer.services import accounts
from wijzer.services.measures import FIGURE_MEASURES, TREND_MEASURES
from wijzer.services.placement import local_today
from wijzer.services.workdays import add_working_days_to_date
from wijzer.timeutil import utcnow

JSON = "application/json"
# Every documented success answer with a JSON body, outside /hsds: (method, path, status).
OPERATIONS = {
    ("get", "/api/v1/search", "200"),
    ("get", "/api/v1/offerings/{offering_id}", "200"),
    ("get", "/api/v1/health", "200"),
    ("post", "/api/v1/alerts", "201"),
    ("get", "/api/v1/alerts", "200"),
    ("post", "/api/v1/capacity", "200"),
    ("post", "/api/v1/requests", "201"),
    ("get", "/api/v1/requests", "200"),
    ("get", "/api/v1/requests/{request_id}", "200"),
    ("post", "/api/v1/requests/{request_id}/confirm", "200"),
    ("post", "/api/v1/requests/{request_id}/release", "200"),
    ("post", "/api/v1/request-items/{item_id}/answer", "200"),
    ("get", "/api/v1/regions/{code}/audit", "200"),
    ("get", "/api/v1/regions/{code}/trends", "200"),
}


@pytest.fixture
def doc(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


def _schema(doc: dict[str, Any], method: str, path: str, status: int | str) -> dict[str, Any]:
    response = doc["paths"][path][method]["responses"][str(status)]
    return response["content"][JSON]["schema"]


def problems(doc: dict[str, Any], method: str, path: str, status: int | str, body: Any) -> list[str]:
    """What in ``body`` breaks the schema documented for ``status`` of ``method path`` (empty: nothing)."""
    validator = Draft202012Validator(
        {**_schema(doc, method, path, status), "components": doc["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def check(doc: dict[str, Any], method: str, path: str, answer: Any) -> Any:
    """Assert that ``answer`` (a test-client response) has a documented success status and matches its
    schema; return its JSON."""
    assert (method, path, str(answer.status_code)) in OPERATIONS, (answer.status_code, answer.get_json())
    body = answer.get_json()
    assert not problems(doc, method, path, answer.status_code, body), problems(
        doc, method, path, answer.status_code, body
    )
    return body


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "properties" in node:  # an object with named fields (not a map such as an alert's filters)
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _components_under(doc: dict[str, Any], name: str, seen: set[str] | None = None) -> set[str]:
    """``name`` and every component its schema refers to, recursively."""
    seen = set() if seen is None else seen
    if name in seen:
        return seen
    seen.add(name)
    text = str(doc["components"]["schemas"][name])
    for other in doc["components"]["schemas"]:
        if f"'{SCHEMA_REF.format(model=other)}'" in text:
            _components_under(doc, other, seen)
    return seen


# ---------------------------------------------------------------- the document itself
def test_every_json_success_answer_is_a_generated_component(doc: dict[str, Any]) -> None:
    documented = set()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if JSON in response.get("content", {}) and status.startswith("2"):
                    documented.add((method, path, status))
                    schema = response["content"][JSON]["schema"]
                    assert set(schema) == {"$ref"}, (method, path, status)  # no schema written inline
    assert not any(path.startswith("/hsds") for _, path, _ in documented)
    assert documented == OPERATIONS  # a new endpoint needs a model and a check here
    models = {model.__name__ for model in RESPONSE_MODELS}
    for method, path, status in OPERATIONS - {("post", "/api/v1/capacity", "200")}:
        ref = _schema(doc, method, path, status)["$ref"]
        assert ref.rsplit("/", 1)[1] in models, ref


def test_every_body_of_every_operation_is_a_component(doc: dict[str, Any]) -> None:
    """Request and response bodies alike: a ``$ref`` to a component, and the components come from models."""
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            contents = [operation.get("requestBody", {}).get("content", {})]
            contents += [response.get("content", {}) for response in operation["responses"].values()]
            for content in contents:
                for media in content.values():
                    assert set(media["schema"]) == {"$ref"}, (method, path)
    body = doc["paths"]["/api/v1/requests/{request_id}/confirm"]["post"]["requestBody"]
    assert body["content"][JSON]["schema"] == {"$ref": "#/components/schemas/PlacementItemChoice"}
    batch = doc["components"]["schemas"]["CapacityBatch"]["properties"]["records"]
    assert (batch["minItems"], batch["maxItems"]) == (1, MAX_RECORDS)


def test_response_objects_forbid_other_fields_and_require_their_own(doc: dict[str, Any]) -> None:
    names: set[str] = set()
    for model in RESPONSE_MODELS:
        names |= _components_under(doc, model.__name__)
    assert {"SearchResult", "ResultProvider", "ResultLocation", "HistoryEntry", "RegionFigures"} <= names
    assert {"TrendWeek", "CoverageGap", "PlacementReferrer", "PlacementItemCreated"} <= names
    for name in names:
        for obj in _objects(doc["components"]["schemas"][name]):
            assert obj["additionalProperties"] is False, name
            assert set(obj["required"]) == set(obj["properties"]), name


def test_region_figures_come_from_the_measure_catalogue(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert list(RegionFigures.model_fields) == ["care_type", *FIGURE_MEASURES]
    assert list(TrendWeek.model_fields) == ["week", "care_type", *TREND_MEASURES]
    figures = schemas["RegionFigures"]["properties"]
    assert figures["offerings"] == {
        "type": "integer",
        "minimum": 0,
        "title": "Offerings",
        "description": "Aanbod",
    }
    assert figures["median_wait_intake"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert "fractie" in figures["occupancy"]["description"]
    assert schemas["RegionAudit"]["properties"]["care_types"]["items"] == {
        "$ref": "#/components/schemas/RegionFigures"
    }
    assert set(schemas["RegionTrends"]["required"]) == {"region", "basis", "from", "to", "weeks"}


# ---------------------------------------------------------------- real answers
@pytest.fixture
def world(
    session: Any, make_provider: Any, make_location: Any, make_offering: Any, make_user: Any, report: Any
) -> dict[str, Any]:
    """Three offerings in Utrecht (one never reported), a referrer, their staff and an auditor of JZ22."""
    p = make_provider(name="Logeerhuis A", kvk="31111111", email="info@a.nl", phone="030-1234567")
    q = make_provider(name="Logeerhuis B", kvk="32222222")
    a = make_offering(p, make_location(p, postcode="3511"), ref="A", tags=["vg"], contract_regions=["JZ22"])
    b = make_offering(q, make_location(q, postcode="3512"), ref="B", tags=["vg"])
    never = make_offering(q, make_location(q, postcode="3512"), ref="C", care_type="respijtzorg")
    report(a, free_places=2, total_places=5, wait_intake=3, wait_treatment=4, intake_status="open")
    report(b, days_ago=30, free_places=1, intake_status="wachtlijst", waitlist_length=4)
    users = {
        "referrer": make_user("referrer", email="poh@huisarts.nl", name="R. Verwijzer"),
        "staff_a": make_user("provider", provider=p),
        "staff_b": make_user("provider", provider=q),
        "auditor": make_user("auditor", region_code="JZ22"),
    }
    tokens = {k: accounts.create_api_token(session, u, "t")[1] for k, u in users.items()}
    session.commit()
    return {
        "offerings": {"A": a.id, "B": b.id, "C": never.id},
        "auth": {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()},
    }


def test_search_offering_and_health_answers_match(
    client: Any, doc: dict[str, Any], world: dict[str, Any]
) -> None:
    near = check(doc, "get", "/api/v1/search", client.get("/api/v1/search?postcode=3511&radius_km=50"))
    assert near["total"] == 3 and all(r["distance_km"] is not None for r in near["results"])
    assert {r["contracted_for_family"] for r in near["results"]} == {True, False}
    anywhere = check(doc, "get", "/api/v1/search", client.get("/api/v1/search?care_type=respijtzorg"))
    (hit,) = anywhere["results"]
    assert hit["freshness"] == "unknown" and hit["intake_status"] is None and hit["distance_km"] is None
    for ref in ("A", "B", "C"):
        check(
            doc,
            "get",
            "/api/v1/offerings/{offering_id}",
            client.get(f"/api/v1/offerings/{world['offerings'][ref]}"),
        )
    check(doc, "get", "/api/v1/health", client.get("/api/v1/health"))


def test_a_field_more_or_less_breaks_the_documented_schema(
    client: Any, doc: dict[str, Any], world: dict[str, Any]
) -> None:
    body = client.get("/api/v1/search?postcode=3511").get_json()
    path = "/api/v1/search"
    assert not problems(doc, "get", path, 200, body)
    hit = body["results"][0]
    for changed in (
        hit | {"extra": 1},
        {k: v for k, v in hit.items() if k != "held_places"},
        hit | {"provider": hit["provider"] | {"extra": 1}},
        hit | {"location": {k: v for k, v in hit["location"].items() if k != "lat"}},
    ):
        assert problems(doc, "get", path, 200, body | {"results": [changed]})
    detail = client.get(f"/api/v1/offerings/{world['offerings']['A']}").get_json()
    entry = detail["history"][0]
    assert problems(
        doc, "get", "/api/v1/offerings/{offering_id}", 200, detail | {"history": [entry | {"x": 1}]}
    )
    assert problems(doc, "get", path, 200, body | {"results": [hit | {"last_confirmed_at": "gisteren"}]})


def test_alert_answers_match(client: Any, doc: dict[str, Any], world: dict[str, Any]) -> None:
    auth = world["auth"]["referrer"]
    created = client.post(
        "/api/v1/alerts", json={"care_type": "logeeropvang", "postcode": "3511"}, headers=auth
    )
    alert = check(doc, "post", "/api/v1/alerts", created)
    assert alert["filters"]["postcode"]
    listing = check(doc, "get", "/api/v1/alerts", client.get("/api/v1/alerts", headers=auth))
    assert [a["id"] for a in listing["alerts"]] == [alert["id"]]


def test_capacity_answer_matches(client: Any, doc: dict[str, Any], world: dict[str, Any]) -> None:
    record = {"kvk": "31111111", "offering_ref": "A", "free_places": 1, "intake_status": "open"}
    for query in ("?dry_run=true", ""):
        url = "/api/v1/capacity" + query
        answer = client.post(url, json={"records": [record]}, headers=world["auth"]["staff_a"])
        assert check(doc, "post", "/api/v1/capacity", answer)["written"] == (0 if query else 1)


def test_placement_answers_match(client: Any, doc: dict[str, Any], world: dict[str, Any]) -> None:
    referrer, staff_a, staff_b = (world["auth"][k] for k in ("referrer", "staff_a", "staff_b"))
    today = local_today(utcnow())
    hold = add_working_days_to_date(today, 3).isoformat()

    def new_request(refs: tuple[str, ...]) -> dict[str, Any]:
        body = {
            "offering_ids": [world["offerings"][r] for r in refs],
            "age": 11,
            "tags": ["vg"],
            "care_type": "logeeropvang",
            "modality": None,
            "gemeente_code": "GM0344",
            "start_from": (today + timedelta(days=3)).isoformat(),
            "start_to": (today + timedelta(days=30)).isoformat(),
            "note": None,
            "reference": "API-1",
        }
        return check(
            doc, "post", "/api/v1/requests", client.post("/api/v1/requests", json=body, headers=referrer)
        )

    def answer(item: dict[str, Any], auth: dict[str, str], **body: str) -> dict[str, Any]:
        url = f"/api/v1/request-items/{item['id']}/answer"
        return check(
            doc, "post", "/api/v1/request-items/{item_id}/answer", client.post(url, json=body, headers=auth)
        )

    first = new_request(("A", "B"))
    a, b = first["items"]
    for auth in (referrer, staff_a):
        listing = check(doc, "get", "/api/v1/requests", client.get("/api/v1/requests", headers=auth))
        assert listing["total"] == 1 and listing["requests"][0]["referrer"]["name"] == "R. Verwijzer"
    assert answer(a, staff_a, answer="accept", hold_until=hold)["hold_until"] == hold
    assert answer(b, staff_b, answer="decline", reason="geen_plek")["reason"] == "geen_plek"
    one = "/api/v1/requests/{request_id}"
    for auth in (referrer, staff_a):
        check(doc, "get", one, client.get(f"/api/v1/requests/{first['id']}", headers=auth))
    confirmed = client.post(
        f"/api/v1/requests/{first['id']}/confirm", json={"item_id": a["id"]}, headers=referrer
    )
    assert check(doc, "post", one + "/confirm", confirmed)["items"][0]["status"] == "confirmed"

    second = new_request(("A", "B"))
    a, b = second["items"]
    answer(a, staff_a, answer="accept", hold_until=hold)
    assert answer(b, staff_b, answer="counter", earliest_start=hold)["earliest_start"] == hold
    released = client.post(
        f"/api/v1/requests/{second['id']}/release", json={"item_id": a["id"]}, headers=referrer
    )
    assert check(doc, "post", one + "/release", released)["items"][0]["status"] == "released"


def test_region_answers_match(client: Any, doc: dict[str, Any], world: dict[str, Any]) -> None:
    auth = world["auth"]["auditor"]
    for basis in ("location", "contract"):
        audit = check(
            doc,
            "get",
            "/api/v1/regions/{code}/audit",
            client.get(f"/api/v1/regions/JZ22/audit?basis={basis}", headers=auth),
        )
        assert audit["basis"] == basis and audit["care_types"]
    today = local_today(utcnow())
    query = f"from={(today - timedelta(days=21)).isoformat()}&to={today.isoformat()}"
    trends = check(
        doc,
        "get",
        "/api/v1/regions/{code}/trends",
        client.get(f"/api/v1/regions/JZ22/trends?{query}", headers=auth),
    )
    assert len(trends["weeks"]) >= 12  # 3 or 4 weeks × 4 care types
    log = [w for w in trends["weeks"] if w["care_type"] == "logeeropvang"]
    assert log[-1]["free_places"] == 3 and log[-1]["offerings"] == 2
