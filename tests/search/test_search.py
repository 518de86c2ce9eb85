"""Search on a hand-built dataset whose right answers are known (distances from PC4 3511 Utrecht:
3512 0.49 km, 3581 1.16, 3431 Nieuwegein 6.77, 3701 Zeist 8.67, 3811 Amersfoort 19.99,
1012 Amsterdam 35.15, 2511 Den Haag 54.85, 9711 Groningen 159.43)."""

from datetime import timedelta

import pytest
import time_machine

from wijzer.models import Jeugdregio
from wijzer.schemas import SearchFilters
from wijzer.services.search import search_offerings
from wijzer.timeutil import utcnow

SPEC = {
    #  key: (postcode, care_type, tags, ages, modalities, funding, report: (days_ago, values) or None)
    "A": (
        "3512",
        "logeeropvang",
        ["vg", "ass"],
        (6, 18),
        ["weekend"],
        ["zin"],
        (1, dict(free_places=2, wait_intake=0, wait_treatment=2, intake_status="open")),
    ),
    "B": (
        "3431",
        "logeeropvang",
        ["vg"],
        (0, 12),
        ["weekend", "vakantie"],
        ["zin", "pgb"],
        (3, dict(free_places=0, wait_intake=6, wait_treatment=4, intake_status="wachtlijst")),
    ),
    "C": (
        "3701",
        "respijtzorg",
        ["ass", "lvb"],
        (4, 23),
        ["dag"],
        ["pgb"],
        (2, dict(free_places=1, wait_intake=2, wait_treatment=3, intake_status="open")),
    ),
    "D": (
        "3811",
        "logeeropvang",
        ["vg", "ass"],
        (6, 18),
        ["weekend"],
        ["zin"],
        (20, dict(free_places=3, wait_intake=0, wait_treatment=1, intake_status="open")),
    ),
    "E": (
        "1012",
        "specialistische_jeugdhulp",
        ["ggz"],
        (12, 18),
        ["doordeweeks"],
        ["zin"],
        (10, dict(free_places=0, wait_intake=12, wait_treatment=15, intake_status="wachtlijst")),
    ),
    "F": ("2511", "logeeropvang", ["vg"], (6, 18), ["weekend"], ["zin"], None),
    "G": (
        "9711",
        "logeeropvang",
        ["vg", "ass"],
        (0, 18),
        ["weekend"],
        ["zin"],
        (0.5, dict(free_places=1, wait_intake=1, wait_treatment=1, intake_status="open")),
    ),
    "H": (
        "3581",
        "logeeropvang",
        ["vg"],
        (6, 18),
        ["nacht"],
        ["zin"],
        (1, dict(free_places=0, wait_intake=3, wait_treatment=5, intake_status="opnamestop")),
    ),
}


@pytest.fixture
def data(session, make_provider, make_location, make_offering, report):
    ids = {}
    for key, (pc, ct, tags, (lo, hi), mods, funding, rep) in SPEC.items():
        p = make_provider(name=f"Aanbieder {key}")
        off = make_offering(
            p,
            make_location(p, postcode=pc),
            care_type=ct,
            ref=key,
            tags=tags,
            min_age=lo,
            max_age=hi,
            modalities=mods,
            funding=funding,
        )
        if rep:
            report(off, days_ago=rep[0], **rep[1])
        ids[off.id] = key
    return ids


def run(app, session, ids, now=None, **filters):
    result = search_offerings(session, SearchFilters(**filters), now or utcnow(), app.config)
    return [ids[h.offering.id] for h in result.results], result


def test_no_filters_ranks_places_now_then_wait_then_unreliable_last(app, session, data):
    keys, result = run(app, session, data)
    assert result.total == 8
    # places now (by wait: A 0, G 1, C 2), then other reliable (H 3, B 6, E 12), then stale D and unknown F
    assert keys == ["A", "G", "C", "H", "B", "E", "D", "F"]


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"postcode": "3511", "radius_km": 25}, {"A", "B", "C", "D", "H"}),
        ({"postcode": "3511 AB", "radius_km": 10}, {"A", "B", "C", "H"}),
        ({"postcode": "3511", "radius_km": 20}, {"A", "B", "C", "D", "H"}),  # D at 19.99 km: geodesic decides
        ({"postcode": "3511", "radius_km": 19.9}, {"A", "B", "C", "H"}),
        ({"postcode": "3511", "radius_km": 250}, set("ABCDEFGH")),
        ({"care_type": "logeeropvang"}, {"A", "B", "D", "F", "G", "H"}),
        ({"care_type": "specialistische_jeugdhulp"}, {"E"}),
        ({"tags": ["vg", "ass"]}, {"A", "D", "G"}),
        ({"tags": ["ass"]}, {"A", "C", "D", "G"}),
        ({"age": 3}, {"B", "G"}),
        ({"age": 20}, {"C"}),
        ({"age": 12}, set("ABCDEFGH")),
        ({"modality": "vakantie"}, {"B"}),
        ({"funding": "pgb"}, {"B", "C"}),
        ({"region": "JZ22"}, {"A", "H"}),
        ({"municipality": "GM0356"}, {"B"}),
        ({"available_now": True}, {"A", "C", "G"}),
        ({"max_wait_weeks": 2}, {"A", "C", "D", "G"}),
        ({"care_type": "logeeropvang", "postcode": "3511", "available_now": True}, {"A"}),
        ({"care_type": "respijtzorg", "postcode": "3511", "radius_km": 5}, set()),
        ({"tags": ["vg"], "age": 8, "funding": "zin", "modality": "weekend", "region": "JZ22"}, {"A"}),
    ],
)
def test_each_filter_alone_and_combined(app, session, data, filters, expected):
    keys, result = run(app, session, data, **filters)
    assert set(keys) == expected and result.total == len(expected)


def test_combined_search_order_and_distances(app, session, data):
    keys, result = run(app, session, data, tags=["vg"], age=8, postcode="3511", radius_km=50)
    assert keys == ["A", "H", "B", "D"]  # place now; then waits 3 and 6; stale last
    distances = {data[h.offering.id]: round(h.distance_km, 1) for h in result.results}
    assert distances == {"A": 0.5, "H": 1.2, "B": 6.8, "D": 20.0}


def test_distance_breaks_ties(app, session, data, make_provider, make_location, make_offering, report):
    p = make_provider(name="Aanbieder A2")
    far_twin = make_offering(
        p,
        make_location(p, postcode="3701"),
        care_type="logeeropvang",
        ref="A2",
        tags=["vg", "ass"],
        min_age=6,
        max_age=18,
    )
    report(far_twin, days_ago=1, free_places=2, wait_intake=0, wait_treatment=2, intake_status="open")
    data[far_twin.id] = "A2"
    keys, _ = run(app, session, data, care_type="logeeropvang", postcode="3511", available_now=True)
    assert keys == ["A", "A2"]


def test_pagination(app, session, data):
    first, result = run(app, session, data, limit=3)
    second, _ = run(app, session, data, limit=3, offset=3)
    last, _ = run(app, session, data, limit=3, offset=6)
    assert result.total == 8 and first + second + last == ["A", "G", "C", "H", "B", "E", "D", "F"]


def test_freshness_labels_move_with_time(app, session, data):
    now = utcnow()
    labels = {
        data[h.offering.id]: h.freshness
        for h in search_offerings(session, SearchFilters(), now, app.config).results
    }
    assert labels == {
        "A": "fresh",
        "B": "fresh",
        "C": "fresh",
        "D": "stale",
        "E": "aging",
        "F": "unknown",
        "G": "fresh",
        "H": "fresh",
    }
    with time_machine.travel(now + timedelta(days=8), tick=False):
        keys, result = run(app, session, data, now=utcnow())
        labels = {data[h.offering.id]: h.freshness for h in result.results}
        assert labels["A"] == "aging" and labels["E"] == "stale" and labels["B"] == "aging"
        assert keys[:3] == ["A", "G", "C"]  # aging is still reliable
    with time_machine.travel(now + timedelta(days=15), tick=False):
        keys, result = run(app, session, data, now=utcnow())
        # everything is stale now except nothing: all reliability gone, so the wait order applies in one group
        assert all(h.freshness in ("stale", "unknown") for h in result.results)
        assert not any(h.available_now for h in result.results)


def test_region_thresholds_override(app, session, data):
    session.get(Jeugdregio, "JZ20").stale_days = 30  # Amersfoort's region accepts older confirmations
    session.commit()
    keys, _result = run(app, session, data, available_now=True)
    assert set(keys) == {"A", "C", "D", "G"}
    # expected start (intake + treatment weeks): D 0+1, A 0+2, G 1+1, C 2+3; A before G by id (no postcode given)
    assert keys == ["D", "A", "G", "C"]


def test_expired_temporary_status_is_flagged(
    app, session, make_provider, make_location, make_offering, report
):
    p = make_provider()
    off = make_offering(p, make_location(p, postcode="3511"))
    report(
        off,
        free_places=0,
        wait_intake=4,
        intake_status="opnamestop",
        status_until=(utcnow() + timedelta(days=2)).date().isoformat(),
    )
    later = utcnow() + timedelta(days=4)
    result = search_offerings(session, SearchFilters(), later, app.config)
    assert result.results[0].status_expired is True
    now_result = search_offerings(session, SearchFilters(), utcnow(), app.config)
    assert now_result.results[0].status_expired is False


def test_inactive_offerings_are_not_found(app, session, data):
    from sqlmodel import select

    from wijzer.models import Offering

    a = session.exec(select(Offering).where(Offering.offering_ref == "A")).one()
    a.active = False
    session.commit()
    keys, _ = run(app, session, data)
    assert "A" not in keys
