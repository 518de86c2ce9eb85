"""Issue 16 item 9: the HSDS endpoints and filters of the official API description, with JSON errors."""

import pytest

from wijzer.hsds_ids import uid


@pytest.fixture
def world(session, make_provider, make_location, make_offering, report):
    a, b = make_provider(name="Alfa Zorg", kvk="11111111"), make_provider(name="Beta Hulp", kvk="22222222")
    utrecht, amsterdam = make_location(a, postcode="3511AB"), make_location(b, postcode="1012AB")
    one = make_offering(
        a,
        utrecht,
        ref="A1",
        care_type="respijtzorg",
        tags=["ggz"],
        contract_regions=["JZ22"],
        description="Respijt in het weekend",
    )
    two = make_offering(
        b, amsterdam, ref="B1", care_type="logeeropvang", tags=["lvb"], contract_regions=["JZ13"]
    )
    report(one, free_places=1, intake_status="open")
    return {"one": one.hsds_id, "two": two.hsds_id, "a": a.hsds_id, "b": b.hsds_id}


def _refs(client, query: str) -> list[str]:
    response = client.get(f"/hsds/services?{query}")
    assert response.status_code == 200, response.get_json()
    return sorted(s["alternate_name"] for s in response.get_json()["contents"])


def test_service_filters(client, world):
    assert _refs(client, "") == ["A1", "B1"]
    assert _refs(client, f"taxonomy_term_id={uid('term', 'wijzer:zorgsoort', 'respijtzorg')}") == ["A1"]
    assert _refs(client, f"taxonomy_term_id={uid('term', 'wijzer:doelgroep', 'lvb')}") == ["B1"]
    assert _refs(client, f"taxonomy_term_id={uid('term', 'wijzer:jeugdregio', 'JZ22')}") == ["A1"]
    assert _refs(client, f"taxonomy_term_id={uid('term', 'wijzer:intakestatus', 'open')}") == ["A1"]
    assert _refs(client, "taxonomy_term_id=onbekend") == []
    assert _refs(client, f"taxonomy_id={uid('taxonomy', 'wijzer:intakestatus')}") == ["A1"]
    assert _refs(client, f"organization_id={world['b']}") == ["B1"]
    assert _refs(client, "search=WEEKEND") == ["A1"]
    assert _refs(client, "search=beta") == ["B1"]
    assert _refs(client, "modified_after=2000-01-01T00:00:00Z") == ["A1", "B1"]
    assert _refs(client, "modified_after=2999-01-01") == []
    assert _refs(client, "postcode=3511AB&proximity=5000") == ["A1"]
    assert _refs(client, "postcode=1012&proximity=300000") == ["A1", "B1"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("modified_after=gisteren", "modified_after"),
        ("modified_after=9999-12-31T23:00:00-05:00", "modified_after"),
        ("proximity=-5&postcode=3511", "proximity"),
        ("postcode=0000", "postcode"),
        ("format=xml", "format"),
        ("full=misschien", "full"),
        ("search=" + "x" * 101, "search"),
    ],
)
def test_bad_parameters_get_a_json_400(client, world, query, field):
    response = client.get(f"/hsds/services?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_organizations(client, world):
    listing = client.get("/hsds/organizations").get_json()
    assert [o["name"] for o in listing["contents"]] == ["Alfa Zorg", "Beta Hulp"]
    assert "services" not in listing["contents"][0]
    full = client.get("/hsds/organizations?full=true&search=alfa").get_json()["contents"]
    assert len(full) == 1 and full[0]["services"] == [
        {
            "id": world["one"],
            "organization_id": world["a"],
            "name": "Respijtzorg",
            "alternate_name": "A1",
            "description": "Respijt in het weekend",
            "status": "active",
        }
    ]
    one = client.get(f"/hsds/organizations/{world['b']}?full_service=true").get_json()
    assert one["organization_identifiers"][0]["identifier"] == "22222222"
    assert (
        one["services"][0]["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "1012AB"
    )
    assert client.get("/hsds/organizations/onbekend").status_code == 404


def test_service_at_locations(client, world):
    listing = client.get("/hsds/service_at_locations").get_json()["contents"]
    assert {s["service_id"] for s in listing} == {world["one"], world["two"]} and "service" not in listing[0]
    full = client.get("/hsds/service_at_locations?full=true").get_json()["contents"]
    assert full[0]["service"]["id"] == full[0]["service_id"]
    one = client.get(f"/hsds/service_at_locations/{listing[0]['id']}").get_json()
    assert (
        one["location"]["id"] == listing[0]["location_id"]
        and one["service"]["id"] == listing[0]["service_id"]
    )
    assert client.get("/hsds/service_at_locations/onbekend").get_json()["error"]["code"] == "not_found"


def test_taxonomies_and_terms(client, world):
    taxonomies = client.get("/hsds/taxonomies?per_page=200").get_json()["contents"]
    names = [t["name"] for t in taxonomies]
    assert names[:4] == ["wijzer:zorgsoort", "wijzer:doelgroep", "wijzer:vorm", "wijzer:financiering"]
    doelgroep = taxonomies[1]
    assert client.get(f"/hsds/taxonomies/{doelgroep['id']}").get_json() == doelgroep
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={doelgroep['id']}&per_page=200").get_json()
    from wijzer import domain

    assert [t["code"] for t in terms["contents"]] == list(domain.TAGS)
    assert terms["total_items"] == len(domain.TAGS)
    # every term a service carries resolves at /taxonomy_terms/{id}
    service = client.get(f"/hsds/services/{world['one']}").get_json()
    for attribute in service["attributes"]:
        term = client.get(f"/hsds/taxonomy_terms/{attribute['taxonomy_term_id']}")
        assert term.status_code == 200 and term.get_json() == attribute["taxonomy_term"]
    assert client.get("/hsds/taxonomy_terms?parent_id=x").get_json()["empty"] is True
    assert client.get("/hsds/taxonomies/onbekend").status_code == 404


def test_info_links_the_official_api_description(client):
    info = client.get("/hsds/").get_json()
    assert info["version"] == "3.1" and info["openapi_url"] == "http://localhost/hsds/openapi.json"
    document = client.get("/hsds/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://localhost/hsds"}]
    assert {"/services", "/services/{id}", "/organizations", "/taxonomy_terms/{id}"} <= set(document["paths"])
