from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from wijzer.models import CapacityReport, Invitation, Location, NoPlaceReport, Offering, OutboxMail, Provider


@pytest.fixture
def world(make_provider, make_location, make_offering, make_user, report):
    a, b = make_provider(name="Aanbieder A"), make_provider(name="Aanbieder B")
    la, lb = (
        make_location(a, postcode="3511AB", name="Locatie A"),
        make_location(b, postcode="1012", name="Locatie B"),
    )
    oa1 = make_offering(a, la, care_type="logeeropvang", ref="A-1")
    oa2 = make_offering(a, la, care_type="respijtzorg", ref="A-2")
    ob = make_offering(b, lb, care_type="respijtzorg", ref="B-1")
    report(oa1, days_ago=10, free_places=2, wait_intake=3, wait_treatment=5, waitlist_length=1)
    report(oa2, days_ago=20, free_places=0, wait_intake=8, intake_status="wachtlijst")
    report(ob, days_ago=1, free_places=1)
    return {
        "a": a,
        "b": b,
        "la": la,
        "lb": lb,
        "oa1": oa1,
        "oa2": oa2,
        "ob": ob,
        "staff_a": make_user("provider", provider=a),
        "staff_b": make_user("provider", provider=b),
        "referrer": make_user("referrer"),
        "auditor": make_user("auditor", region_code="JZ22"),
        "admin": make_user("admin"),
    }


def _form(off, **overrides):
    base = {
        "free_places": off.cur_free_places,
        "wait_intake": off.cur_wait_intake,
        "wait_treatment": off.cur_wait_treatment,
        "waitlist_length": off.cur_waitlist_length,
        "intake_status": off.cur_intake_status,
        "status_until": off.cur_status_until,
        "next_free_date": off.cur_next_free_date,
        "note": off.cur_note,
    }
    base.update(overrides)
    return {f"o{off.id}-{k}": "" if v is None else str(v) for k, v in base.items()}


def test_weekly_page_lists_own_offerings_with_state(client, login, world):
    login(world["staff_a"])
    html = client.get("/portaal/").get_data(as_text=True)
    assert "Aanbieder A" in html and "A-1" in html and "A-2" in html and "B-1" not in html
    assert "Alles klopt nog" in html and "Verouderd – onbetrouwbaar" in html and "Verouderend" in html
    assert f'name="o{world["oa1"].id}-free_places" value="2"' in html


def test_alles_klopt_nog_confirms_unchanged_and_saves_changes(client, session, login, world):
    login(world["staff_a"])
    oa1, oa2 = world["oa1"], world["oa2"]
    data = {"action": "confirm_all", **_form(oa1), **_form(oa2, free_places=1, intake_status="open")}
    response = client.post("/portaal/", data=data)
    assert response.status_code == 302
    assert "1 gewijzigd, 1 bevestigd" in client.get("/portaal/").get_data(as_text=True)
    session.expire_all()
    r1 = session.exec(
        select(CapacityReport).where(CapacityReport.offering_id == oa1.id).order_by(CapacityReport.id.desc())
    ).first()
    r2 = session.exec(
        select(CapacityReport).where(CapacityReport.offering_id == oa2.id).order_by(CapacityReport.id.desc())
    ).first()
    assert (
        r1.kind == "confirm"
        and r1.free_places == 2
        and r1.wait_treatment == 5
        and r1.user_id == world["staff_a"].id
    )
    assert r2.kind == "update" and r2.free_places == 1 and r2.intake_status == "open"
    fresh1, fresh2 = session.get(Offering, oa1.id), session.get(Offering, oa2.id)
    assert (fresh1.cur_free_places, fresh1.cur_wait_intake, fresh1.freshness) == (2, 3, "fresh")
    assert fresh2.freshness == "fresh"
    # The other provider's offering was not touched.
    assert (
        session.exec(
            select(func.count())
            .select_from(CapacityReport)
            .where(CapacityReport.offering_id == world["ob"].id)
        ).one()
        == 1
    )


def test_save_only_changes_does_not_confirm_the_rest(client, session, login, world):
    login(world["staff_a"])
    before = session.exec(select(func.count()).select_from(CapacityReport)).one()
    data = {"action": "save", **_form(world["oa1"], wait_intake=4), **_form(world["oa2"])}
    assert client.post("/portaal/", data=data).status_code == 302
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == before + 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("free_places", "-1", "tussen 0 en"),
        ("wait_intake", "261", "260 weken"),
        ("wait_treatment", "999", "260 weken"),
        ("status_until", (date.today() - timedelta(days=3)).isoformat(), "verlopen"),
        ("free_places", "veel", "heel getal"),
    ],
)
def test_weekly_validation_keeps_input_and_saves_the_valid_rows(
    client, session, login, world, field, value, message
):
    """A row with an error keeps what was typed and is not saved; the other rows of the submission are."""
    login(world["staff_a"])
    before = session.exec(select(func.count()).select_from(CapacityReport)).one()
    overrides = {field: value}
    if field == "status_until":
        overrides["intake_status"] = "opnamestop"
    data = {
        "action": "confirm_all",
        **_form(world["oa1"], **overrides),
        **_form(world["oa2"], free_places=7, intake_status="open"),
    }
    response = client.post("/portaal/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "Deze rijen zijn niet opgeslagen" in html
    assert f'name="o{world["oa1"].id}-{field}" value="{value}"' in html  # what was typed is kept
    assert f'name="o{world["oa2"].id}-free_places" value="7"' in html
    assert 'aria-invalid="true"' in html
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == before + 1  # oa2 only
    session.expire_all()
    assert session.get(Offering, world["oa2"].id).cur_free_places == 7
    assert session.get(Offering, world["oa1"].id).last_report_id == world["oa1"].last_report_id


def test_history_shows_updates_and_confirmations(client, login, world, report):
    report(world["oa1"], kind="confirm")
    login(world["staff_a"])
    html = client.get(f"/portaal/aanbod/{world['oa1'].id}/historie").get_data(as_text=True)
    assert "Bevestigd: alles klopt nog" in html and "Wijziging" in html


def test_location_create_edit_and_postcode_errors(client, session, login, world):
    login(world["staff_a"])
    assert client.get("/portaal/locaties").status_code == 200
    bad = client.post(
        "/portaal/locaties/nieuw", data={"name": "Nieuw huis", "postcode": "12", "street": "Laan"}
    )
    html = bad.get_data(as_text=True)
    assert (
        bad.status_code == 400
        and "geen geldige postcode" in html
        and 'value="Nieuw huis"' in html
        and 'value="Laan"' in html
    )
    unknown = client.post("/portaal/locaties/nieuw", data={"name": "Nieuw huis", "postcode": "1000"})
    assert unknown.status_code == 400 and "niet bekend" in unknown.get_data(as_text=True)
    ok = client.post("/portaal/locaties/nieuw", data={"name": "Nieuw huis", "postcode": "2711 AB"})
    assert ok.status_code == 302
    loc = session.exec(select(Location).where(Location.name == "Nieuw huis")).one()
    assert (loc.municipality_code, loc.region_code, loc.city) == (
        "GM0882",
        "JZ24",
        "Zoetermeer",
    ) or loc.region_code == "JZ24"
    edit = client.post(f"/portaal/locaties/{loc.id}", data={"name": "Nieuw huis 2", "postcode": "2711AB"})
    assert edit.status_code == 302


def test_offering_create_edit_toggle(client, session, login, world):
    login(world["staff_a"])
    assert client.get("/portaal/aanbod").status_code == 200
    form = {
        "offering_ref": "A-3",
        "location_id": str(world["la"].id),
        "care_type": "logeeropvang",
        "tags": ["vg", "emb"],
        "min_age": "4",
        "max_age": "18",
        "modalities": ["weekend"],
        "funding": ["zin"],
        "contract_regions": "JZ22, jz21",
        "description": "Logeren in het weekend",
    }
    assert client.post("/portaal/aanbod/nieuw", data=form).status_code == 302
    off = session.exec(select(Offering).where(Offering.offering_ref == "A-3")).one()
    assert (
        off.tag_list == ["vg", "emb"]
        and off.contract_region_list == ["JZ22", "JZ21"]
        and off.last_confirmed_at is None
    )
    page = client.get(f"/portaal/aanbod/{off.id}").get_data(as_text=True)
    assert 'value="A-3"' in page and "checked" in page
    bad = client.post(
        f"/portaal/aanbod/{off.id}", data={**form, "min_age": "19", "max_age": "12", "care_type": "x"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Onbekende zorgsoort" in html and 'value="19"' in html
    dup = client.post("/portaal/aanbod/nieuw", data={**form, "offering_ref": "A-1"})
    assert dup.status_code == 400 and "al een aanbod met kenmerk" in dup.get_data(as_text=True)
    other_loc = client.post(
        "/portaal/aanbod/nieuw", data={**form, "offering_ref": "A-9", "location_id": str(world["lb"].id)}
    )
    assert other_loc.status_code == 400
    assert client.post(f"/portaal/aanbod/{off.id}/actief").status_code == 400  # which state is wanted?
    assert client.post(f"/portaal/aanbod/{off.id}/actief", data={"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(Offering, off.id).active is False
    # a second "deactivate" from a page loaded earlier (a colleague already did it) does not flip it back
    assert client.post(f"/portaal/aanbod/{off.id}/actief", data={"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(Offering, off.id).active is False


def test_profile_edit(client, session, login, world):
    login(world["staff_a"])
    assert "Aanbieder A" in client.get("/portaal/profiel").get_data(as_text=True)
    bad = client.post("/portaal/profiel", data={"name": "Aanbieder A", "kvk": "12ab", "email": "fout"})
    assert bad.status_code == 400 and "8 cijfers" in bad.get_data(as_text=True)
    taken = client.post("/portaal/profiel", data={"name": "Aanbieder A", "kvk": world["b"].kvk})
    assert taken.status_code == 400 and "niet zelf wijzigen" in taken.get_data(as_text=True)
    ok = client.post(
        "/portaal/profiel", data={"name": "Aanbieder A BV", "kvk": world["a"].kvk, "phone": "030-1234567"}
    )
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Provider, world["a"].id).name == "Aanbieder A BV"


def test_no_place_notice_in_portal(client, session, login, world):
    session.add(NoPlaceReport(offering_id=world["oa1"].id, user_id=world["referrer"].id, region_code="JZ22"))
    session.commit()
    login(world["staff_a"])
    assert "gebeld: geen plek" in client.get("/portaal/").get_data(as_text=True)


PORTAL_ROUTES = [
    ("GET", "/portaal/"),
    ("POST", "/portaal/"),
    ("GET", "/portaal/aanbod"),
    ("GET", "/portaal/aanbod/nieuw"),
    ("GET", "/portaal/aanbod/{oa1}"),
    ("POST", "/portaal/aanbod/{oa1}"),
    ("GET", "/portaal/aanbod/{oa1}/historie"),
    ("POST", "/portaal/aanbod/{oa1}/actief"),
    ("GET", "/portaal/locaties"),
    ("GET", "/portaal/locaties/nieuw"),
    ("GET", "/portaal/locaties/{la}"),
    ("POST", "/portaal/locaties/{la}"),
    ("GET", "/portaal/profiel"),
    ("POST", "/portaal/geen-plek/gezien"),
]
OBJECT_ROUTES = [r for r in PORTAL_ROUTES if "{" in r[1]]


def _url(template, world):
    return template.format(oa1=world["oa1"].id, la=world["la"].id)


@pytest.mark.parametrize("method,template", PORTAL_ROUTES)
def test_portal_routes_need_provider_role(app, world, method, template):
    url = _url(template, world)
    anon = app.test_client().open(url, method=method)
    assert anon.status_code == 302 and "/inloggen" in anon.headers["Location"]
    for role in ("referrer", "auditor", "admin"):
        client = app.test_client()
        client.post("/inloggen", data={"email": world[role].email, "password": "Correct-Paard-Nietje-42"})
        assert client.open(url, method=method).status_code == 403, (role, url)


@pytest.mark.parametrize("method,template", OBJECT_ROUTES)
def test_other_providers_objects_are_404(app, session, world, method, template):
    client = app.test_client()
    client.post("/inloggen", data={"email": world["staff_b"].email, "password": "Correct-Paard-Nietje-42"})
    before = session.exec(select(func.count()).select_from(CapacityReport)).one()
    response = client.open(_url(template, world), method=method, data={"name": "Gekaapt", "postcode": "1012"})
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Location, world["la"].id).name == "Locatie A"
    assert session.get(Offering, world["oa1"].id).active is True
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == before


def test_admin_pages_and_invitation(client, session, login, world):
    login(world["admin"])
    home = client.get("/portaal/beheer?q=Aanbieder")
    assert home.status_code == 200 and "Aanbieder A" in home.get_data(as_text=True)
    assert "Aanbieder B" in client.get(f"/portaal/beheer?q={world['b'].kvk}").get_data(as_text=True)
    assert (
        client.get("/portaal/beheer/gebruikers").headers["Location"].endswith("/beheer/gebruikers")
    )  # moved
    bad = client.post("/portaal/beheer/aanbieders/nieuw", data={"name": "", "kvk": "1x"})
    assert bad.status_code == 400 and "8 cijfers" in bad.get_data(as_text=True)
    ok = client.post("/portaal/beheer/aanbieders/nieuw", data={"name": "Nieuwe Stichting", "kvk": "55555555"})
    assert ok.status_code == 302
    new = session.exec(select(Provider).where(Provider.kvk == "55555555")).one()
    page = client.post(f"/portaal/beheer/aanbieders/{new.id}", data={"email": "Staf@Nieuw.nl"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/uitnodiging/" in html
    link = html.split('id="invite-link">')[1].split("<")[0]
    inv = session.exec(select(Invitation)).one()
    assert inv.email == "staf@nieuw.nl" and inv.provider_id == new.id
    mail = session.exec(select(OutboxMail)).one()
    assert mail.to == "staf@nieuw.nl" and link in mail.body and mail.kind == "invitation"
    dup = client.post(f"/portaal/beheer/aanbieders/{world['a'].id}", data={"email": world["staff_a"].email})
    assert dup.status_code == 400 and "al een account" in dup.get_data(as_text=True)
    assert client.get("/portaal/beheer/aanbieders/99999").status_code == 404


@pytest.mark.parametrize(
    "url", ["/portaal/beheer", "/portaal/beheer/gebruikers", "/portaal/beheer/aanbieders/nieuw"]
)
def test_admin_pages_are_admin_only(app, world, url):
    for role in ("staff_a", "referrer", "auditor"):
        client = app.test_client()
        client.post("/inloggen", data={"email": world[role].email, "password": "Correct-Paard-Nietje-42"})
        assert client.get(url).status_code == 403
