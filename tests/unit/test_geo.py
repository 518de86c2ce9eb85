import pytest

from wijzer.geo import (
    LocalGeocoder,
    PostcodeError,
    bounding_box,
    fast_km,
    geodesic_km,
    lookup_postcode,
    normalise_postcode,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("3511", "3511"),
        ("3511AB", "3511AB"),
        ("3511 ab", "3511AB"),
        (" 3511  AB ", "3511AB"),
        ("1012", "1012"),
    ],
)
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text", ["", "351", "0123", "35111", "3511 A", "3511 SS", "abcd", "3511-AB", "3511AB1"]
)
def test_malformed_postcodes_have_dutch_message(text):
    with pytest.raises(PostcodeError) as exc:
        normalise_postcode(text)
    assert "geen geldige postcode" in str(exc.value)


def test_lookup_known_and_unknown():
    p = lookup_postcode("3511 AB")
    assert (p.pc4, p.municipality_code, p.region_code) == ("3511", "GM0344", "JZ22")
    assert abs(p.lat - 52.0886) < 0.01 and abs(p.lon - 5.1174) < 0.01
    assert lookup_postcode("1012").region_code == "JZ13"
    with pytest.raises(PostcodeError) as exc:
        lookup_postcode("1000")  # well-formed, but not a known PC4
    assert "niet bekend" in str(exc.value)


def test_geopy_style_geocoder():
    loc = LocalGeocoder().geocode("2711")
    assert loc is not None and "Zoetermeer" in loc.address
    assert abs(loc.latitude - 52.0617) < 0.01
    assert loc.raw["region_code"] == "JZ24"
    assert LocalGeocoder().geocode("nonsense") is None


def test_distances_agree_and_bbox_contains_radius():
    utrecht, amsterdam = lookup_postcode("3511"), lookup_postcode("1012")
    exact = geodesic_km(utrecht.lat, utrecht.lon, amsterdam.lat, amsterdam.lon)
    assert 33 < exact < 36
    assert abs(fast_km(utrecht.lat, utrecht.lon, amsterdam.lat, amsterdam.lon) - exact) / exact < 0.0005
    min_lat, max_lat, min_lon, max_lon = bounding_box(utrecht.lat, utrecht.lon, exact)
    assert min_lat <= amsterdam.lat <= max_lat and min_lon <= amsterdam.lon <= max_lon


def test_fast_km_stays_within_five_hundredths_of_a_percent_of_geodesic():
    import random

    rng = random.Random(5)
    for _ in range(3000):
        a = (rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3))
        b = (rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3))
        exact = geodesic_km(*a, *b)
        if exact > 0.5:
            assert abs(fast_km(*a, *b) - exact) / exact < 0.0005
