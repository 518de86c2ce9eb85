"""The search shows its page through read-only row views (``wijzer.db.row_view``), not ORM objects: every column
and property of the offering, provider and location reads as it does on the database object, and nothing can be
written to them."""

import pytest
from sqlmodel import SQLModel

from wijzer.db import row_view, table_of
from wijzer.models import Location, Offering, Provider
from wijzer.schemas import SearchFilters
from wijzer.services.search import search_offerings
from wijzer.timeutil import utcnow


def _columns(obj: object, model: type[SQLModel]) -> dict:
    return {c.key: getattr(obj, c.key) for c in table_of(model).c}


def test_a_row_view_reads_every_column_and_property_and_is_read_only():
    OfferingRow = row_view(Offering)
    names = [c.key for c in table_of(Offering).c]
    values = [f"value-{i}" for i in range(len(names))]
    values[names.index("tags")] = "|ass|vg|"
    values[names.index("contract_regions")] = "|JZ22|"
    row = OfferingRow(values)
    assert [getattr(row, n) for n in names] == values
    assert row.tag_list == ["ass", "vg"] and row.contract_region_list == ["JZ22"]
    with pytest.raises(AttributeError, match="read-only"):
        row.name = "changed"
    with pytest.raises(AttributeError):
        row.not_a_column  # noqa: B018 - only the model's columns and properties exist
    with pytest.raises(ValueError):  # one value per column, no more, no less
        OfferingRow(values[:-1])
    assert repr(row) == f"OfferingRow(id={row.id!r})"


def test_the_search_page_shows_the_database_values(
    app, session, make_provider, make_location, make_offering, report
):
    p = make_provider(name="Zorg & Co", phone="030-1234567", email="info@example.nl")
    loc = make_location(p, postcode="3512", city="Utrecht")
    off = make_offering(p, loc, tags=["ass"], modalities=["dag"], contract_regions=["JZ22", "JZ13"])
    report(off, days_ago=2, free_places=2, wait_intake=3, wait_treatment=1)
    session.commit()

    result = search_offerings(session, SearchFilters(postcode="3511", radius_km=10), utcnow(), app.config)
    assert result.total == 1
    hit = result.results[0]
    session.expire_all()  # the database's values, read anew
    for shown, stored, model in (
        (hit.offering, session.get(Offering, off.id), Offering),
        (hit.provider, session.get(Provider, p.id), Provider),
        (hit.location, session.get(Location, loc.id), Location),
    ):
        assert _columns(shown, model) == _columns(stored, model)
    assert hit.offering.tag_list == ["ass"] and hit.offering.contract_region_list == ["JZ22", "JZ13"]
    assert hit.offering.last_confirmed_at.utcoffset() is not None  # aware, as the model gives it
    with pytest.raises(AttributeError, match="read-only"):
        hit.offering.cur_free_places = 0
