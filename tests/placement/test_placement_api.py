"""The plaatsingsverzoek JSON API: the endpoints of the issue, their errors, and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.placement.test_state_machine import hold_date
from wijzer.services import accounts
from wijzer.services.placement import local_today
from wijzer.timeutil import utcnow


@pytest.fixture
def tokens(session, pworld, make_user):
    out = {
        "r0": pworld["referrers"][0],
        "r1": pworld["referrers"][1],
        "pa": pworld["staff"][0],
        "pb": pworld["staff"][1],
        "pc": pworld["staff"][2],
        "admin": make_user("admin"),
    }
    result = {k: accounts.create_api_token(session, u, "t")[1] for k, u in out.items()}
    session.commit()
    return result


def call(client, method, url, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, headers=headers, **kw)


def body(pworld, **over):
    today = local_today(utcnow())
    return {
        "offering_ids": [o.id for o in pworld["offerings"][:2]],
        "age": 11,
        "tags": ["vg"],
        "care_type": "logeeropvang",
        "gemeente_code": "GM0344",
        "start_from": (today + timedelta(days=3)).isoformat(),
        "start_to": (today + timedelta(days=30)).isoformat(),
        "note": None,
        "reference": "API-1",
    } | over


def test_api_flow(client, session, pworld, tokens):
    r = call(client, "POST", "/api/v1/requests", tokens["r0"], json=body(pworld))
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert set(created) == {"id", "items"} and [i["status"] for i in created["items"]] == ["open", "open"]
    assert r.headers["Location"] == f"/api/v1/requests/{created['id']}"
    a, b = created["items"]
    # provider A lists its open items: only its own
    listing = call(client, "GET", "/api/v1/requests?status=open", tokens["pa"]).get_json()
    assert listing["total"] == 1 and [i["id"] for i in listing["requests"][0]["items"]] == [a["id"]]
    assert listing["requests"][0]["referrer"]["email"] == "poh1@huisarts.nl"
    assert call(client, "GET", "/api/v1/requests?status=open", tokens["pc"]).get_json() == {
        "total": 0,
        "requests": [],
    }
    ans = call(
        client,
        "POST",
        f"/api/v1/request-items/{a['id']}/answer",
        tokens["pa"],
        json={"answer": "accept", "hold_until": hold_date().isoformat()},
    )
    assert ans.status_code == 200 and ans.get_json()["status"] == "accepted"
    again = call(
        client,
        "POST",
        f"/api/v1/request-items/{a['id']}/answer",
        tokens["pa"],
        json={"answer": "decline", "reason": "geen_plek"},
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    off = call(client, "GET", f"/api/v1/offerings/{a['offering_id']}").get_json()
    assert (off["free_places"], off["held_places"]) == (1, 1)
    from wijzer.models import Offering

    sid = session.get(Offering, a["offering_id"]).hsds_id
    hsds = call(client, "GET", f"/hsds/services/{sid}").get_json()
    assert hsds["capacities"][0]["available"] == 1  # the HSDS API shows free places minus the hold too
    search = call(client, "GET", "/api/v1/search?care_type=logeeropvang&postcode=3511").get_json()
    hit = next(h for h in search["results"] if h["offering_id"] == a["offering_id"])
    assert (hit["free_places"], hit["held_places"]) == (1, 1)
    got = call(client, "GET", f"/api/v1/requests/{created['id']}", tokens["r0"]).get_json()
    assert got["reference"] == "API-1" and got["items"][0]["hold_until"] == hold_date().isoformat()
    conf = call(
        client, "POST", f"/api/v1/requests/{created['id']}/confirm", tokens["r0"], json={"item_id": a["id"]}
    )
    assert conf.status_code == 200
    assert [i["status"] for i in conf.get_json()["items"]] == ["confirmed", "withdrawn"]
    off = call(client, "GET", f"/api/v1/offerings/{a['offering_id']}").get_json()
    assert (off["free_places"], off["held_places"]) == (1, 0)
    late = call(
        client,
        "POST",
        f"/api/v1/request-items/{b['id']}/answer",
        tokens["pb"],
        json={"answer": "accept", "hold_until": hold_date().isoformat()},
    )
    assert late.status_code == 409 and "ingetrokken" in late.get_json()["error"]["message"]
    rel = call(
        client, "POST", f"/api/v1/requests/{created['id']}/release", tokens["r0"], json={"item_id": a["id"]}
    )
    assert rel.status_code == 409


def test_api_privacy_and_roles(client, pworld, tokens):
    created = call(client, "POST", "/api/v1/requests", tokens["r0"], json=body(pworld)).get_json()
    rid, a = created["id"], created["items"][0]
    assert call(client, "GET", f"/api/v1/requests/{rid}", tokens["r1"]).status_code == 404
    assert call(client, "GET", f"/api/v1/requests/{rid}", tokens["pc"]).status_code == 404
    seen_by_b = call(client, "GET", f"/api/v1/requests/{rid}", tokens["pb"]).get_json()
    assert [i["provider_id"] for i in seen_by_b["items"]] == [pworld["providers"][1].id]  # only its own item
    assert (
        call(
            client, "POST", f"/api/v1/requests/{rid}/confirm", tokens["r1"], json={"item_id": a["id"]}
        ).status_code
        == 404
    )
    assert (
        call(
            client,
            "POST",
            f"/api/v1/request-items/{a['id']}/answer",
            tokens["pb"],
            json={"answer": "decline", "reason": "anders"},
        ).status_code
        == 404
    )
    assert (
        call(
            client,
            "POST",
            f"/api/v1/request-items/{a['id']}/answer",
            tokens["r0"],
            json={"answer": "decline", "reason": "anders"},
        ).status_code
        == 403
    )
    assert call(client, "POST", "/api/v1/requests", tokens["pa"], json=body(pworld)).status_code == 403
    assert call(client, "GET", "/api/v1/requests", tokens["admin"]).status_code == 403
    assert call(client, "GET", "/api/v1/requests").status_code == 401


@pytest.mark.parametrize(
    "over, status, field",
    [
        ({"offering_ids": []}, 422, "offering_ids"),
        ({"offering_ids": [1, 2, 3, 4]}, 422, "offering_ids"),
        ({"offering_ids": ["x"]}, 422, "offering_ids"),
        ({"postcode": "3511AB"}, 422, "postcode"),
        ({"note": "BSN 111222333"}, 422, "note"),
        ({"age": "negen"}, 422, "age"),
        ({"gemeente_code": "GM9999"}, 422, "gemeente_code"),
        ({"offering_ids": [2147483000]}, 422, "offering_ids"),
        ({"start_to": "2000-01-01"}, 422, "start_to"),
    ],
)
def test_api_create_errors(client, pworld, tokens, over, status, field):
    r = call(client, "POST", "/api/v1/requests", tokens["r0"], json=body(pworld, **over))
    assert r.status_code == status and r.get_json()["error"]["field"] == field, r.get_json()


def test_api_other_errors(client, pworld, tokens):
    assert (
        call(
            client, "POST", "/api/v1/requests", tokens["r0"], data="nee", content_type="application/json"
        ).status_code
        == 400
    )
    assert call(client, "GET", "/api/v1/requests?status=weg", tokens["r0"]).status_code == 400
    assert call(client, "GET", "/api/v1/requests?limit=0", tokens["r0"]).status_code == 400
    assert call(client, "GET", "/api/v1/requests?page=2", tokens["r0"]).status_code == 400
    created = call(client, "POST", "/api/v1/requests", tokens["r0"], json=body(pworld)).get_json()
    for bad in ({}, {"item_id": "1"}, {"item_id": True}, {"item_id": 1, "x": 2}, {"item_id": 2**40}):
        r = call(client, "POST", f"/api/v1/requests/{created['id']}/confirm", tokens["r0"], json=bad)
        assert r.status_code == 422 and r.get_json()["error"]["field"] == "item_id"
    a = created["items"][0]["id"]
    r = call(client, "POST", f"/api/v1/request-items/{a}/answer", tokens["pa"], json={"answer": "accept"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "hold_until"
    r = call(
        client,
        "POST",
        f"/api/v1/request-items/{a}/answer",
        tokens["pa"],
        json={"answer": "accept", "hold_until": hold_date(15).isoformat()},
    )
    assert r.status_code == 422 and "10 werkdagen" in r.get_json()["error"]["message"]
    r = call(
        client, "POST", f"/api/v1/request-items/{a}/answer", tokens["pa"], json={"answer": "counter", "x": 1}
    )
    assert r.status_code == 422
    assert (
        call(client, "POST", "/api/v1/request-items/99999/answer", tokens["pa"], json={}).status_code == 404
    )


def test_openapi_documents_every_placement_endpoint(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/requests"]) == {"get", "post"}
    for path in (
        "/api/v1/requests/{request_id}",
        "/api/v1/requests/{request_id}/confirm",
        "/api/v1/requests/{request_id}/release",
        "/api/v1/request-items/{item_id}/answer",
    ):
        assert path in doc["paths"]
    assert "held_places" in doc["components"]["schemas"]["SearchResult"]["required"]
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(doc["components"]["schemas"]["PlacementRequestInput"])
