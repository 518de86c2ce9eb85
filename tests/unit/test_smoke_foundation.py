from sqlmodel import func, select

from wijzer.models import Gemeente, Jeugdregio, PostcodeArea


def test_reference_data_loaded(session):
    assert session.exec(select(func.count()).select_from(Jeugdregio)).one() == 42
    assert session.exec(select(func.count()).select_from(Gemeente)).one() == 342
    assert session.exec(select(func.count()).select_from(PostcodeArea)).one() == 4086
    assert session.get(Gemeente, "GM0344").region_code == "JZ22"


def test_factories_and_login(client, make_provider, make_location, make_offering, report, make_user, login):
    p = make_provider()
    loc = make_location(p, postcode="3511 ab")
    assert loc.municipality_code == "GM0344" and loc.region_code == "JZ22" and loc.postcode == "3511AB"
    off = make_offering(p, loc, tags=["lvb", "ass"])
    assert off.tag_list == ["lvb", "ass"]
    report(off, free_places=2, wait_intake=3)
    assert off.cur_free_places == 2 and off.freshness == "fresh"
    user = make_user("provider", provider=p)
    login(user)
    page = client.get("/portaal/")
    assert page.status_code == 200 and off.offering_ref in page.get_data(as_text=True)
