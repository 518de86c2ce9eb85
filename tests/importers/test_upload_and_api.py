import io

import pytest
from sqlmodel import func, select

from wijzer.models import CapacityReport, Offering

CAP_HEADER = "kvk,offering_ref,free_places,waiting_weeks_intake,waiting_weeks_treatment,waitlist_length,intake_status,status_until,next_free_date,note,reported_at"


@pytest.fixture
def two(make_provider, make_location, make_offering, make_user):
    a, b = make_provider(kvk="11111111"), make_provider(kvk="22222222")
    oa = make_offering(a, make_location(a), ref="A-1")
    ob = make_offering(b, make_location(b), ref="B-1")
    return {
        "a": a,
        "b": b,
        "oa": oa,
        "ob": ob,
        "staff_a": make_user("provider", provider=a),
        "admin": make_user("admin"),
        "referrer": make_user("referrer"),
    }


def _upload(client, text_data: str, dry_run=False, name="cap.csv"):
    data = {"file": (io.BytesIO(text_data.encode()), name)}
    if dry_run:
        data["dry_run"] = "1"
    return client.post("/portaal/upload", data=data, content_type="multipart/form-data")


def test_portal_upload_own_offerings(client, session, login, two):
    login(two["staff_a"])
    assert client.get("/portaal/upload").status_code == 200
    dry = _upload(client, CAP_HEADER + "\n11111111,A-1,2,1,3,0,open,,,,\n", dry_run=True)
    assert dry.status_code == 200 and "Controle geslaagd" in dry.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == 0
    ok = _upload(client, CAP_HEADER + "\n11111111,A-1,2,1,3,0,open,,,,\n")
    assert ok.status_code == 200 and "1 capaciteitsmeldingen" in ok.get_data(as_text=True)
    session.expire_all()
    assert session.get(Offering, two["oa"].id).cur_free_places == 2


def test_portal_upload_rejects_other_providers_rows_and_shows_all_errors(client, session, login, two):
    login(two["staff_a"])
    bad = _upload(client, CAP_HEADER + "\n11111111,A-1,-1,1,3,0,open,,,,\n22222222,B-1,1,,,,open,,,,\n")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "hoort niet bij uw organisatie" in html and "tussen 0 en" in html
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == 0
    assert _upload(client, "", name="leeg.csv").status_code == 400
    assert "Kies een bestand" in client.post("/portaal/upload", data={}).get_data(as_text=True)


def test_portal_upload_needs_provider_role(client, login, two):
    assert client.get("/portaal/upload").status_code == 302
    login(two["referrer"])
    assert client.get("/portaal/upload").status_code == 403


def _token(client, login, user):
    login(user)
    html = client.post("/account/sleutels", data={"name": "api"}).get_data(as_text=True)
    client.post("/uitloggen")
    return html.split('id="new-token">')[1].split("<")[0]


def test_api_capacity_all_or_nothing(client, session, login, two):
    token = _token(client, login, two["staff_a"])
    auth = {"Authorization": f"Bearer {token}"}
    ok = client.post(
        "/api/v1/capacity",
        json={
            "records": [
                {
                    "kvk": "11111111",
                    "offering_ref": "A-1",
                    "free_places": 3,
                    "waiting_weeks_intake": 1,
                    "intake_status": "open",
                }
            ]
        },
        headers=auth,
    )
    assert ok.status_code == 200 and ok.get_json() == {"written": 1, "dry_run": False}
    report = session.exec(select(CapacityReport)).one()
    assert report.source == "api" and report.user_id == two["staff_a"].id
    bad = client.post(
        "/api/v1/capacity",
        json={
            "records": [
                {"kvk": "11111111", "offering_ref": "A-1", "free_places": 1, "intake_status": "open"},
                {
                    "kvk": "11111111",
                    "offering_ref": "A-1",
                    "free_places": -5,
                    "intake_status": "nee",
                    "reported_at": "2020-01-01T00:00:00Z",
                },
            ]
        },
        headers=auth,
    )
    body = bad.get_json()
    assert bad.status_code == 422 and body["error"]["code"] == "invalid_records"
    assert {(e["index"], e["field"]) for e in body["errors"]} >= {(1, "free_places"), (1, "intake_status")}
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == 1
    other = client.post(
        "/api/v1/capacity",
        json={
            "records": [{"kvk": "22222222", "offering_ref": "B-1", "free_places": 1, "intake_status": "open"}]
        },
        headers=auth,
    )
    assert other.status_code == 403
    dry = client.post(
        "/api/v1/capacity?dry_run=true",
        json={
            "records": [
                {"kvk": "11111111", "offering_ref": "A-1", "free_places": 0, "intake_status": "wachtlijst"}
            ]
        },
        headers=auth,
    )
    assert dry.get_json() == {"written": 0, "dry_run": True}
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == 1


@pytest.mark.parametrize("payload", [None, {}, {"records": []}, {"records": "x"}, {"records": [1, 2]}, [1]])
def test_api_capacity_bad_bodies(client, login, two, payload):
    token = _token(client, login, two["staff_a"])
    response = client.post("/api/v1/capacity", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_body"


def test_api_capacity_auth(client, login, two):
    assert client.post("/api/v1/capacity", json={"records": []}).status_code == 401
    assert (
        client.post(
            "/api/v1/capacity", json={"records": []}, headers={"Authorization": "Bearer wz_x"}
        ).status_code
        == 401
    )
    token = _token(client, login, two["referrer"])
    assert (
        client.post(
            "/api/v1/capacity", json={"records": [{}]}, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 403
    )
    admin = _token(client, login, two["admin"])
    ok = client.post(
        "/api/v1/capacity",
        json={
            "records": [{"kvk": "22222222", "offering_ref": "B-1", "free_places": 1, "intake_status": "open"}]
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert ok.status_code == 200
