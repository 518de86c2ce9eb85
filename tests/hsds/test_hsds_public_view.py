"""Issue 11 items 18/19, issue 10 item 7: the HSDS read API shows exactly what the search shows, looks one
service up by key, and bounds paging."""

from sqlmodel import select

from wijzer.models import Offering


def _catalogue(make_provider, make_location, make_offering, report):
    p = make_provider(kvk="12345678")
    loc = make_location(p, postcode="3511AB", street="Geheimstraat", house_number="7")
    shown = make_offering(p, loc, ref="ZICHTBAAR")
    hidden = make_offering(p, loc, ref="UIT")
    report(shown, free_places=2, wait_intake=3, intake_status="open")
    report(hidden, free_places=5, wait_intake=1, intake_status="open")
    return shown, hidden


def test_deactivated_offering_is_not_published(
    client, session, make_provider, make_location, make_offering, report
):
    _shown, hidden = _catalogue(make_provider, make_location, make_offering, report)
    hidden = session.get(Offering, hidden.id)
    hidden.active = False
    session.add(hidden)
    session.commit()
    assert client.get(f"/aanbod/{hidden.id}").status_code == 404  # what the app itself says
    listing = client.get("/hsds/services").get_json()
    refs = [s["alternate_name"] for s in listing["contents"]]
    assert refs == ["ZICHTBAAR"] and listing["total_items"] == 1
    from wijzer.services.hsds import service_id_of

    hidden_id = service_id_of(session, hidden.id)
    assert client.get(f"/hsds/services/{hidden_id}").status_code == 404
    body = client.get(f"/hsds/services/{hidden_id}").get_data(as_text=True)
    assert "Geheimstraat" not in body
    # and it comes back when it is activated again
    hidden.active = True
    session.add(hidden)
    session.commit()
    assert client.get(f"/hsds/services/{hidden_id}").status_code == 200


def test_one_service_is_looked_up_by_key(
    client, session, make_provider, make_location, make_offering, report, monkeypatch
):
    shown, _ = _catalogue(make_provider, make_location, make_offering, report)
    import wijzer.services.hsds as core

    calls = []
    real = core.service_json
    monkeypatch.setattr(core, "service_json", lambda *a, **k: calls.append(1) or real(*a, **k))
    sid = core.service_id_of(session, shown.id)
    response = client.get(f"/hsds/services/{sid}")
    assert response.status_code == 200 and response.get_json()["id"] == sid
    assert len(calls) == 1  # one service serialised, not the whole directory


def test_paging_is_bounded(client, session, make_provider, make_location, make_offering, report):
    _catalogue(make_provider, make_location, make_offering, report)
    for query in (
        "page=99999999999999999999999",
        "page=0",
        "page=-1",
        "per_page=0",
        "per_page=100000",
        "page=abc",
        "per_page=1.5",
        "page=1e9",
    ):
        response = client.get(f"/hsds/services?{query}")
        assert response.status_code == 400, (query, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and error["field"] in ("page", "per_page"), query
        assert error["message"]
    far = client.get("/hsds/services?page=9")
    assert far.status_code == 200 and far.get_json()["empty"] is True and far.get_json()["total_pages"] == 1


def test_every_published_service_is_active(
    client, session, make_provider, make_location, make_offering, report
):
    _catalogue(make_provider, make_location, make_offering, report)
    active = {o.offering_ref for o in session.exec(select(Offering).where(Offering.active)).all()}
    listing = client.get("/hsds/services?per_page=200").get_json()
    assert {s["alternate_name"] for s in listing["contents"]} == active
