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


def test_the_circle_test_keeps_every_point_within_the_radius_and_drops_the_box_corners():
    """The search's SQL circle test (geo.circle_bound) may only drop points that are outside the radius; it
    should drop most of the bounding box outside the circle."""
    import random

    from wijzer.geo import circle_bound

    def inside_circle(origin, point, bound):
        ky, kx, r2 = bound
        return (point[0] - origin[0]) ** 2 * ky + (point[1] - origin[1]) ** 2 * kx <= r2

    rng = random.Random(11)
    kept_outside = in_box_outside = 0
    for _ in range(300):
        origin = (rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3))
        km = rng.choice([1, 5, 10, 25, 50, 100, 250])
        bound = circle_bound(*origin, km)
        min_lat, max_lat, min_lon, max_lon = bounding_box(*origin, km)
        for _ in range(100):
            point = (rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon))
            exact = geodesic_km(*origin, *point)
            if exact <= km * 1.001 or fast_km(*origin, *point) <= km * 1.001:
                assert inside_circle(origin, point, bound), (origin, km, point, exact)
            elif exact > km * 1.01:
                in_box_outside += 1
                kept_outside += inside_circle(origin, point, bound)
    # the box's corners beyond 1 % of the radius: nearly all dropped
    assert in_box_outside > 5000 and kept_outside / in_box_outside < 0.05


def test_the_circle_test_holds_at_the_edge_in_every_direction():
    import math

    from geographiclib.geodesic import Geodesic

    from wijzer.geo import circle_bound

    wgs84 = Geodesic.WGS84
    for lat in (50.75, 52.1, 53.55):
        for km in (0.5, 10, 50, 250):
            ky, kx, r2 = circle_bound(lat, 5.0, km)
            for azimuth in range(0, 360, 5):
                end = wgs84.Direct(lat, 5.0, azimuth, km * 1000)
                dlat, dlon = end["lat2"] - lat, end["lon2"] - 5.0
                assert dlat**2 * ky + dlon**2 * kx <= r2, (lat, km, azimuth)
                assert not math.isnan(dlat)
