"""The distances of wijzer.geo against geopy: the exact geodesic is geopy's to the last bit."""

import random

from geopy.distance import geodesic

from wijzer.geo import geodesic_km


def _dutch_pairs(n: int, seed: int) -> list[tuple[float, float, float, float]]:
    rng = random.Random(seed)
    pairs = [
        (rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3), rng.uniform(50.7, 53.6), rng.uniform(3.3, 7.3))
        for _ in range(n)
    ]
    # short pairs too (the same town), and a pair of identical points
    pairs += [
        (52.0 + rng.uniform(0, 0.02), 5.0 + rng.uniform(0, 0.02), 52.0 + rng.uniform(0, 0.02), 5.0)
        for _ in range(n // 4)
    ]
    return [*pairs, (52.09, 5.12, 52.09, 5.12)]


def test_geodesic_km_is_geopys_geodesic_to_the_last_bit():
    for lat1, lon1, lat2, lon2 in _dutch_pairs(2000, seed=11):
        assert geodesic_km(lat1, lon1, lat2, lon2) == geodesic((lat1, lon1), (lat2, lon2)).km
