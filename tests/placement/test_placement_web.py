"""The plaatsingsverzoek pages: a referrer sends, providers answer, the referrer confirms; bad input gets a
Dutch message and keeps what was typed; nobody sees another's request."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from tests.placement.conftest import items_of
from tests.placement.test_state_machine import hold_date
from wijzer.models import Offering, PlacementRequest
from wijzer.services.placement import local_today
from wijzer.timeutil import utcnow

PASSWORD = "Correct-Paard-Nietje-42"


def form_data(offering_ids, **over):
    today = local_today(utcnow())
    data = {
        "offering_ids": [str(i) for i in offering_ids],
        "care_type": "logeeropvang",
        "modality": "weekend",
        "age": "9",
        "tags": ["vg"],
        "gemeente_code": "GM0344",
        "start_from": (today + timedelta(days=7)).isoformat(),
        "start_to": (today + timedelta(days=21)).isoformat(),
        "note": "Weekendopvang, om de week.",
        "reference": "WT-88",
    }
    data.update(over)
    return data


def as_user(app, user):
    client = app.test_client()
    assert client.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_whole_flow_in_the_browser_pages(app, session, pworld):
    ref = as_user(app, pworld["referrers"][0])
    ids = [o.id for o in pworld["offerings"]]
    page = ref.get(f"/verzoeken/nieuw?aanbod={ids[0]}&aanbod={ids[1]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Geen persoonsgegevens" in html and "Logeerhuis B" in html
    assert re.search(rf'value="{ids[0]}"[^>]*checked|checked[^>]*value="{ids[0]}"', html)
    resp = ref.post("/verzoeken/nieuw", data=form_data(ids[:2]))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    req = session.exec(select(PlacementRequest)).one()
    detail = ref.get(resp.headers["Location"]).get_data(as_text=True)
    assert "WT-88" in detail and detail.count("Open (antwoord uiterlijk") == 2
    a, b = items_of(session, req)
    # provider A sees it in the portal and accepts
    pa = as_user(app, pworld["staff"][0])
    listing = pa.get("/portaal/verzoeken").get_data(as_text=True)
    assert f"/portaal/verzoeken/{a.id}" in listing and f"/portaal/verzoeken/{b.id}" not in listing
    item_page = pa.get(f"/portaal/verzoeken/{a.id}").get_data(as_text=True)
    assert "poh1@huisarts.nl" in item_page and "Weekendopvang" in item_page
    bad = pa.post(f"/portaal/verzoeken/{a.id}", data={"answer": "accept", "hold_until": ""})
    assert bad.status_code == 400 and "Vul in tot wanneer u de plek vasthoudt." in bad.get_data(as_text=True)
    too_long = pa.post(
        f"/portaal/verzoeken/{a.id}", data={"answer": "accept", "hold_until": hold_date(12).isoformat()}
    )
    assert too_long.status_code == 400 and "10 werkdagen" in too_long.get_data(as_text=True)
    assert 'value="' + hold_date(12).isoformat() + '"' in too_long.get_data(as_text=True)  # typed value kept
    ok = pa.post(
        f"/portaal/verzoeken/{a.id}",
        data={"answer": "accept", "hold_until": hold_date().isoformat(), "reason": "", "earliest_start": ""},
    )  # as a browser sends it
    assert ok.status_code == 303
    # the search shows the hold
    found = ref.get(f"/api/v1/offerings/{ids[0]}").get_json()
    assert found["held_places"] == 1 and found["free_places"] == 1
    # referrer confirms; B is withdrawn
    detail = ref.get(f"/verzoeken/{req.id}").get_data(as_text=True)
    assert f"Geaccepteerd tot {hold_date():%d-%m-%Y}" in detail and "Plaatsing bevestigen" in detail
    done = ref.post(f"/verzoeken/{req.id}/bevestigen", data={"item_id": str(a.id)})
    assert done.status_code == 303
    detail = ref.get(f"/verzoeken/{req.id}").get_data(as_text=True)
    assert "Bevestigd" in detail and "Ingetrokken (elders bevestigd)" in detail
    off = session.get(Offering, ids[0])
    session.refresh(off)
    assert off.cur_free_places == 1
    pb = as_user(app, pworld["staff"][1])
    late = pb.post(f"/portaal/verzoeken/{b.id}", data={"answer": "decline", "reason": "geen_plek"})
    assert late.status_code == 400 and "ingetrokken" in late.get_data(as_text=True)


def test_request_form_keeps_input_and_refuses_personal_data(app, session, pworld):
    ref = as_user(app, pworld["referrers"][0])
    ids = [o.id for o in pworld["offerings"]]
    resp = ref.post(
        "/verzoeken/nieuw?aanbod=" + str(ids[0]),
        data=form_data(ids[:1], note="Jan, geboren 03-04-2016, Lindelaan 4", age="12"),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "geboortedatum" in html and "Lindelaan 4" in html
    assert session.exec(select(PlacementRequest)).first() is None
    resp = ref.post("/verzoeken/nieuw", data=form_data([*ids, 999]))
    assert resp.status_code == 400 and "1 tot 3" in resp.get_data(as_text=True)
    ok = ref.post(
        "/verzoeken/nieuw", data=form_data(ids[:1], modality="", tags=[], note="")
    )  # optional fields empty
    assert ok.status_code == 302, ok.get_data(as_text=True)[:3000]
    resp = ref.post("/verzoeken/nieuw", data=form_data(ids[:1], care_type="respijtzorg"))
    assert resp.status_code == 400 and "geen respijtzorg" in resp.get_data(as_text=True)
    resp = ref.post("/verzoeken/nieuw", data=form_data(ids[:1], age="elf", start_to="morgen"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Vul een heel getal in." in html and "Vul een geldige datum in" in html


def test_requests_are_private(app, session, pworld, send):
    req = send(indexes=(0,))
    (a,) = items_of(session, req)
    other = as_user(app, pworld["referrers"][1])
    assert other.get(f"/verzoeken/{req.id}").status_code == 404
    assert other.post(f"/verzoeken/{req.id}/intrekken").status_code == 404
    assert "WT-88" not in other.get("/verzoeken").get_data(as_text=True)
    pb = as_user(app, pworld["staff"][1])
    assert pb.get(f"/portaal/verzoeken/{a.id}").status_code == 404
    assert (
        pb.post(f"/portaal/verzoeken/{a.id}", data={"answer": "decline", "reason": "anders"}).status_code
        == 404
    )


def test_referrer_withdraws_and_releases(app, session, pworld, send):
    req = send(indexes=(0, 1))
    a, _b = items_of(session, req)
    pa = as_user(app, pworld["staff"][0])
    pa.post(f"/portaal/verzoeken/{a.id}", data={"answer": "accept", "hold_until": hold_date().isoformat()})
    ref = as_user(app, pworld["referrers"][0])
    assert ref.post(f"/verzoeken/{req.id}/vrijgeven", data={"item_id": str(a.id)}).status_code == 303
    again = ref.post(f"/verzoeken/{req.id}/vrijgeven", data={"item_id": str(a.id)}, follow_redirects=True)
    assert "al vrijgegeven" in again.get_data(as_text=True)
    assert ref.post(f"/verzoeken/{req.id}/vrijgeven", data={"item_id": "abc"}).status_code == 400
    assert ref.post(f"/verzoeken/{req.id}/intrekken").status_code == 303
    assert [i.status for i in items_of(session, req)] == ["released", "withdrawn"]


def test_result_shortlist_and_detail_pages_offer_the_button(app, session, pworld):
    ref = as_user(app, pworld["referrers"][0])
    oid = pworld["offerings"][0].id
    assert f"/verzoeken/nieuw?aanbod={oid}" in ref.get(f"/aanbod/{oid}").get_data(as_text=True)
    assert "/verzoeken/nieuw?aanbod=" in ref.get("/?care_type=logeeropvang&postcode=3511").get_data(
        as_text=True
    )
    ref.post(f"/lijst/{oid}")
    assert f"/verzoeken/nieuw?aanbod={oid}" in ref.get("/lijst").get_data(as_text=True)
    anonymous = app.test_client()
    assert "/verzoeken/nieuw" not in anonymous.get(f"/aanbod/{oid}").get_data(as_text=True)


def test_audit_page_and_exports(app, session, pworld, send, make_user):
    req = send(indexes=(0, 1))
    a, _b = items_of(session, req)
    pa = as_user(app, pworld["staff"][0])
    pa.post(f"/portaal/verzoeken/{a.id}", data={"answer": "decline", "reason": "geen_plek"})
    auditor = make_user("auditor", region_code="JZ22")
    client = as_user(app, auditor)
    html = client.get("/regio/JZ22/plaatsingsverzoeken").get_data(as_text=True)
    assert "Logeerhuis A" in html and "Logeerhuis B" in html
    csv = client.get("/regio/JZ22/plaatsingsverzoeken/export/aanbieders.csv").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("Zorgaanbieder;Zorgsoort;Ontvangen")
    assert "Logeerhuis A;Logeeropvang;1;1;100;0;" in csv  # received, in time, share (%), accepted, median h
    assert client.get("/regio/JZ22/plaatsingsverzoeken/export/onvervuld.xlsx").status_code == 200
    assert client.get("/regio/JZ13/plaatsingsverzoeken").status_code == 403
    assert client.get("/regio/JZ22/plaatsingsverzoeken/export/x.csv").status_code == 404


def test_request_form_names_an_offering_whose_care_type_was_removed_from_the_vocabulary(app, session, pworld):
    from sqlalchemy import text

    off = pworld["offerings"][0]
    session.execute(
        text("UPDATE offering SET care_type = 'opgeheven_zorgvorm', name = NULL WHERE id = :id"),
        {"id": off.id},
    )
    session.commit()
    ref = as_user(app, pworld["referrers"][0])
    page = ref.get(f"/verzoeken/nieuw?aanbod={off.id}")
    assert page.status_code == 200 and "opgeheven_zorgvorm – Logeerhuis A" in page.get_data(as_text=True)
