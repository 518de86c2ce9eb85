from datetime import timedelta

import pytest
from sqlmodel import select

from wijzer.models import AuditLog, CapacityReport, Jeugdregio
from wijzer.schemas import CapacityInput, OfferingInput
from wijzer.services import availability, catalogue
from wijzer.timeutil import utcnow


@pytest.mark.parametrize(
    "days,expected",
    [
        (None, "unknown"),
        (0, "fresh"),
        (7, "fresh"),
        (7.01, "aging"),
        (14, "aging"),
        (14.01, "stale"),
        (100, "stale"),
    ],
)
def test_freshness_boundaries(days, expected):
    now = utcnow()
    last = None if days is None else now - timedelta(days=days)
    assert availability.freshness_of(last, now, 7, 14) == expected


def test_thresholds_default_and_region_override(app, session):
    region = session.get(Jeugdregio, "JZ22")
    t = availability.thresholds_for(region, app.config)
    assert (t.fresh_days, t.stale_days, t.norm_intake_weeks, t.norm_treatment_weeks, t.travel_km) == (
        7,
        14,
        4,
        10,
        25,
    )
    region.stale_days, region.norm_intake_weeks = 21, 6
    t = availability.thresholds_for(region, app.config)
    assert (t.stale_days, t.norm_intake_weeks, t.fresh_days) == (21, 6, 7)
    assert availability.thresholds_for(None, app.config).stale_days == 14


def test_update_then_confirm_keeps_values_and_records_kind(
    session, make_provider, make_location, make_offering
):
    p = make_provider()
    off = make_offering(p, make_location(p))
    assert off.freshness == "unknown" and off.last_confirmed_at is None
    t0 = utcnow() - timedelta(days=10)
    data = CapacityInput(
        free_places=3, wait_intake=2, wait_treatment=5, waitlist_length=4, intake_status="open"
    )
    availability.record_report(session, off, data, kind="update", source="portal", reported_at=t0)
    assert (off.cur_free_places, off.cur_wait_intake, off.freshness) == (3, 2, "aging")
    assert not availability.differs(off, data)
    rep = availability.record_report(session, off, None, kind="confirm", source="portal")
    session.commit()
    assert rep.kind == "confirm" and rep.free_places == 3 and rep.wait_treatment == 5
    assert off.cur_free_places == 3 and off.freshness == "fresh" and off.last_confirmed_at > t0
    kinds = [r.kind for r in availability.history(session, off.id)]
    assert kinds == ["confirm", "update"]
    assert availability.differs(off, CapacityInput(free_places=2, intake_status="open"))


def test_backdated_report_does_not_overwrite_newer_state(
    session, make_provider, make_location, make_offering, report
):
    p = make_provider()
    off = make_offering(p, make_location(p))
    report(off, days_ago=1, free_places=5)
    report(off, days_ago=3, free_places=0, intake_status="wachtlijst")
    assert off.cur_free_places == 5 and off.cur_intake_status == "open"
    assert (
        session.exec(select(CapacityReport).where(CapacityReport.offering_id == off.id)).all().__len__() == 2
    )


def test_description_edit_confirms_nothing_and_is_audited(
    session, make_provider, make_location, make_offering
):
    p = make_provider()
    loc = make_location(p)
    off = make_offering(p, loc, ref="X-1")
    data = OfferingInput(offering_ref="X-1", care_type="logeeropvang", description="Nieuwe tekst")
    catalogue.save_offering(session, p, loc, data, off, actor="test")
    session.commit()
    assert off.last_confirmed_at is None and off.freshness == "unknown"
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "offering")).all()
    assert actions == ["create", "update"]


def test_catalogue_rules(session, make_provider, make_location, make_offering):
    from wijzer.schemas import LocationInput, ProviderInput

    a, b = make_provider(kvk="11111111"), make_provider()
    with pytest.raises(catalogue.RuleError) as exc:
        catalogue.save_provider(session, ProviderInput(name="Dubbel", kvk="11111111"))
    assert exc.value.field == "kvk"
    with pytest.raises(catalogue.RuleError) as exc:
        catalogue.save_location(session, a, LocationInput(name="Nergens", postcode="1000"))
    assert exc.value.field == "postcode" and "niet bekend" in str(exc.value)
    loc_b = make_location(b)
    with pytest.raises(catalogue.RuleError):
        catalogue.save_offering(session, a, loc_b, OfferingInput(offering_ref="Q", care_type="respijtzorg"))
    loc_a = make_location(a, postcode="1012")
    make_offering(a, loc_a, ref="DUP")
    with pytest.raises(catalogue.RuleError) as exc:
        catalogue.save_offering(session, a, loc_a, OfferingInput(offering_ref="DUP", care_type="respijtzorg"))
    assert exc.value.field == "offering_ref"


def test_moving_a_location_moves_its_offerings(session, make_provider, make_location, make_offering):
    from wijzer.schemas import LocationInput

    p = make_provider()
    loc = make_location(p, postcode="3511")
    off = make_offering(p, loc)
    catalogue.save_location(session, p, LocationInput(name=loc.name, postcode="1012AB"), loc, actor="test")
    session.commit()
    session.refresh(off)
    assert (off.region_code, off.municipality_code) == ("JZ13", "GM0363") and abs(off.lat - 52.37) < 0.01
