"""Trends reconstructed from the report history, worked out by hand.

Region JZ03 (Kop van Noord-Holland), care type logeeropvang, default thresholds (fresh 7 days, stale 14,
norm intake 4 weeks). Weeks end on Monday 00:00 Europe/Amsterdam: W41 ends 2026-10-11 22:00 UTC, W42
2026-10-18 22:00 UTC, W43 2026-10-25 23:00 UTC (summer time ended on the 25th), W44 2026-11-01 23:00 UTC.

A (provider 1, Den Helder): 7 Oct 10:00 free 2/total 10, waits 3/5; 15 Oct 12:00 (mid-week) 0/10, 6/8;
   18 Oct 22:30 UTC = Monday 19 Oct 00:30 local, so in W43, not W42: 1/10, 5/8.
B (provider 2, Schagen): 21 Sep 10:00 free 1/total 4, wait 8 (stale from W41 on); 23 Oct 09:00 3/4, wait 2/–
   (the stale offering becomes fresh in W43).
C (provider 2, Den Burg): 6 Oct 08:00 free 1/total unknown, waits 10/12; deactivated 21 Oct 12:00 (W43).
'Gebeld: geen plek': on A on 10 Oct 12:00 (W41, A showed 2 places, open, fresh), on B on 16 Oct 09:00 (W42).

W41: A fresh (4.5 d), B stale (20.5 d), C fresh (5.6 d). 3 offerings, free 2+1+1 = 4; intake [3, 10] ->
     median 6.5, P90 9.3; treatment [5, 12] -> 8.5, 11.3; over norm 1 of 2; stale 1/3;
     occupancy over A and B: 1 - 3/14 = 11/14; no-place 1.
W42: A fresh (15 Oct), B stale, C aging (12.6 d). free 0+1+1 = 2; intake [6, 10] -> 8, 9.6; treatment [8, 12] ->
     10, 11.6; over norm 2 of 2; stale 1/3; occupancy 1 - 1/14 = 13/14; no-place 1.
W43: A aging (7.02 d, the 19 Oct report), B fresh, C inactive. 2 offerings, free 1+3 = 4; intake [5, 2] -> 3.5,
     4.7; treatment [8] -> 8, 8; over norm 1 of 2; stale 0; occupancy 1 - 4/14 = 5/7; no-place 0.
W44: A stale (14.02 d), B aging (9.6 d). free 4; intake [2] -> 2, 2; treatment none; over norm 0 of 1;
     stale 1/2; occupancy 5/7; no-place 0.
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from wijzer.models import Jeugdregio, NoPlaceReport, RegionSnapshot, Reminder
from wijzer.schemas import CapacityInput
from wijzer.services import auditlog
from wijzer.services.availability import record_report
from wijzer.services.regions import all_region_figures, take_snapshots
from wijzer.services.trends import TREND_MEASURES, region_trends, trust_signals, week_bounds

LOG = "logeeropvang"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Monday of W45


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(session, make_provider, make_location, make_offering, make_user):
    p1, p2 = make_provider(name="Trend Een"), make_provider(name="Trend Twee")
    a = make_offering(p1, make_location(p1, postcode="1781"), care_type=LOG, ref="A")
    b = make_offering(p2, make_location(p2, postcode="1741"), care_type=LOG, ref="B")
    c = make_offering(p2, make_location(p2, postcode="1791"), care_type=LOG, ref="C")

    def rep(off, when, free, total, wi, wt):
        data = CapacityInput(
            free_places=free, total_places=total, wait_intake=wi, wait_treatment=wt, intake_status="open"
        )
        record_report(session, off, data, kind="update", source="portal", reported_at=when, now=when)

    rep(b, at(9, 21, 10), 1, 4, 8, None)
    rep(c, at(10, 6, 8), 1, None, 10, 12)
    rep(a, at(10, 7, 10), 2, 10, 3, 5)
    rep(a, at(10, 15, 12), 0, 10, 6, 8)
    rep(a, at(10, 18, 22, 30), 1, 10, 5, 8)
    rep(b, at(10, 23, 9), 3, 4, 2, None)
    c.active = False
    entry = auditlog.record(session, action="deactivate", entity="offering", entity_id=c.id, actor="test")
    entry.at = at(10, 21, 12)
    ref = make_user("referrer")
    session.add(NoPlaceReport(offering_id=a.id, user_id=ref.id, region_code="JZ03", at=at(10, 10, 12)))
    session.add(NoPlaceReport(offering_id=b.id, user_id=ref.id, region_code="JZ03", at=at(10, 16, 9)))
    session.add(
        Reminder(
            provider_id=p2.id, kind="stale", window="t1", offering_ids=f"|{b.id}|", sent_at=at(10, 20, 8)
        )
    )
    session.commit()
    return {"a": a, "b": b, "c": c, "p1": p1, "p2": p2}


def _weeks(session, app, start=date(2026, 10, 5), end=date(2026, 11, 1), basis="location"):
    rows = region_trends(session, session.get(Jeugdregio, "JZ03"), start, end, NOW, app.config, basis)
    return {r["week"]: r for r in rows if r["care_type"] == LOG}, rows


def test_week_bounds_follow_amsterdam_time():
    assert week_bounds(at(10, 15, 12)) == (at(10, 11, 22), at(10, 18, 22))
    assert week_bounds(at(10, 18, 22, 30)) == (at(10, 18, 22), at(10, 25, 23))  # DST ends on the 25th
    assert week_bounds(at(10, 18, 21, 59)) == (at(10, 11, 22), at(10, 18, 22))


def test_reconstructed_weeks_by_hand(app, session, history):
    weeks, rows = _weeks(session, app)
    assert list(weeks) == ["2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert len(rows) == 4 * 4  # every week × every care type
    w41, w42, w43, w44 = (weeks[w] for w in weeks)
    assert (w41["offerings"], w41["free_places"], w41["no_place_reports"]) == (3, 4, 1)
    assert (w41["median_wait_intake"], w41["p90_wait_intake"]) == (6.5, pytest.approx(9.3))
    assert (w41["median_wait_treatment"], w41["p90_wait_treatment"]) == (8.5, pytest.approx(11.3))
    assert w41["share_over_norm_intake"] == 0.5 and w41["share_stale"] == pytest.approx(1 / 3)
    assert w41["occupancy"] == pytest.approx(11 / 14)
    # the mid-week report counts; the Monday 00:30 local report does not
    assert (w42["offerings"], w42["free_places"], w42["no_place_reports"]) == (3, 2, 1)
    assert (w42["median_wait_intake"], w42["p90_wait_intake"]) == (8, pytest.approx(9.6))
    assert (w42["median_wait_treatment"], w42["p90_wait_treatment"]) == (10, pytest.approx(11.6))
    assert w42["share_over_norm_intake"] == 1 and w42["occupancy"] == pytest.approx(13 / 14)
    # C deactivated; B stale -> fresh
    assert (w43["offerings"], w43["free_places"], w43["no_place_reports"]) == (2, 4, 0)
    assert (w43["median_wait_intake"], w43["p90_wait_intake"]) == (3.5, pytest.approx(4.7))
    assert (w43["median_wait_treatment"], w43["p90_wait_treatment"]) == (8, 8)
    assert (
        w43["share_over_norm_intake"] == 0.5
        and w43["share_stale"] == 0
        and w43["occupancy"] == pytest.approx(5 / 7)
    )
    assert (w44["offerings"], w44["free_places"], w44["median_wait_intake"], w44["p90_wait_intake"]) == (
        2,
        4,
        2,
        2,
    )
    assert w44["median_wait_treatment"] is None and w44["share_over_norm_intake"] == 0
    assert w44["share_stale"] == 0.5 and w44["occupancy"] == pytest.approx(5 / 7)
    other = [r for r in rows if r["care_type"] == "respijtzorg"]
    assert all(r["offerings"] == 0 and r["occupancy"] is None for r in other)


def test_current_week_equals_the_audit(app, session, history):
    weeks, _ = _weeks(session, app, end=NOW.date())
    live = {f["care_type"]: f for f in all_region_figures(session, NOW, app.config, ["JZ03"])["JZ03"]}[LOG]
    assert {k: weeks["2026-W45"][k] for k in TREND_MEASURES if k != "no_place_reports"} == {
        k: live[k] for k in TREND_MEASURES if k != "no_place_reports"
    }


def test_stored_snapshot_equals_reconstructed_week(app, session, history):
    # the nightly job run at the very end of W43 (Sunday 23:59:59 local) stores that week's figures
    take_snapshots(session, date(2026, 10, 25), datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC), app.config)
    session.commit()
    snap = session.exec(
        __import__("sqlmodel")
        .select(RegionSnapshot)
        .where(RegionSnapshot.region_code == "JZ03", RegionSnapshot.care_type == LOG)
    ).one()
    weeks, _ = _weeks(session, app)
    assert {k: getattr(snap, k) for k in TREND_MEASURES} == pytest.approx(
        {k: weeks["2026-W43"][k] for k in TREND_MEASURES}
    )


def test_contract_basis(app, session, history):
    """A (in JZ03) is contracted by JZ06 only; B and C by nobody: JZ03's contracted supply is empty."""
    for key, contracts in (("a", "|JZ06|"), ("b", ""), ("c", "")):
        history[key].contract_regions = contracts
        session.add(history[key])
    session.commit()
    weeks, _ = _weeks(session, app, basis="contract")
    assert all(w["offerings"] == 0 and w["no_place_reports"] == 0 for w in weeks.values())
    rows = region_trends(
        session,
        session.get(Jeugdregio, "JZ06"),
        date(2026, 10, 5),
        date(2026, 11, 1),
        NOW,
        app.config,
        "contract",
    )
    w = {r["week"]: r for r in rows if r["care_type"] == LOG}
    assert [w[k]["offerings"] for k in sorted(w)] == [1, 1, 1, 1]
    assert w["2026-W41"]["free_places"] == 2 and w["2026-W41"]["no_place_reports"] == 1


def test_trust_signals_by_hand(app, session, history):
    """13 full weeks before W45: W32..W44. Provider 2 (B, C): weeks with an active offering: B exists from
    21 Sep (W39), so W39..W44 = 6 weeks. Fresh at every week end? W39 end (27 Sep 22:00): B 6.5 d fresh ->
    on time; W40 (4 Oct): B 13.5 d aging -> not; W41: B stale; W42: B stale; W43: B fresh, C inactive -> on
    time; W44: B aging -> not. 2 of 6. The no-place report on B (16 Oct) came while B was stale: not 'place
    now'. The reminder of 20 Oct was followed by B's report of 23 Oct (within 7 days): 1 of 1.
    Provider 1 (A): W41..W44 (first report 7 Oct): fresh at W41, W42; aging at W43; stale at W44 -> 2 of 4.
    The no-place report on A (10 Oct) came while A showed 2 places, open, fresh: 1 of 1."""
    sig = trust_signals(session, NOW, app.config, provider_ids=[history["p1"].id, history["p2"].id])
    one, two = sig[history["p1"].id], sig[history["p2"].id]
    assert (one["weeks_on_time"], one["weeks_counted"], one["share_on_time"]) == (2, 4, 0.5)
    assert (one["no_place_reports"], one["no_place_while_place_now"]) == (1, 1)
    assert (one["reminders"], one["changed_after_reminder"]) == (0, 0)
    assert (two["weeks_on_time"], two["weeks_counted"]) == (2, 6)
    assert (two["no_place_reports"], two["no_place_while_place_now"]) == (1, 0)
    assert (two["reminders"], two["changed_after_reminder"]) == (1, 1)


def _auditor_client(app, make_user, region="JZ03"):
    user = make_user("auditor", region_code=region)
    client = app.test_client()
    client.post("/inloggen", data={"email": user.email, "password": "Correct-Paard-Nietje-42"})
    return client


def test_trends_api(app, session, history, make_user, login, client):
    login(make_user("auditor", region_code="JZ03", email="trends-api@example.nl"))
    html = client.post("/account/sleutels", data={"name": "api"}).get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    client.post("/uitloggen")
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/regions/JZ03/trends?from=2026-10-05&to=2026-10-18", headers=auth).get_json()
    assert body["region"] == "JZ03" and body["from"] == "2026-10-05" and body["to"] == "2026-10-18"
    assert [w["week"] for w in body["weeks"]] == ["2026-W41"] * 4 + ["2026-W42"] * 4
    log41 = next(w for w in body["weeks"] if w["week"] == "2026-W41" and w["care_type"] == LOG)
    assert log41["free_places"] == 4 and log41["p90_wait_intake"] == pytest.approx(9.3)
    from jsonschema import validate

    from wijzer.api.openapi import standalone

    validate(body, standalone("RegionTrends"))
    for bad, field in (
        ("from=gisteren", "from"),
        ("from=2026-10-18&to=2026-10-05", "to"),
        ("from=2020-01-01", "from"),
    ):
        r = client.get(f"/api/v1/regions/JZ03/trends?{bad}", headers=auth)
        assert (
            r.status_code == 400
            and r.get_json()["error"]["message"]
            and r.get_json()["error"]["field"] == field
        ), bad
    r = client.get("/api/v1/regions/JZ03/trends?basis=elders", headers=auth)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "basis"
    # A misspelt parameter is refused, not answered for the default basis or period.
    for path, typo in (
        ("trends", "bassis=contract"),
        ("trends", "van=2026-10-05"),
        ("audit", "from=2026-10-05"),
    ):
        r = client.get(f"/api/v1/regions/JZ03/{path}?{typo}", headers=auth)
        error = r.get_json()["error"]
        assert r.status_code == 400 and error["code"] == "unknown_parameter", (path, typo)
        assert error["field"] == typo.split("=")[0]
    assert client.get("/api/v1/regions/JZ22/trends", headers=auth).status_code == 403
    assert client.get("/api/v1/regions/JZ03/trends").status_code == 401
    assert (
        client.get("/api/v1/regions/JZ03/audit?basis=contract", headers=auth).get_json()["basis"]
        == "contract"
    )


def test_trend_exports_dutch_csv_raw_and_xlsx(app, session, history, make_user):
    client = _auditor_client(app, make_user)
    q = "van=2026-10-05&tot=2026-11-01"
    data = client.get(f"/regio/JZ03/export/trends.csv?{q}").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert (
        header[:3] == ["Week", "Zorgsoort", "Aanbod"]
        and "Bezetting (%)" in header
        and "Verouderd (%)" in header
    )
    w41 = next(
        dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == "2026-W41" and r[1] == "Logeeropvang"
    )

    def nl(text):  # as a Dutch spreadsheet reads a cell
        return float(text.replace(",", "."))

    assert nl(w41["Vrije plekken"]) == 4 and nl(w41["P90 wachttijd aanmelding (weken)"]) == 9.3
    assert nl(w41["Bezetting (%)"]) == pytest.approx(78.6) and nl(w41["Verouderd (%)"]) == pytest.approx(33.3)
    assert w41["Gebeld: geen plek"] == "1"
    raw = client.get(f"/regio/JZ03/export/trends.csv?{q}&format=raw").get_data(as_text=True)
    raw_rows = list(csv.DictReader(io.StringIO(raw)))
    r41 = next(r for r in raw_rows if r["week"] == "2026-W41" and r["care_type"] == LOG)
    assert float(r41["occupancy"]) == pytest.approx(11 / 14) and r41["p90_wait_intake"].startswith("9.3")
    wb = load_workbook(io.BytesIO(client.get(f"/regio/JZ03/export/trends.xlsx?{q}").data))
    ws = wb["Trends"]
    head = [c.value for c in ws[1]]
    row = next(
        r for r in ws.iter_rows(min_row=2) if r[0].value == "2026-W41" and r[1].value == "Logeeropvang"
    )
    cell = dict(zip(head, row, strict=True))
    assert (
        cell["Aanbod"].value == 3 and cell["Aanbod"].data_type == "n" and cell["Aanbod"].number_format == "0"
    )
    assert (
        cell["Bezetting (%)"].value == pytest.approx(11 / 14)
        and cell["Bezetting (%)"].number_format == "0.0%"
    )
    assert cell["P90 wachttijd aanmelding (weken)"].number_format == "0.0"
    assert ws.freeze_panes == "A2" and ws.column_dimensions["A"].width >= 8
    about = {r[0]: r[1] for r in wb["Over deze export"].iter_rows(values_only=True)}
    assert about["Jeugdregio"] == "Kop van Noord-Holland (JZ03)" and about["Periode van"] == datetime(
        2026, 10, 5
    )
    assert wb["Over deze export"]["B4"].number_format == "dd-mm-yyyy" or any(
        c.number_format == "dd-mm-yyyy" for c in wb["Over deze export"]["B"]
    )
    assert "Bezetting" in about and isinstance(about["Gemaakt op"], datetime)
    assert client.get("/regio/JZ03/export/trends.csv?van=morgen").status_code == 400


def test_weeks_counted_fast_equal_the_offering_by_offering_reference(
    app, session, make_provider, make_location, make_offering
):
    """A random year of history (ties in time, reports exactly at a week end or a stale cut, empty values,
    total 0, offerings created before, between and after their reports, inactive ones, one deactivated and
    reactivated): the one pass over the reports gives the same weeks as the week-by-week reference."""
    import random
    from datetime import timedelta

    from wijzer.models import CapacityReport
    from wijzer.services.search import region_thresholds
    from wijzer.services.trends import local_midnight, mondays, reconstruct_weeks

    rnd = random.Random(17)
    weeks = mondays(date(2025, 11, 3), date(2026, 10, 26))
    ends = [local_midnight(m + timedelta(days=7)) for m in weeks]
    t = region_thresholds(session, app.config)[None]
    providers = [make_provider(name=f"Willekeur {i}") for i in range(4)]
    locations = [
        make_location(p, postcode=pc)
        for p, pc in zip(providers, ("1781", "1741", "1791", "1781"), strict=True)
    ]
    offerings = []
    for i in range(40):
        p = i % 4
        off = make_offering(
            providers[p],
            locations[p],
            care_type=rnd.choice(["logeeropvang", "respijtzorg", "specialistische_jeugdhulp"]),
        )
        off.created_at = ends[0] + timedelta(days=rnd.uniform(-60, 400))
        off.active = i % 9 != 0
        off.contract_regions = "|JZ03|" if i % 2 else "|JZ06|"
        offerings.append(off)
    for off in offerings:
        moments = [ends[0] + timedelta(days=rnd.uniform(-40, 365)) for _ in range(rnd.randint(0, 30))]
        moments += [rnd.choice(ends), rnd.choice(ends) - timedelta(days=t.stale_days)]  # exactly on a bound
        moments += moments[:2]  # ties: the later id wins
        for when in moments:
            session.add(
                CapacityReport(
                    offering_id=off.id,
                    reported_at=when,
                    kind="update",
                    source="import",
                    free_places=rnd.choice([None, 0, 1, 2, 5]),
                    total_places=rnd.choice([None, 0, 3, 8]),
                    wait_intake=rnd.choice([None, 0, 3, 6, 12]),
                    wait_treatment=rnd.choice([None, 2, 9]),
                )
            )
    session.flush()
    for action, day in (("deactivate", 100), ("activate", 200)):
        entry = auditlog.record(
            session, action=action, entity="offering", entity_id=offerings[1].id, actor="test"
        )
        entry.at = ends[0] + timedelta(days=day)
    session.commit()
    for basis in ("location", "contract"):
        fast = reconstruct_weeks(session, "JZ03", weeks, t, basis)
        reference = reconstruct_weeks(session, "JZ03", weeks, t, basis, by_intervals=False)
        assert fast == reference
        assert sum(w[ct]["offerings"] for w in fast.values() for ct in w) > 200
    by_location = reconstruct_weeks(session, "JZ03", weeks, t)
    assert sum(w[ct]["offerings"] for w in by_location.values() for ct in w) > 500
    assert any(w[ct]["median_wait_intake"] is not None for w in by_location.values() for ct in w)


def test_an_offering_of_a_care_type_no_longer_in_the_vocabulary_is_left_out(app, session, history):
    """Care types are data (wijzer/vocabulary): an offering may keep one that was removed since. Its weeks are
    not counted (there is no row for that care type), and the rest of the region's trends still come out."""
    from sqlalchemy import text

    session.execute(
        text("UPDATE offering SET care_type = 'opgeheven_zorgvorm' WHERE id = :id"), {"id": history["a"].id}
    )
    session.commit()
    weeks, rows = _weeks(session, app)
    assert {r["care_type"] for r in rows} <= set(__import__("wijzer.domain").domain.CARE_TYPES)
    assert weeks["2026-W41"]["offerings"] == 2  # B and C; A is left out
