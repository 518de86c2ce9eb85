"""Region audit on a hand-built region: JZ03 Kop van Noord-Holland (Den Helder GM0400, Schagen GM0441,
Texel GM0448, Hollands Kroon GM1911). Every expected number below was worked out by hand:

specialistische jeugdhulp in JZ03: S1 Den Helder fresh wachtlijst wait 2/8 free 0 (P1); S2 Schagen fresh open
wait 6/12 free 2 (P2); S3 Wieringerwerf aging wachtlijst wait 10/– (P1); S4 Den Burg stale open wait 20/30
free 1 (P3); S5 Schagen never reported (P3).
  offerings 5, providers 3, free places 3; intake waits of non-stale [2, 6, 10] -> median 6, p90 9.2;
  treatment [8, 12] -> median 10, p90 11.6; over norm (4 / 10 weeks): 2 of 3, 1 of 2; stale 2 of 5.
Distances (km, geodesic) from the gemeente centroids: 1781 Den Helder 3.98 / 19.15 / 14.0 / 18.59;
1741 Schagen 14.92 / 3.6 / 32.18 / 10.92; 1791 Den Burg 15.24 / 30.4 / 2.75 / 27.22;
1771 Wieringerwerf 20.41 / 20.52 / 29.69 / 6.07; 1811 Alkmaar (JZ06) 32.37 / 17.11 / 50.13 / 25.99.
"""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from wijzer.models import NoPlaceReport, Reminder
from wijzer.services.regions import all_region_figures, coverage_gaps, percentile
from wijzer.timeutil import utcnow

G = ["GM0400", "GM0441", "GM0448", "GM1911"]


@pytest.fixture
def region(session, make_provider, make_location, make_offering, make_user, report):
    p1, p2, p3, p4 = (
        make_provider(name=n) for n in ("Aanbieder Een", "Aanbieder Twee", "Aanbieder Drie", "Alkmaar Zorg")
    )
    spec = "specialistische_jeugdhulp"
    s1 = make_offering(p1, make_location(p1, postcode="1781"), care_type=spec, ref="S1")
    s2 = make_offering(p2, make_location(p2, postcode="1741"), care_type=spec, ref="S2")
    s3 = make_offering(p1, make_location(p1, postcode="1771"), care_type=spec, ref="S3")
    s4 = make_offering(p3, make_location(p3, postcode="1791"), care_type=spec, ref="S4")
    make_offering(p3, make_location(p3, postcode="1741"), care_type=spec, ref="S5")
    l1 = make_offering(p2, make_location(p2, postcode="1791"), care_type="logeeropvang", ref="L1")
    r1 = make_offering(p4, make_location(p4, postcode="1811"), care_type="respijtzorg", ref="R1")
    report(s1, days_ago=1, free_places=0, wait_intake=2, wait_treatment=8, intake_status="wachtlijst")
    report(s2, days_ago=2, free_places=2, wait_intake=6, wait_treatment=12, intake_status="open")
    report(s3, days_ago=10, free_places=0, wait_intake=10, intake_status="wachtlijst")
    report(s4, days_ago=20, free_places=1, wait_intake=20, wait_treatment=30, intake_status="open")
    report(l1, days_ago=1, free_places=1, wait_intake=1, wait_treatment=1, intake_status="open")
    report(r1, days_ago=1, free_places=0, wait_intake=3, intake_status="wachtlijst")
    ref = make_user("referrer")
    now = utcnow()
    for days in (1, 3, 35):
        session.add(
            NoPlaceReport(
                offering_id=s2.id, user_id=ref.id, region_code="JZ03", at=now - timedelta(days=days)
            )
        )
    session.add(Reminder(provider_id=p3.id, kind="stale", window="w1", sent_at=now))
    session.add(Reminder(provider_id=p3.id, kind="stale", window="w2", sent_at=now))
    session.add(
        Reminder(provider_id=p3.id, kind="escalation", window="JZ03:w1", region_code="JZ03", sent_at=now)
    )
    session.add(Reminder(provider_id=p1.id, kind="aging", window="w3", sent_at=None))  # not sent: not counted
    session.commit()
    return {
        "auditor": make_user("auditor", region_code="JZ03"),
        "other_auditor": make_user("auditor", region_code="JZ22"),
        "admin": make_user("admin"),
        "referrer": ref,
        "p1": p1,
        "p3": p3,
    }


def test_percentile_matches_statistics_inclusive():
    import statistics

    for values in ([2, 6, 10], [8, 12], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [5], [3, 1, 4, 1, 5, 9, 2, 6]):
        if len(values) > 1:
            q = statistics.quantiles(values, n=100, method="inclusive")
            assert percentile(values, 90) == pytest.approx(q[89]) and percentile(values, 50) == pytest.approx(
                q[49]
            )
    assert percentile([], 50) is None and percentile([7], 90) == 7


def test_figures_computed_by_hand(app, session, region):
    figures = {f["care_type"]: f for f in all_region_figures(session, utcnow(), app.config, ["JZ03"])["JZ03"]}
    s = figures["specialistische_jeugdhulp"]
    assert (s["offerings"], s["providers"], s["free_places"]) == (5, 3, 3)
    assert s["median_wait_intake"] == 6 and s["p90_wait_intake"] == pytest.approx(9.2)
    assert s["median_wait_treatment"] == 10 and s["p90_wait_treatment"] == pytest.approx(11.6)
    assert s["share_over_norm_intake"] == pytest.approx(2 / 3) and s["share_over_norm_treatment"] == 0.5
    assert s["share_stale"] == 0.4 and s["no_place_reports_4w"] == 2
    lo = figures["logeeropvang"]
    assert (lo["offerings"], lo["free_places"], lo["median_wait_intake"], lo["share_stale"]) == (1, 1, 1, 0)
    empty = figures["onderwijs_zorgarrangement"]
    assert empty == {
        "care_type": "onderwijs_zorgarrangement",
        "offerings": 0,
        "providers": 0,
        "free_places": 0,
        "median_wait_intake": None,
        "p90_wait_intake": None,
        "median_wait_treatment": None,
        "p90_wait_treatment": None,
        "share_over_norm_intake": None,
        "share_over_norm_treatment": None,
        "share_stale": None,
        "occupancy": None,
        "no_place_reports_4w": 0,
    }
    assert figures["respijtzorg"]["offerings"] == 0  # R1 lies in Alkmaar (JZ06)


def test_region_norms_are_configurable(app, session, region):
    from wijzer.models import Jeugdregio

    jz = session.get(Jeugdregio, "JZ03")
    jz.norm_intake_weeks, jz.stale_days = 8, 30
    session.commit()
    s = {f["care_type"]: f for f in all_region_figures(session, utcnow(), app.config, ["JZ03"])["JZ03"]}[
        "specialistische_jeugdhulp"
    ]
    # S4 (20 days) is no longer stale: intake waits [2, 6, 10, 20], over 8 weeks: 10 and 20.
    assert s["share_stale"] == 0.2 and s["median_wait_intake"] == 8 and s["share_over_norm_intake"] == 0.5


def test_coverage_gaps_by_hand(app, session, region):
    gaps = {
        (g["municipality_code"], g["care_type"]): (g["covered"], g["nearest_km"])
        for g in coverage_gaps(session, "JZ03", utcnow(), app.config)
    }
    assert len(gaps) == 16
    spec = [gaps[(g, "specialistische_jeugdhulp")] for g in G]
    assert spec == [(True, 3.98), (True, 3.6), (True, 14.0), (True, 6.07)]
    logeer = [gaps[(g, "logeeropvang")] for g in G]
    assert logeer == [(True, 15.24), (False, 30.4), (True, 2.75), (False, 27.22)]
    respijt = [gaps[(g, "respijtzorg")] for g in G]  # covered from across the region border, or not
    assert respijt == [(False, 32.37), (True, 17.11), (False, 50.13), (False, 25.99)]
    assert all(gaps[(g, "onderwijs_zorgarrangement")] == (False, None) for g in G)


def _client_for(app, user):
    client = app.test_client()
    assert (
        client.post(
            "/inloggen", data={"email": user.email, "password": "Correct-Paard-Nietje-42"}
        ).status_code
        == 302
    )
    return client


def test_dashboard_page(app, region):
    client = _client_for(app, region["auditor"])
    assert client.get("/regio/").headers["Location"].endswith("/regio/JZ03")
    html = client.get("/regio/JZ03").get_data(as_text=True)
    assert (
        "Kop van Noord-Holland" in html and "6 / 9,2" in html and "10 / 11,6" in html and "67% / 50%" in html
    )
    assert html.count("<path ") == 4 and "Texel: 2 zorgsoorten missen" in html
    assert "Schagen" in html and "30,4 km" in html and "nergens" in html


def test_compliance_list_sortable(app, region):
    client = _client_for(app, region["auditor"])
    html = client.get("/regio/JZ03/naleving").get_data(as_text=True)
    # by age of the oldest confirmation: Drie (never confirmed) first, then Een (10 days), then Twee (2 days)
    assert html.index("Aanbieder Drie") < html.index("Aanbieder Een") < html.index("Aanbieder Twee")
    assert "Alkmaar Zorg" not in html
    by_name = client.get("/regio/JZ03/naleving?sorteer=name").get_data(as_text=True)
    assert by_name.index("Aanbieder Drie") < by_name.index("Aanbieder Een") < by_name.index("Aanbieder Twee")
    from wijzer.services.regions import compliance

    with app.app_context():
        from wijzer.db import get_session

        rows = {r["provider"]: r for r in compliance(get_session(), "JZ03", utcnow())}
    assert rows["Aanbieder Drie"]["reminders_sent"] == 2 and rows["Aanbieder Drie"]["escalated"] is True
    assert rows["Aanbieder Drie"]["never_confirmed"] == 1 and rows["Aanbieder Drie"]["age_days"] is None
    assert rows["Aanbieder Een"]["reminders_sent"] == 0 and rows["Aanbieder Een"][
        "age_days"
    ] == pytest.approx(10, abs=0.1)


def test_exports_csv_and_xlsx(app, region):
    client = _client_for(app, region["auditor"])
    csv_text = client.get("/regio/JZ03/export/cijfers.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffZorgsoort;Aanbod")
    assert "Specialistische jeugdhulp;5;3;3;6;9,2;10;11,6;66,7;50;40;;2" in csv_text
    gaps = client.get("/regio/JZ03/export/gaten.xlsx")
    sheet = load_workbook(io.BytesIO(gaps.data))["Gaten"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Gemeentecode" and len(rows) == 17
    assert ("GM0441", "Schagen", "Logeeropvang", "nee", 30.4) in rows
    naleving = client.get("/regio/JZ03/export/naleving.csv").get_data(as_text=True)
    assert "Aanbieder Drie" in naleving and ";ja" in naleving
    assert client.get("/regio/JZ03/export/iets.csv").status_code == 404


def test_trends_on_the_dashboard_come_from_the_report_history(app, session, region):
    html = (
        _client_for(app, region["auditor"])
        .get("/regio/JZ03?van=" + (date.today() - timedelta(weeks=3)).isoformat())
        .get_data(as_text=True)
    )
    # 4 weeks (3 back + the current one) for each care type with offerings in the period
    assert (
        html.count('data-week="') == 4 * 2 and "js/trends.js" in html and "Nog geen momentopnamen" not in html
    )


def test_api_region_audit(app, client, region, login):
    login(region["auditor"])
    html = client.post("/account/sleutels", data={"name": "api"}).get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    client.post("/uitloggen")
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/regions/JZ03/audit", headers=auth).get_json()
    assert body["region"] == {"code": "JZ03", "name": "Kop van Noord-Holland"}
    spec = next(c for c in body["care_types"] if c["care_type"] == "specialistische_jeugdhulp")
    assert spec["p90_wait_intake"] == pytest.approx(9.2) and spec["no_place_reports_4w"] == 2
    assert {
        "municipality_code": "GM0441",
        "care_type": "logeeropvang",
        "covered": False,
        "nearest_km": 30.4,
    } in body["gaps"]
    from jsonschema import validate

    from wijzer.api.openapi import standalone

    validate(body, standalone("RegionAudit"))
    assert client.get("/api/v1/regions/JZ22/audit", headers=auth).status_code == 403
    assert client.get("/api/v1/regions/JZ99/audit", headers=auth).status_code == 404
    assert client.get("/api/v1/regions/JZ03/audit").status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/regio/JZ03",
        "/regio/JZ03/naleving",
        "/regio/JZ03/export/cijfers.csv",
        "/regio/JZ03/export/gaten.xlsx",
        "/regio/JZ03/export/naleving.csv",
        "/regio/JZ03/export/naleving.xlsx",
        "/regio/JZ03/export/trends.csv",
        "/regio/JZ03/rapport",
        "/regio/JZ03/rapport.xlsx",
    ],
)
def test_other_region_auditor_and_other_roles_are_refused(app, region, url):
    assert _client_for(app, region["other_auditor"]).get(url).status_code == 403
    assert _client_for(app, region["referrer"]).get(url).status_code == 403
    anon = app.test_client().get(url)
    assert anon.status_code == 302 and "/inloggen" in anon.headers["Location"]
    assert _client_for(app, region["admin"]).get(url).status_code == 200


def test_national_overview_for_admin(app, region):
    client = _client_for(app, region["admin"])
    assert client.get("/regio/").headers["Location"].endswith("/regio/landelijk")
    html = client.get("/regio/landelijk").get_data(as_text=True)
    assert html.count("/regio/JZ") >= 42 and "Kop van Noord-Holland" in html and "(uw regio)" not in html
    xlsx = load_workbook(io.BytesIO(client.get("/regio/landelijk/export.xlsx").data))["Landelijk"]
    assert xlsx.max_row == 1 + 42 * 4


def test_point_grid_nearest_equals_brute_force():
    import random

    from wijzer.geo import geodesic_km
    from wijzer.services.regions import PointGrid

    rng = random.Random(7)
    points = [(rng.uniform(50.7, 53.5), rng.uniform(3.3, 7.2)) for _ in range(800)]
    assert PointGrid([]).nearest_km(52, 5) is None
    for n in (1, 3, 40, 800):
        grid = PointGrid(points[:n])
        for _ in range(60):
            q = (rng.uniform(50.7, 53.5), rng.uniform(3.3, 7.2))
            assert grid.nearest_km(*q) == pytest.approx(
                min(geodesic_km(*q, *p) for p in points[:n]), abs=1e-9
            )
