"""Preparing a serving process (``wsgi.py``: every gunicorn worker, and the benchmarks that time requests).

The app, its libraries and the shipped reference data are about 110,000 objects that live as long as the
process. Python's cyclic garbage collector walks all of them on every full collection, which took ~150 ms
on this machine and fell on roughly every tenth weekly-grid request (p95 257 ms instead of ~100 ms). So the
reference data is loaded up front, and everything loaded so far is moved out of the collector's view with
``gc.freeze()`` (the same as CPython's documentation suggests for pre-fork servers); objects created per
request are collected as before.
"""

from __future__ import annotations

import gc

from flask import Flask


def load_reference_data() -> None:
    """Load the shipped tables that the first search or upload would otherwise load lazily."""
    from wijzer import geo

    geo.known_region_codes()
    geo.known_municipality_codes()
    geo.lookup_postcode("3511")  # the PC4 table


def prepare(app: Flask) -> Flask:
    """Load what a request would load lazily, then freeze the long-lived objects out of the collector."""
    load_reference_data()
    gc.collect()
    gc.freeze()
    return app
