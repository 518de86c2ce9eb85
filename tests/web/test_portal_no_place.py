"""'Gebeld: geen plek' notices in the portal: shown per offering, new ones can be marked as read."""

from sqlmodel import select

from wijzer.models import AuditLog, NoPlaceReport


def test_no_place_notices_new_then_marked_seen_only_for_own_provider(
    client, session, login, make_provider, make_location, make_offering, make_user
):
    a, b = make_provider(name="Aanbieder A"), make_provider(name="Aanbieder B")
    oa = make_offering(a, make_location(a, postcode="3511AB"), ref="A-1")
    ob = make_offering(b, make_location(b, postcode="1012"), ref="B-1")
    referrer = make_user("referrer")
    for off in (oa, oa, ob):
        session.add(NoPlaceReport(offering_id=off.id, user_id=referrer.id, region_code=off.region_code))
    session.commit()
    staff = make_user("provider", provider=a)
    login(staff)

    html = client.get("/portaal/").get_data(as_text=True)
    assert "2 nieuwe melding(en)" in html and '2× "gebeld: geen plek"' in html and "waarvan 2 nieuw" in html
    assert 'action="/portaal/geen-plek/gezien"' in html

    done = client.post("/portaal/geen-plek/gezien")
    assert done.status_code == 302 and done.headers["Location"].endswith("/portaal/")
    html = client.get("/portaal/").get_data(as_text=True)
    assert "als gelezen gemarkeerd" in html and "nieuwe melding" not in html
    assert '2× "gebeld: geen plek"' in html and "nieuw)" not in html  # still listed, no longer new

    session.expire_all()
    rows = {r.offering_id: r for r in session.exec(select(NoPlaceReport)).all()}
    own = session.exec(select(NoPlaceReport).where(NoPlaceReport.offering_id == oa.id)).all()
    assert all(r.seen_by_provider_at is not None for r in own)
    assert rows[ob.id].seen_by_provider_at is None  # another provider's report is untouched
    entry = session.exec(select(AuditLog).where(AuditLog.action == "no_place_seen")).one()
    assert entry.entity_id == str(a.id) and entry.user_id == staff.id

    # marking again changes nothing and writes no audit entry
    client.post("/portaal/geen-plek/gezien")
    assert len(session.exec(select(AuditLog).where(AuditLog.action == "no_place_seen")).all()) == 1


def test_freshness_badge_uses_the_regions_own_limits(
    client, session, login, make_provider, make_location, make_offering, make_user, report
):
    from wijzer.models import Jeugdregio

    provider = make_provider(name="Regio Zorg")
    off = make_offering(provider, make_location(provider, postcode="3511AB"), ref="R-1")
    report(off, days_ago=10, free_places=1)
    login(make_user("provider", provider=provider))
    html = client.get("/portaal/").get_data(as_text=True)
    assert "badge--aging" in html  # 10 days: aging under the defaults (7/14)
    region = session.get(Jeugdregio, off.region_code)
    saved = region.fresh_days, region.stale_days
    region.fresh_days, region.stale_days = 3, 5
    session.add(region)
    session.commit()
    try:
        html = client.get("/portaal/").get_data(as_text=True)
        assert "badge--stale" in html and "unreliable" in html  # the region counts 10 days as stale
    finally:  # reference data is shared by all tests: put it back
        region.fresh_days, region.stale_days = saved
        session.add(region)
        session.commit()
