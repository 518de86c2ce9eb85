"""Issue 16 item 8: /healthz, /readyz and one JSON log line per request without personal data."""

import json
import logging

from wijzer import create_app


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_503_until_the_migrations_are_current(scratch_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": scratch_database_url, "SECRET_KEY": "t"})
    client = app.test_client()
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.get_json()["status"] == "not_ready" and "migrations" in before.get_json()["reason"]
    assert app.test_cli_runner().invoke(args=["setup"]).exit_code == 0
    after = client.get("/readyz")
    assert after.status_code == 200, after.get_json()
    body = after.get_json()
    assert body["status"] == "ready" and body["migrations"]["database"] == body["migrations"]["code"] != []
    app.extensions["wijzer_db"]["engine"].dispose()


def test_readyz_is_503_when_the_database_is_unreachable():
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none", "SECRET_KEY": "t"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "unreachable" in response.get_json()["reason"]
    assert app.test_client().get("/healthz").status_code == 200


def test_one_json_line_per_request_without_personal_data(
    client, caplog, make_provider, make_location, make_offering
):
    p = make_provider(kvk="12345678")
    off = make_offering(p, make_location(p, postcode="3511AB"))
    caplog.set_level(logging.INFO, logger="wijzer.requests")
    statuses = [
        client.get("/?postcode=3511AB&age=9").status_code,
        client.get(f"/aanbod/{off.id}").status_code,
        client.get("/portaal/bevestigen/geheim-token-123").status_code,
        client.get("/bestaat-niet").status_code,
        client.post("/inloggen", data={"email": "ouder@example.nl", "password": "x"}).status_code,
    ]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "wijzer.requests"]
    assert [(line["method"], line["route"]) for line in lines] == [
        ("GET", "/"),
        ("GET", "/aanbod/<int:offering_id>"),
        ("GET", "/portaal/bevestigen/<token>"),
        ("GET", None),
        ("POST", "/inloggen"),
    ]
    assert [line["status"] for line in lines] == statuses
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "wijzer.requests")
    for secret in ("3511", "geheim-token-123", "ouder@example.nl", str(off.id) + '"'):
        assert secret not in text


def test_readyz_on_the_suites_database(client):
    """The suite's database is built from the models and stamped at the migrations' head."""
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"
