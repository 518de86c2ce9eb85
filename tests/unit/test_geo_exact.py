"""The distances of wijzer.geo against geopy: the exact geodesic is geopy's to the last bit."""

import random

from geopy.distance import geodesic

from wijzer.geo import fast_km, geodesic_km, shown_km, vincenty_km


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


def test_vincenty_is_within_a_hundredth_of_a_millimetre_of_the_exact_geodesic():
    for pair in _dutch_pairs(10_000, seed=12):
        assert abs(vincenty_km(*pair) - geodesic_km(*pair)) < 1e-8


def test_shown_distance_rounds_exactly_as_the_exact_geodesic():
    pairs = _dutch_pairs(10_000, seed=13)
    fallbacks = 0
    for pair in pairs:
        exact, shown = geodesic_km(*pair), shown_km(*pair)
        fallbacks += shown == exact
        assert round(shown, 2) == round(exact, 2)
        assert (
            f"{shown:.1f}" == f"{exact:.1f}"
            and f"{shown:.2f}" == f"{exact:.2f}"
            and round(shown) == round(exact)
        )
    assert fallbacks < len(pairs) / 100  # the exact geodesic is rarely needed (~0.04 % of pairs)


def test_shown_distance_is_the_exact_geodesic_next_to_a_rounding_boundary(monkeypatch):
    import wijzer.geo as geo

    # Vincenty's value a hair below a boundary: the exact geodesic, not Vincenty's, is returned
    monkeypatch.setattr(geo, "vincenty_km", lambda *_: 12.345 - 1e-7)
    assert geo.shown_km(52.0, 5.0, 52.1, 5.1) == geodesic_km(52.0, 5.0, 52.1, 5.1)
    monkeypatch.setattr(geo, "vincenty_km", lambda *_: 12.3449)
    assert geo.shown_km(52.0, 5.0, 52.1, 5.1) == 12.3449
    monkeypatch.setattr(geo, "vincenty_km", lambda *_: None)  # not converged
    assert geo.shown_km(52.0, 5.0, 52.1, 5.1) == geodesic_km(52.0, 5.0, 52.1, 5.1)


def _fast_km_plain(lat1, lon1, lat2, lon2):
    """fast_km as first written (the formula, step by step)."""
    import math

    a, e2 = 6378.137, 0.00669437999014
    phi = math.radians((lat1 + lat2) / 2)
    w = 1 - e2 * math.sin(phi) ** 2
    meridian = a * (1 - e2) / w**1.5
    prime_vertical = a / math.sqrt(w)
    return math.hypot(
        meridian * math.radians(lat2 - lat1), prime_vertical * math.cos(phi) * math.radians(lon2 - lon1)
    )


def test_fast_km_is_the_plain_formula_to_the_last_bit():
    for pair in _dutch_pairs(20_000, seed=14):
        assert fast_km(*pair) == _fast_km_plain(*pair)
