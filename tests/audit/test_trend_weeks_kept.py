"""Complete past weeks of a region's trends are kept (``trend_week``) and used only while they are still what a
reconstruction from the history gives: after a back-dated report, an edited or moved offering, other
thresholds, or a day, the week is computed anew. Every test compares with ``reconstruct_weeks`` itself."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from wijzer.models import CapacityReport, Jeugdregio, TrendWeek
from wijzer.services import trends
from wijzer.services.search import region_thresholds
from wijzer.services.trends import local_midnight, mondays, reconstruct_weeks, region_trends

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Monday of W45
WEEKS = mondays(date(2026, 9, 7), date(2026, 10, 26))  # W37 … W44, all complete at NOW
REGION = "JZ03"


@pytest.fixture
def region_history(session, make_provider, make_location, make_offering):
    p = make_provider(name="Bewaard")
    loc = make_location(p, postcode="1781")
    offs = [
        make_offering(p, loc, care_type=ct, ref=f"K{i}")
        for i, ct in enumerate(["logeeropvang", "respijtzorg", "logeeropvang"])
    ]
    for off in offs:
        off.created_at = datetime(2026, 8, 1, tzinfo=UTC)
    for k, monday in enumerate(WEEKS):
        for i, off in enumerate(offs):
            session.add(
                CapacityReport(
                    offering_id=off.id,
                    reported_at=local_midnight(monday) + timedelta(days=2, hours=i),
                    kind="update",
                    source="import",
                    free_places=(k + i) % 3,
                    total_places=6,
                    wait_intake=k + i,
                    wait_treatment=2 * k,
                )
            )
    session.commit()
    return offs


def _trends(session, app, now=NOW):
    rows = region_trends(session, session.get(Jeugdregio, REGION), WEEKS[0], WEEKS[-1], now, app.config)
    session.commit()
    return rows


def _reference(session, app, now=NOW):
    """The same rows straight from the history, nothing kept."""
    thresholds = region_thresholds(session, app.config)
    weeks = reconstruct_weeks(session, REGION, WEEKS, thresholds.get(REGION, thresholds[None]))
    return {(trends.week_label(m), ct): weeks[m][ct] for m in WEEKS for ct in weeks[m]}


def _assert_same(rows, reference):
    for row in rows:
        expected = reference[(row["week"], row["care_type"])]
        for measure in trends.TREND_MEASURES:
            if measure != "no_place_reports":
                assert row[measure] == expected[measure], (row["week"], row["care_type"], measure)


class Counting:
    """Counts the weeks ``cached_weeks`` had to reconstruct."""

    def __init__(self, monkeypatch):
        self.weeks: list[date] = []
        real = trends.reconstruct_weeks

        def counted(session, region_code, week_mondays, *args, **kwargs):
            self.weeks.extend(week_mondays)
            return real(session, region_code, week_mondays, *args, **kwargs)

        monkeypatch.setattr(trends, "reconstruct_weeks", counted)


def test_weeks_are_kept_and_used_again(app, session, region_history, monkeypatch):
    counting = Counting(monkeypatch)
    first = _trends(session, app)
    assert sorted(counting.weeks) == WEEKS  # nothing kept yet: every week reconstructed
    kept = session.exec(select(TrendWeek).where(TrendWeek.region_code == REGION)).all()
    assert sorted(k.monday for k in kept) == WEEKS and {k.basis for k in kept} == {"location"}
    counting.weeks.clear()
    second = _trends(session, app)
    assert counting.weeks == []  # all eight weeks came from trend_week
    assert second == first
    _assert_same(second, _reference(session, app))


def test_a_report_of_this_week_keeps_the_past_weeks(app, session, region_history, monkeypatch):
    _trends(session, app)
    counting = Counting(monkeypatch)
    session.add(
        CapacityReport(
            offering_id=region_history[0].id, reported_at=NOW - timedelta(hours=1), kind="update",
            source="portal", free_places=9, total_places=9,
        )
    )  # fmt: skip
    session.commit()
    newest = session.exec(select(CapacityReport.id).order_by(CapacityReport.id.desc())).first()
    rows = _trends(session, app)
    assert counting.weeks == []
    _assert_same(rows, _reference(session, app))
    # checked up to the newest report: the next check reads only reports made after it
    assert {k.last_report_id for k in session.exec(select(TrendWeek)).all()} == {newest}


def test_a_back_dated_report_makes_its_week_and_the_later_ones_be_computed_anew(
    app, session, region_history, monkeypatch
):
    before = _trends(session, app)
    counting = Counting(monkeypatch)
    # made now, dated in the middle of W42: W42 … W44 change, W37 … W41 do not
    session.add(
        CapacityReport(
            offering_id=region_history[1].id,
            reported_at=local_midnight(WEEKS[5]) + timedelta(days=4),
            kind="update",
            source="api",
            free_places=7,
            total_places=8,
            wait_intake=30,
            wait_treatment=1,
        )
    )
    session.commit()
    rows = _trends(session, app)
    assert sorted(counting.weeks) == WEEKS[5:]
    _assert_same(rows, _reference(session, app))
    assert rows != before  # the back-dated report is in the figures
    w42 = next(r for r in rows if r["week"] == "2026-W42" and r["care_type"] == "respijtzorg")
    assert w42["free_places"] == 7


@pytest.mark.parametrize("change", ["care_type", "moved_out", "deactivated", "created"])
def test_an_edited_or_moved_offering_makes_every_week_be_computed_anew(
    app, session, region_history, monkeypatch, change
):
    _trends(session, app)
    counting = Counting(monkeypatch)
    off = region_history[0]
    if change == "care_type":
        off.care_type = "respijtzorg"
    elif change == "moved_out":
        off.region_code = "JZ06"
    elif change == "deactivated":
        off.active = False
    else:
        off.created_at = datetime(2026, 10, 1, tzinfo=UTC)
    session.add(off)
    session.commit()
    rows = _trends(session, app)
    assert sorted(counting.weeks) == WEEKS
    _assert_same(rows, _reference(session, app))


def test_other_thresholds_make_every_week_be_computed_anew(app, session, region_history, monkeypatch):
    _trends(session, app)
    counting = Counting(monkeypatch)
    region = session.get(Jeugdregio, REGION)
    region.stale_days = 3
    session.add(region)
    session.commit()
    rows = _trends(session, app)
    assert sorted(counting.weeks) == WEEKS
    _assert_same(rows, _reference(session, app))
    assert any(r["share_stale"] for r in rows)  # a 3-day stale limit: weekly reports go stale


def test_a_kept_week_is_computed_anew_after_a_day(app, session, region_history, monkeypatch):
    _trends(session, app)
    counting = Counting(monkeypatch)
    _trends(session, app, now=NOW + trends.WEEK_KEPT - timedelta(minutes=1))
    assert counting.weeks == []
    _trends(session, app, now=NOW + trends.WEEK_KEPT + timedelta(minutes=1))
    assert sorted(counting.weeks) == WEEKS


def test_location_and_contract_basis_are_kept_apart(app, session, region_history):
    for off in region_history:
        off.contract_regions = "|JZ06|"
        session.add(off)
    session.commit()
    region = session.get(Jeugdregio, REGION)
    by_location = region_trends(session, region, WEEKS[0], WEEKS[-1], NOW, app.config, "location")
    by_contract = region_trends(session, region, WEEKS[0], WEEKS[-1], NOW, app.config, "contract")
    session.commit()
    assert sum(r["offerings"] for r in by_location) == 3 * len(WEEKS)
    assert sum(r["offerings"] for r in by_contract) == 0
    again = region_trends(session, region, WEEKS[0], WEEKS[-1], NOW, app.config, "contract")
    assert again == by_contract


def test_the_trends_api_and_page_keep_the_weeks(app, session, region_history, make_user, login, client):
    """The entry points commit what the service computed (a GET that keeps its work)."""
    login(make_user("auditor", region_code=REGION, email="kept-weeks@example.nl"))
    html = client.post("/account/sleutels", data={"name": "api"}).get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    auth = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/regions/{REGION}/trends?from=2026-09-07&to=2026-10-26", headers=auth)
    assert response.status_code == 200, response.get_json()
    session.expire_all()
    assert len(session.exec(select(TrendWeek).where(TrendWeek.region_code == REGION)).all()) == len(WEEKS)
    page = client.get(f"/regio/{REGION}?van=2026-08-03&tot=2026-08-30")
    assert page.status_code == 200
    session.expire_all()
    assert len(session.exec(select(TrendWeek).where(TrendWeek.region_code == REGION)).all()) == len(WEEKS) + 4


def test_the_nightly_job_keeps_a_year_of_every_region(app, session, region_history, monkeypatch):
    from wijzer.jobs import run_job

    def run(now):
        with app.app_context():
            result = run_job("trend_weeks", now=now)
        assert result.status == "ok", result.detail
        return result

    assert run(NOW).detail.startswith(f"{trends.WARM_WEEKS} weken van ")
    session.expire_all()
    kept = session.exec(select(TrendWeek)).all()
    regions = session.exec(select(Jeugdregio.code)).all()
    assert len(kept) == trends.WARM_WEEKS * len(regions)
    assert {k.monday for k in kept if k.region_code == REGION} >= set(WEEKS)
    counting = Counting(monkeypatch)
    rows = _trends(session, app, now=NOW + timedelta(hours=1))
    assert counting.weeks == []  # the page finds the year kept
    _assert_same(rows, _reference(session, app))
    run(NOW + timedelta(hours=2))
    assert len(counting.weeks) == trends.WARM_WEEKS * len(regions)  # the job computes every week anew
