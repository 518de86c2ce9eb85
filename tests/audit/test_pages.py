"""Audit pages: national comparison for auditors (own region highlighted, national medians, no provider
names), the quarterly report (page and workbook), the compliance page with trust signals, the contract
basis (figures and coverage gaps), bad input, and the provider's quiet trust hint in the portal."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from wijzer.services.regions import all_region_figures, coverage_gaps
from wijzer.services.trends import national_comparison
from wijzer.timeutil import utcnow

PASSWORD = "Correct-Paard-Nietje-42"


@pytest.fixture
def setup(session, make_provider, make_location, make_offering, make_user, report):
    """JZ03: provider 'Geheim Zorg' with two logeeropvang offerings (free 2 of 10, free 1 of 5);
    JZ22 (Utrecht): 'Utrechtse Zorg' with one (free 4). The JZ03 offering in Den Helder is also contracted by
    JZ22."""
    p1, p2 = make_provider(name="Geheim Zorg"), make_provider(name="Utrechtse Zorg")
    a = make_offering(p1, make_location(p1, postcode="1781"), care_type="logeeropvang", ref="A")
    b = make_offering(p1, make_location(p1, postcode="1741"), care_type="logeeropvang", ref="B")
    u = make_offering(p2, make_location(p2, postcode="3511"), care_type="logeeropvang", ref="U")
    a.contract_regions, b.contract_regions, u.contract_regions = "|JZ03|JZ22|", "|JZ03|", "|JZ22|"
    for off, free, total, days in ((a, 2, 10, 8), (b, 1, 5, 9), (u, 4, None, 8)):  # in an earlier ISO week
        report(
            off,
            days_ago=days,
            free_places=free,
            total_places=total,
            wait_intake=3,
            wait_treatment=6,
            intake_status="open",
        )
    session.commit()
    return {
        "auditor": make_user("auditor", region_code="JZ03"),
        "admin": make_user("admin"),
        "provider": make_user("provider", provider=p1),
        "a": a,
    }


def _client(app, user):
    c = app.test_client()
    assert c.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return c


def test_occupancy_over_offerings_reporting_both(app, session, setup):
    f = {
        x["care_type"]: x for x in all_region_figures(session, utcnow(), app.config, ["JZ03", "JZ22"])["JZ03"]
    }
    assert f["logeeropvang"]["occupancy"] == pytest.approx(1 - 3 / 15)
    jz22 = {x["care_type"]: x for x in all_region_figures(session, utcnow(), app.config, ["JZ22"])["JZ22"]}
    assert jz22["logeeropvang"]["occupancy"] is None  # U reports no total


def test_contract_basis_figures_and_gaps(app, session, setup):
    contract = {
        x["care_type"]: x
        for x in all_region_figures(session, utcnow(), app.config, ["JZ22"], "contract")["JZ22"]
    }
    assert contract["logeeropvang"]["offerings"] == 2 and contract["logeeropvang"]["free_places"] == 6
    assert contract["logeeropvang"]["occupancy"] == pytest.approx(1 - 2 / 10)
    # JZ03 contracts A (Den Helder) and B (Schagen): Texel (GM0448) is 14.0 km from A... under the location
    # basis anything within 25 km counts; under the contract basis only A and B do.
    loc = {
        (g["municipality_code"], g["care_type"]): g
        for g in coverage_gaps(session, "JZ03", utcnow(), app.config)
    }
    con = {
        (g["municipality_code"], g["care_type"]): g
        for g in coverage_gaps(session, "JZ22", utcnow(), app.config, "contract")
    }
    assert loc[("GM0400", "logeeropvang")]["covered"] is True
    utrecht = con[("GM0344", "logeeropvang")]
    assert utrecht["covered"] is True and utrecht["nearest_km"] < 5  # U in Utrecht itself
    a_only = {
        (g["municipality_code"]): g
        for g in coverage_gaps(session, "JZ22", utcnow(), app.config, "contract")
        if g["care_type"] == "respijtzorg"
    }
    assert all(not g["covered"] and g["nearest_km"] is None for g in a_only.values())


def test_national_comparison_for_an_auditor(app, session, setup):
    client = _client(app, setup["auditor"])
    html = client.get("/regio/landelijk").get_data(as_text=True)
    assert 'class="utrecht-table__row own-region"' in html and "(uw regio)" in html
    assert "Landelijke mediaan per zorgsoort" in html
    assert "Geheim Zorg" not in html and "Utrechtse Zorg" not in html  # aggregates only
    assert 'href="/regio/JZ22' not in html  # other regions are not links for an auditor
    data = national_comparison(session, utcnow(), app.config)
    offerings = sorted(r["offerings"] for r in data["rows"] if r["care_type"] == "logeeropvang")
    assert (
        data["medians"]["logeeropvang"]["offerings"] == offerings[len(offerings) // 2]
    )  # 42 regions: mid pair
    wb = load_workbook(io.BytesIO(client.get("/regio/landelijk/export.xlsx").data))
    ws = wb["Landelijk"]
    own = [r for r in ws.iter_rows(min_row=2) if r[0].value == "JZ03"]
    assert own and all(c.fill.fgColor.rgb.endswith("FFF3C4") for c in own[0])
    assert wb["Landelijke mediaan"].max_row == 5
    assert client.get("/regio/landelijk?basis=contract").status_code == 200
    assert client.get("/regio/landelijk?basis=x").status_code == 400


def test_quarterly_report_page_and_workbook(app, session, setup):
    client = _client(app, setup["auditor"])
    today = utcnow().date()
    van = (today - timedelta(weeks=2)).isoformat()
    r = client.get(f"/regio/JZ03/rapport?van={van}&tot={today.isoformat()}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for part in (
        "1. Cijfers aan het eind van de periode",
        "2. Waar mist zorg?",
        "3. Trends per week",
        "4. Naleving en betrouwbaarheid",
        "5. Definities",
        "Geheim Zorg",
        "<svg",
        "data-print",
        "Bezetting",
    ):
        assert part in html, part
    wb = load_workbook(io.BytesIO(client.get(f"/regio/JZ03/rapport.xlsx?van={van}").data))
    assert wb.sheetnames == ["Cijfers eind periode", "Trends", "Gaten", "Naleving", "Over deze export"]
    assert wb["Cijfers eind periode"].max_row == 5 and wb["Trends"].max_row == 1 + 3 * 4
    bad = client.get("/regio/JZ03/rapport?van=2026-13-45")
    assert bad.status_code == 400 and "JJJJ-MM-DD" in bad.get_data(as_text=True)
    assert client.get("/regio/JZ03/rapport.xlsx?van=nee").status_code == 400


def test_compliance_page_shows_and_sorts_trust_signals(app, session, setup):
    client = _client(app, setup["auditor"])
    html = client.get("/regio/JZ03/naleving?sorteer=on_time").get_data(as_text=True)
    assert "Weken op tijd (13)" in html and "Geheim Zorg" in html and "Pas na herinnering" in html
    assert client.get("/regio/JZ03/naleving?sorteer=onzin").status_code == 200
    head = load_workbook(io.BytesIO(client.get("/regio/JZ03/export/naleving.xlsx").data))["Naleving"][1]
    assert "Weken op tijd bevestigd (13 weken) (%)" in [c.value for c in head]
    assert client.get("/regio/JZ03/naleving?basis=contract").status_code == 200


def test_bad_basis_and_period_on_pages(app, setup):
    client = _client(app, setup["auditor"])
    r = client.get("/regio/JZ03?basis=elders")
    assert r.status_code == 400
    r = client.get("/regio/JZ03?van=2026-10-10&tot=2026-10-01")
    assert r.status_code == 400 and "De begindatum ligt na de einddatum." in r.get_data(as_text=True)
    assert client.get("/regio/JZ03/export/trends.xlsx?tot=x").status_code == 400
    assert client.get("/regio/JZ03/export/cijfers.xlsx?format=raw").status_code == 404


def test_portal_shows_a_quiet_trust_hint(app, setup):
    html = _client(app, setup["provider"]).get("/portaal/").get_data(as_text=True)
    assert 'class="trust-hint small"' in html and "Afgelopen 13 weken" in html


def test_portal_keeps_the_trust_hint_for_ten_minutes(app, session, setup, report, monkeypatch):
    """The hint is worked out once per provider and ISO week for at most 10 minutes, not on every load of the
    weekly page (a save does not change its complete weeks)."""
    from wijzer.services import trends

    calls = []
    real = trends.trust_signals
    monkeypatch.setattr(trends, "trust_signals", lambda *a, **k: calls.append(1) or real(*a, **k))
    client = _client(app, setup["provider"])
    for _ in range(3):
        assert "Afgelopen 13 weken" in client.get("/portaal/").get_data(as_text=True)
    report(setup["a"], free_places=3, intake_status="open")
    assert "Afgelopen 13 weken" in client.get("/portaal/").get_data(as_text=True)
    assert len(calls) == 1
    cache = app.extensions["wijzer_trust_hints"]
    provider_id = setup["provider"].provider_id
    with app.app_context():
        kept = trends.provider_trust_hint(
            session, provider_id, utcnow() + timedelta(minutes=5), app.config, cache
        )
        assert len(calls) == 1 and kept["weeks_counted"] >= 1
        trends.provider_trust_hint(session, provider_id, utcnow() + timedelta(minutes=11), app.config, cache)
        assert len(calls) == 2
        trends.provider_trust_hint(session, provider_id + 1, utcnow(), app.config, cache)  # another provider
        assert len(calls) == 3
