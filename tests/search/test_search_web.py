import jsonschema
import pytest
from sqlmodel import func, select

from tests.search.test_search import data  # noqa: F401  (the hand-built dataset fixture)
from wijzer.api.openapi import RESULT, standalone
from wijzer.models import NoPlaceReport


def test_home_without_search_shows_form_only(client):
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and "resultaten" not in html


def test_search_page_results_and_labels(client, data):  # noqa: F811
    page = client.get("/?care_type=logeeropvang&postcode=3511&radius_km=25&tags=vg")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 resultaten binnen 25 km van 3511 Utrecht" in html
    assert (
        html.index("Aanbieder A")
        < html.index("Aanbieder H")
        < html.index("Aanbieder B")
        < html.index("Aanbieder D")
    )
    assert "Direct plek" in html and "Verouderd – onbetrouwbaar" in html and "Niet recent bevestigd" in html
    assert "0,5 km" in html and "boven norm (4 weken)" in html  # B waits 6 weeks > norm 4
    assert 'value="3511"' in html and 'id="tag-vg" name="tags" value="vg" checked' in html


@pytest.mark.parametrize(
    "query,field,message",
    [
        ("postcode=12", "postcode", "geen geldige postcode"),
        ("postcode=1000", "postcode", "niet bekend"),
        ("age=abc", "age", "heel getal"),
        ("age=40", "age", "tussen 0 en 27"),
        ("care_type=kinderopvang", "care_type", "Onbekende zorgsoort"),
        ("radius_km=900", "radius_km", "tussen 1 en 250"),
        ("tags=xyz", "tags", "Onbekende doelgroep"),
    ],
)
def test_search_page_bad_input_keeps_query(client, query, field, message):
    page = client.get("/?" + query)
    html = page.get_data(as_text=True)
    assert (page.status_code == 400 and message in html and f'id="{field}-error"' in html) or field == "tags"


def test_detail_page(client, data):  # noqa: F811
    oid = next(i for i, k in data.items() if k == "A")
    html = client.get(f"/aanbod/{oid}").get_data(as_text=True)
    assert (
        "Aanbieder A" in html and 'id="map"' in html and "capacity-table" in html and "js/detail.js" in html
    )
    assert "<script>" not in html
    assert client.get("/aanbod/999999").status_code == 404


def test_shortlist_add_remove_share(client, data):  # noqa: F811
    a = next(i for i, k in data.items() if k == "A")
    c = next(i for i, k in data.items() if k == "C")
    client.post(f"/lijst/{a}", data={"next": "/"})
    client.post(f"/lijst/{c}")
    html = client.get("/lijst").get_data(as_text=True)
    assert (
        "Aanbieder A" in html
        and "Aanbieder C" in html
        and (f"/lijst/delen?ids={a}%2C{c}" in html or f"/lijst/delen?ids={a},{c}" in html)
    )
    shared = client.get(f"/lijst/delen?ids={a},{c}").get_data(as_text=True)
    assert "Aanbieder A" in shared and "Op mijn lijst zetten" not in shared  # read-only for parents
    client.post(f"/lijst/{a}/verwijderen")
    assert "Aanbieder A" not in client.get("/lijst").get_data(as_text=True)
    assert client.get("/lijst/delen?ids=x").status_code == 400
    assert client.post("/lijst/999999").status_code == 404
    evil = client.post(f"/lijst/{a}", data={"next": "https://evil.example/"})
    assert "evil" not in evil.headers["Location"]


def test_no_place_report_for_referrers_only(client, session, data, make_user, make_provider, login):  # noqa: F811
    a = next(i for i, k in data.items() if k == "A")
    assert client.post(f"/aanbod/{a}/geen-plek").status_code == 302  # anonymous -> login
    staff = make_user("provider", provider=make_provider())
    login(staff)
    assert client.post(f"/aanbod/{a}/geen-plek").status_code == 403
    client.post("/uitloggen")
    login(make_user("referrer"))
    assert "Gebeld: geen plek" in client.get(f"/aanbod/{a}").get_data(as_text=True)
    client.post(f"/aanbod/{a}/geen-plek")
    client.post(f"/aanbod/{a}/geen-plek")  # twice the same day counts once
    reports = session.exec(select(NoPlaceReport)).all()
    assert len(reports) == 1 and reports[0].region_code == "JZ22"
    assert session.exec(select(func.count()).select_from(NoPlaceReport)).one() == 1


def test_api_search_shape_and_values(client, data):  # noqa: F811
    body = client.get(
        "/api/v1/search?care_type=logeeropvang&postcode=3511&radius_km=25&tags=vg,ass"
    ).get_json()
    assert body["total"] == 2 and [r["offering_ref"] for r in body["results"]] == ["A", "D"]
    for r in body["results"]:
        jsonschema.validate(r, RESULT)
    a, d = body["results"]
    assert a["freshness"] == "fresh" and d["freshness"] == "stale" and a["free_places"] == 2
    assert a["location"]["municipality_code"] == "GM0344" and a["location"]["region_code"] == "JZ22"
    assert a["last_confirmed_at"].endswith("+00:00") and 0.4 < a["distance_km"] < 0.6
    none = client.get("/api/v1/search?care_type=logeeropvang").get_json()
    assert all(r["distance_km"] is None for r in none["results"])
    page = client.get("/api/v1/search?limit=2&offset=2").get_json()
    assert page["total"] == 8 and len(page["results"]) == 2


@pytest.mark.parametrize(
    "query,field",
    [
        ("age=x", "age"),
        ("radius_km=0", "radius_km"),
        ("radius_km=251", "radius_km"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("available_now=misschien", "available_now"),
        ("region=Utrecht", "region"),
        ("municipality=0344", "municipality"),
        ("postcode=ABCD", "postcode"),
        ("postcode=1000", "postcode"),
        ("max_wait_weeks=-2", "max_wait_weeks"),
        ("foo=1", "foo"),
        ("tags=,,,onbekend", "tags"),
        ("radius_km=nan", "radius_km"),
        ("radius_km=inf", "radius_km"),
    ],
)
def test_api_bad_parameters_give_400_json(client, query, field):
    response = client.get("/api/v1/search?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"] and error["code"]


def test_api_offering_detail_and_404(client, data):  # noqa: F811
    a = next(i for i, k in data.items() if k == "A")
    body = client.get(f"/api/v1/offerings/{a}").get_json()
    assert (
        body["offering_ref"] == "A"
        and body["history"][0]["kind"] == "update"
        and body["available_now"] is True
    )
    jsonschema.validate(body, standalone("OfferingDetail"))
    missing = client.get("/api/v1/offerings/999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_openapi_document_is_valid(client):
    from jsonschema import Draft202012Validator

    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and "/api/v1/search" in doc["paths"]
    Draft202012Validator.check_schema(doc["components"]["schemas"]["SearchResult"])
