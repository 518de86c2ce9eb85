"""Issue 13 (referrer) and issue 11 items 13, 15, 20, on a hand-built dataset whose answers are known.

Family postcode 3431 (Nieuwegein); all offerings at 3431 or 3512 (Utrecht, 6.5 km away) unless noted.
Expected starts (days): PLEK place now; DATUM next free place in 14 days; INTAKE 6 + (no treatment = 0)
weeks = 42; ZEVEN 7 + 8 weeks = 105; VIJF 5 + 12 weeks = 119; ONBEKEND no waits; OUD stale (wait 0).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from wijzer import create_app
from wijzer.geo import lookup_postcode
from wijzer.models import Offering
from wijzer.schemas import SearchFilters
from wijzer.services.search import search_offerings, search_summary
from wijzer.timeutil import today_local, utcnow

FAMILY_REGION = lookup_postcode("3431").region_code  # the jeugdregio of the family
OTHER = "JZ13" if FAMILY_REGION != "JZ13" else "JZ14"

SPEC = {
    # key: (postcode, modalities, contract regions, report (days ago, values))
    "PLEK": (
        "3512",
        ["vakantie"],
        [OTHER],
        (1, dict(free_places=1, wait_intake=2, wait_treatment=2, waitlist_length=0, intake_status="open")),
    ),
    "DATUM": (
        "3431",
        ["weekend"],
        [FAMILY_REGION],
        (
            1,
            dict(
                free_places=0,
                wait_intake=10,
                wait_treatment=10,
                intake_status="wachtlijst",
                waitlist_length=4,
            ),
        ),
    ),
    "INTAKE": ("3431", ["dag"], [], (1, dict(free_places=0, wait_intake=6, intake_status="wachtlijst"))),
    "ZEVEN": (
        "3431",
        ["weekend"],
        [FAMILY_REGION],
        (
            1,
            dict(
                free_places=0, wait_intake=7, wait_treatment=8, intake_status="wachtlijst", waitlist_length=12
            ),
        ),
    ),
    "VIJF": (
        "3431",
        ["nacht"],
        [FAMILY_REGION, OTHER],
        (1, dict(free_places=0, wait_intake=5, wait_treatment=12, intake_status="wachtlijst")),
    ),
    "ONBEKEND": ("3431", ["weekend", "vakantie"], [], (1, dict(free_places=0, intake_status="wachtlijst"))),
    "OUD": (
        "3431",
        ["weekend"],
        [FAMILY_REGION],
        (20, dict(free_places=3, wait_intake=0, wait_treatment=0, intake_status="open")),
    ),
}
RANKED = ["PLEK", "DATUM", "INTAKE", "ZEVEN", "VIJF", "ONBEKEND", "OUD"]


@pytest.fixture
def world(session, make_provider, make_location, make_offering, report):
    ids = {}
    for key, (pc, mods, contracts, (days, values)) in SPEC.items():
        p = make_provider(
            name=f"Aanbieder {key}",
            phone="030-1234567" if key == "PLEK" else None,
            email=f"{key.lower()}@example.nl",
            website="www.example.nl" if key == "PLEK" else None,
        )
        off = make_offering(
            p,
            make_location(p, postcode=pc, name=f"Locatie {key}"),
            care_type="logeeropvang",
            ref=key,
            min_age=4,
            max_age=18,
            modalities=mods,
            contract_regions=contracts,
        )
        if key == "DATUM":
            values = dict(values, next_free_date=(today_local() + timedelta(days=14)).isoformat())
        report(off, days_ago=days, **values)
        ids[off.id] = key
    return ids


def keys(app, session, ids, **filters):
    result = search_offerings(session, SearchFilters(**filters), utcnow(), app.config)
    return [ids[h.offering.id] for h in result.results], result


# ---------------------------------------------------------------- ranking by expected start
def test_rank_by_expected_start(app, session, world):
    got, result = keys(app, session, world, care_type="logeeropvang", postcode="3431", radius_km=25)
    assert got == RANKED  # 7 + 8 weeks (ZEVEN) before 5 + 12 (VIJF); unknown, then stale last
    starts = {world[h.offering.id]: h.expected_start_days for h in result.results}
    assert (
        starts["DATUM"] == 14 and starts["INTAKE"] == 42 and starts["ZEVEN"] == 105 and starts["VIJF"] == 119
    )
    assert starts["ONBEKEND"] is None


@pytest.mark.parametrize(
    "sort,expected",
    [
        (
            "start",
            ["PLEK", "DATUM", "INTAKE", "ZEVEN", "VIJF", "ONBEKEND", "OUD"],
        ),  # PLEK 2+2 weeks = 28 days > 14
        ("afstand", None),
        ("plekken", None),
    ],
)
def test_sort_orders(app, session, world, sort, expected):
    got, _result = keys(
        app, session, world, postcode="3431", radius_km=25, care_type="logeeropvang", sort=sort
    )
    if sort == "start":
        assert got == ["DATUM", "PLEK", "INTAKE", "ZEVEN", "VIJF", "ONBEKEND", "OUD"]
    elif sort == "afstand":
        assert got[-1] == "OUD" and got.index("PLEK") == 5  # the only trusted one 6.5 km away
    else:
        assert got[0] == "PLEK" and got[-1] == "OUD"


# ---------------------------------------------------------------- filters
@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"contract_region": OTHER}, {"PLEK", "VIJF"}),
        ({"contract_region": FAMILY_REGION}, {"DATUM", "ZEVEN", "VIJF", "OUD"}),
        ({"contracted": True, "postcode": "3431"}, {"DATUM", "ZEVEN", "VIJF", "OUD"}),
        ({"modality": ["weekend", "vakantie"]}, {"PLEK", "DATUM", "ZEVEN", "ONBEKEND", "OUD"}),
        ({"modality": ["nacht"]}, {"VIJF"}),
        ({"modality": ["dag", "nacht"]}, {"INTAKE", "VIJF"}),
        ({"modality": ["thuis"]}, set()),
        ({"contracted": True, "postcode": "3431", "modality": ["nacht"]}, {"VIJF"}),
        ({"available_now": True}, {"PLEK"}),
    ],
)
def test_filters(app, session, world, filters, expected):
    got, result = keys(app, session, world, **filters)
    assert set(got) == expected and result.total == len(expected)


def test_contracted_needs_a_postcode():
    from wijzer.schemas import validate

    _, errors = validate(SearchFilters, {"contracted": True})
    assert "postcode" in errors["__all__"]


def test_contract_fields(app, session, world):
    _, result = keys(app, session, world, postcode="3431", radius_km=25)
    by = {world[h.offering.id]: h for h in result.results}
    assert by["ZEVEN"].contracted_for_family is True and by["PLEK"].contracted_for_family is False
    assert by["INTAKE"].contracted_for_family is False and by["VIJF"].contract_regions == [
        FAMILY_REGION,
        OTHER,
    ]
    _, without = keys(app, session, world)
    assert all(h.contracted_for_family is None for h in without.results)


# ---------------------------------------------------------------- API
def test_api_fields_and_contract_parameters(client, world):
    body = client.get("/api/v1/search?postcode=3431&radius_km=25&modality=weekend,vakantie").get_json()
    assert [r["offering_ref"] for r in body["results"]] == ["PLEK", "DATUM", "ZEVEN", "ONBEKEND", "OUD"]
    plek, datum, zeven = body["results"][:3]
    assert plek["provider"]["phone"] == "030-1234567" and plek["provider"]["email"] == "plek@example.nl"
    assert plek["provider"]["website"] == "https://www.example.nl" and plek["place_now"] is True
    assert plek["contract_regions"] == [OTHER] and plek["contracted_for_family"] is False
    assert (
        datum["next_free_date"] == (today_local() + timedelta(days=14)).isoformat()
        and datum["place_now"] is False
    )
    assert zeven["waitlist_length"] == 12 and zeven["contracted_for_family"] is True
    assert datum["expected_start_days"] == 14 and zeven["expected_start_days"] == 105
    nopc = client.get("/api/v1/search?care_type=logeeropvang").get_json()["results"]
    assert all(r["contracted_for_family"] is None for r in nopc)
    contracted = client.get("/api/v1/search?contracted=true&postcode=3431").get_json()
    assert {r["offering_ref"] for r in contracted["results"]} == {"DATUM", "ZEVEN", "VIJF", "OUD"}
    by_region = client.get(f"/api/v1/search?contract_region={OTHER}").get_json()
    assert {r["offering_ref"] for r in by_region["results"]} == {"PLEK", "VIJF"}


@pytest.mark.parametrize(
    "query,field",
    [
        ("contracted=true", None),
        ("contract_region=Utrecht", "contract_region"),
        ("modality=weekend,fiets", "modality"),
        ("sort=naam", "sort"),
    ],
)
def test_api_contract_parameter_errors(client, query, field):
    response = client.get("/api/v1/search?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]
    if query == "contracted=true":
        assert "postcode" in error["message"]


# ---------------------------------------------------------------- pages
def test_cards_show_contact_waitlist_next_free_and_contract(client, world):
    html = client.get("/?care_type=logeeropvang&age=9&postcode=3431&radius_km=25").get_data(as_text=True)
    assert 'href="tel:030-1234567"' in html and 'href="mailto:plek@example.nl"' in html
    assert "wachtlijst: 12 wachtenden" in html and "Gecontracteerd door uw regio" in html
    assert "Niet gecontracteerd: alleen pgb of na toestemming" in html
    assert f"volgende vrije plek verwacht {(today_local() + timedelta(days=14)).strftime('%d-%m-%Y')}" in html
    # the form collapses to a one-line summary when results are shown
    assert re.search(r"Logeeropvang · 9 jaar · 3431 · 25 km</span> — <span[^>]*>wijzigen", html)
    assert '<details class="search-details">' in html and 'href="/uitleg"' in html
    assert "1 week" not in html or "1 weken" not in html
    assert "1 weken" not in html


def test_table_view_sortable_and_remembered(client, world):
    html = client.get("/?care_type=logeeropvang&postcode=3431&weergave=tabel").get_data(as_text=True)
    assert 'class="utrecht-table results-table"' in html and html.count('<tr class="utrecht-table__row') >= 8
    assert "weergave=tabel" in html and "sort=start" in html and "sort=afstand" in html
    sorted_html = client.get("/?care_type=logeeropvang&postcode=3431&weergave=tabel&sort=afstand").get_data(
        as_text=True
    )
    assert 'aria-sort="ascending"' in sorted_html and 'name="weergave" value="tabel"' in sorted_html


def test_map_data_is_text_and_numbered(client, session, world):
    off = session.exec(select(Offering).where(Offering.offering_ref == "PLEK")).one()
    off.name = (
        '<img src=https://evil.example/x.png><meta http-equiv="refresh" content="0;url=https://evil.example">'
    )
    session.commit()
    html = client.get("/?care_type=logeeropvang&postcode=3431&kaart=1").get_data(as_text=True)
    raw = re.search(
        r'<script type="application/json" id="results-map-data">(.*?)</script>', html, re.S
    ).group(1)
    assert "<img" not in raw and "<meta" not in raw  # tojson escapes < and > inside the script element
    data = json.loads(raw)
    assert [m["n"] for m in data["markers"]] == list(range(1, 8)) and data["regions"]["features"]
    assert data["markers"][0]["title"].startswith(
        "<img"
    )  # the text itself, inserted as text by results-map.js
    assert "js/results-map.js" in html and "leaflet.js" in html


def test_map_scripts_insert_text_never_html():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "static" / "js"
    for name in ("detail.js", "results-map.js"):
        js = (root / name).read_text()
        assert "innerHTML" not in js and "insertAdjacentHTML" not in js
        for call in re.findall(r"bindPopup\(([^)]*)\)", js):
            assert call.strip() in ("popup",), f"{name}: bindPopup({call}) must get a DOM node with text"


def test_csp_images_only_from_self_and_tile_host(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    img = re.search(r"img-src ([^;]*)", csp).group(1).split()
    assert img == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_back_link_is_built_from_search_parameters_not_referer(client, world):
    oid = next(i for i, k in world.items() if k == "PLEK")
    html = client.get(
        f"/aanbod/{oid}?care_type=logeeropvang&postcode=3431&modality=weekend",
        headers={"Referer": "https://evil.example/?x=1"},
    ).get_data(as_text=True)
    back = re.search(r'<a class="utrecht-link" href="([^"]*)">← Terug', html).group(1)
    assert back == "/?care_type=logeeropvang&amp;modality=weekend&amp;postcode=3431"
    assert "evil.example" not in html
    plain = client.get(f"/aanbod/{oid}", headers={"Referer": "https://evil.example/?x=1"}).get_data(
        as_text=True
    )
    assert re.search(r'<a class="utrecht-link" href="([^"]*)">← Terug', plain).group(1) == "/"
    assert "evil.example" not in plain
    assert (
        "Gecontracteerd" not in plain and "Niet gecontracteerd" in html
    )  # the family region from the parameters


def test_suggestions_with_counts(client, world):
    html = client.get("/?care_type=logeeropvang&postcode=3431&radius_km=5&available_now=1").get_data(
        as_text=True
    )
    # nothing within 5 km is a place now; PLEK (6.5 km) is
    assert "0 resultaten" in html and "Dit zou helpen" in html
    assert re.search(r"Met 10 km: 1 resultaat</a>", html)
    assert re.search(r"Zonder &#39;alleen direct plek&#39;: 6 resultaten</a>", html)
    link = re.search(r'href="([^"]*)">Met 10 km', html).group(1)
    assert "radius_km=10" in link and "available_now=1" in link


def test_summary_line():
    f = SearchFilters(care_type="logeeropvang", age=9, postcode="3431", radius_km=25)
    assert search_summary(f) == "Logeeropvang · 9 jaar · 3431 · 25 km"
    assert "hoogstens 1 week wachten" in search_summary(SearchFilters(max_wait_weeks=1))


def test_help_and_statement_pages(client):
    help_html = client.get("/uitleg").get_data(as_text=True)
    for term in (
        "Aanmeldingswachttijd",
        "Behandelingswachttijd",
        "Treeknorm",
        "Direct plek",
        "verouderd",
        "telt die als 0 weken",
    ):
        assert term in help_html
    statement = client.get("/toegankelijkheid").get_data(as_text=True)
    for term in ("Status", "Wat is getest", "Bekende problemen", "Contact"):
        assert f">{term}</h2>" in statement


def test_shortlist_has_contact_date_and_freshness(client, world):
    oid = next(i for i, k in world.items() if k == "PLEK")
    client.post(f"/lijst/{oid}")
    html = client.get("/lijst").get_data(as_text=True)
    assert (
        "030-1234567" in html and "Stand van " in html and "Laatst bevestigd:" in html and "(Actueel)" in html
    )


# ---------------------------------------------------------------- issue 11 item 20: wide anonymous searches
@pytest.fixture
def limited(app, database_url):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "WIDE_SEARCH_RATE_LIMIT": "2 per minute",
            "API_RATE_LIMIT": "1000 per minute",
        }
    )


@pytest.mark.parametrize("prefix", ["/api/v1/search?", "/?"])
def test_wide_anonymous_searches_have_a_stricter_limit(limited, prefix):
    client = limited.test_client()
    wide = [client.get(prefix + "postcode=3511&radius_km=250").status_code for _ in range(3)]
    assert wide == [200, 200, 429]
    assert client.get(prefix + "age=10").status_code == 429  # age alone is wide too (same budget)
    narrow = [
        client.get(prefix + "care_type=logeeropvang&postcode=3511&radius_km=25").status_code for _ in range(5)
    ]
    assert narrow == [200] * 5


def test_wide_searches_with_a_token_are_not_throttled(limited, session, make_user):
    from wijzer.services import accounts

    _, token = accounts.create_api_token(session, make_user("referrer"), "t")
    session.commit()
    client = limited.test_client()
    statuses = [
        client.get("/api/v1/search?age=10", headers={"Authorization": f"Bearer {token}"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200] * 4


def test_weeks_singular_and_wekelijkse_spelling(app):
    from pathlib import Path

    from wijzer.search import weeks_nl

    assert (weeks_nl(1), weeks_nl(0), weeks_nl(3), weeks_nl(None)) == (
        "1 week",
        "0 weken",
        "3 weken",
        "onbekend",
    )
    root = Path(__file__).resolve().parents[2] / "templates"
    assert not [p for p in root.rglob("*.html") if "Weekelijks" in p.read_text(encoding="utf-8")]
