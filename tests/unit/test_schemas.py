from datetime import date, timedelta

import pytest

from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput, ReportedAt, validate
from wijzer.timeutil import utcnow


def test_capacity_valid_and_blank_fields():
    obj, errors = validate(CapacityInput, {"free_places": "2", "wait_intake": "", "intake_status": "Open"})
    assert errors == {} and obj.free_places == 2 and obj.wait_intake is None and obj.intake_status == "open"


@pytest.mark.parametrize(
    "data,field,fragment",
    [
        ({"free_places": -1, "intake_status": "open"}, "free_places", "tussen 0 en"),
        ({"wait_intake": 261, "intake_status": "open"}, "wait_intake", "260 weken"),
        ({"wait_treatment": -3, "intake_status": "open"}, "wait_treatment", "260 weken"),
        ({"waitlist_length": -1, "intake_status": "open"}, "waitlist_length", "tussen 0 en"),
        ({"intake_status": "dicht"}, "intake_status", "Onbekende intakestatus"),
        ({"intake_status": ""}, "intake_status", "Kies een intakestatus"),
        ({"free_places": "twee", "intake_status": "open"}, "free_places", "heel getal"),
        (
            {"intake_status": "opnamestop", "status_until": str(date.today() + timedelta(days=2000))},
            "status_until",
            "vijf jaar",
        ),
        ({"intake_status": "opnamestop", "status_until": "31-12-2099"}, "status_until", "geldige datum"),
        ({"intake_status": "open", "note": "x" * 501}, "note", "500 tekens"),
    ],
)
def test_capacity_rules_have_dutch_messages(data, field, fragment):
    obj, errors = validate(CapacityInput, data)
    assert obj is None and fragment in errors[field]


def test_state_rules_shared_by_every_path():
    """The rules on the resulting state live in one service function (portal, link, file and API)."""
    from wijzer.services.availability import state_problems

    today = date.today()
    assert (
        "tijdelijke status"
        in state_problems({"intake_status": "open", "status_until": today + timedelta(days=5)}, today)[
            "status_until"
        ]
    )
    assert (
        "verlopen"
        in state_problems({"intake_status": "opnamestop", "status_until": today - timedelta(days=2)}, today)[
            "status_until"
        ]
    )
    assert (
        "voorbij"
        in state_problems({"intake_status": "open", "next_free_date": date(2001, 1, 1)}, today)[
            "next_free_date"
        ]
    )
    assert "Kies een intakestatus" in state_problems({"intake_status": None}, today)["intake_status"]
    assert (
        "meer vrije plekken"
        in state_problems({"intake_status": "open", "free_places": 3, "total_places": 2}, today)[
            "free_places"
        ]
    )
    assert (
        state_problems(
            {"intake_status": "wachtlijst", "status_until": today, "free_places": 2, "total_places": 2}, today
        )
        == {}
    )


def test_reported_at_not_in_future_and_naive_is_dutch_time():
    _, errors = validate(ReportedAt, {"reported_at": (utcnow() + timedelta(days=1)).isoformat()})
    assert "toekomst" in errors["reported_at"]
    obj, _ = validate(ReportedAt, {"reported_at": "2026-01-15T10:00:00"})
    assert obj.reported_at.utcoffset().total_seconds() == 0 and obj.reported_at.hour == 9  # CET = UTC+1


def test_provider_input():
    obj, errors = validate(
        ProviderInput, {"name": "Stichting X", "kvk": "1234567", "website": "www.x.nl", "email": "Info@X.nl"}
    )
    assert (
        errors == {}
        and obj.kvk == "01234567"
        and obj.website == "https://www.x.nl"
        and obj.email == "info@x.nl"
    )
    _, errors = validate(
        ProviderInput, {"name": "", "kvk": "12ab", "agb": "1", "email": "geen-mail", "phone": "bel mij"}
    )
    assert set(errors) == {"name", "kvk", "agb", "email", "phone"}


def test_location_postcode_rules():
    obj, _ = validate(LocationInput, {"name": "Huis", "postcode": "3511 ab"})
    assert obj.postcode == "3511AB"
    _, errors = validate(LocationInput, {"name": "Huis", "postcode": "35"})
    assert "geen geldige postcode" in errors["postcode"]


def test_offering_input_lists_and_rules():
    obj, errors = validate(
        OfferingInput,
        {
            "offering_ref": "LO-1",
            "care_type": "Logeeropvang",
            "tags": "lvb|ASS",
            "modalities": ["weekend"],
            "funding": "zin,pgb",
            "contract_regions": "jz22",
            "min_age": "4",
            "max_age": "18",
        },
    )
    assert errors == {} and obj.tags == ["lvb", "ass"] and obj.funding == ["zin", "pgb"]
    assert obj.contract_regions == ["JZ22"] and obj.care_type == "logeeropvang"
    _, errors = validate(
        OfferingInput,
        {
            "offering_ref": "bad ref!",
            "care_type": "kinderopvang",
            "tags": "xyz",
            "min_age": 12,
            "max_age": 30,
            "category": "99",
        },
    )
    assert {"offering_ref", "care_type", "tags", "max_age", "category"} <= set(errors)
    _, errors = validate(
        OfferingInput, {"offering_ref": "A", "care_type": "respijtzorg", "min_age": 12, "max_age": 4}
    )
    assert "minimumleeftijd" in errors["__all__"]
