"""Property tests (Hypothesis): the postcode parser, the search parameters and the importers' validation
never fail with anything but their own clear errors, whatever they are given."""

import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.tabular import read_table
from importers.validation import ImportRejected
from wijzer.geo import PostcodeError, lookup_postcode, normalise_postcode
from wijzer.schemas import CapacityInput, OfferingInput, SearchFilters, validate

PC = re.compile(r"^[1-9][0-9]{3}([A-Z]{2})?$")


@given(st.text(max_size=20))
def test_postcode_parser_normalises_or_refuses_in_dutch(text):
    try:
        value = normalise_postcode(text)
    except PostcodeError as exc:
        assert "postcode" in str(exc)
    else:
        assert PC.match(value) and value[:4] == text.strip()[:4]


@given(
    st.integers(1000, 9999),
    st.text(alphabet=string.ascii_letters, min_size=2, max_size=2),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)
def test_every_written_form_of_a_postcode_gives_the_same_value(digits, letters, space, lower):
    letters = letters.lower() if lower else letters.upper()
    if letters.upper() in ("SA", "SD", "SS"):
        return
    assert normalise_postcode(f" {digits}{space}{letters} ") == f"{digits}{letters.upper()}"


@given(st.text(max_size=10))
def test_lookup_never_crashes(text):
    try:
        point = lookup_postcode(text)
    except PostcodeError:
        return
    assert point.municipality_code.startswith("GM") and point.region_code.startswith("JZ")


scalar = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.booleans()
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "free_places",
                "wait_intake",
                "wait_treatment",
                "waitlist_length",
                "intake_status",
                "status_until",
                "next_free_date",
                "note",
            ]
        ),
        scalar,
    )
)
def test_capacity_rules_answer_with_messages(data):
    obj, errors = validate(CapacityInput, data)
    assert (obj is None) == bool(errors)
    assert all(isinstance(m, str) and m for m in errors.values())
    if obj is not None:
        # absent means "keep the current value" (partial records); given, it is a known status
        assert obj.intake_status in ("open", "wachtlijst", "opnamestop", "alleen_crisis") or (
            obj.intake_status is None and "intake_status" not in obj.model_fields_set
        )
        assert obj.free_places is None or 0 <= obj.free_places <= 10_000
        assert obj.wait_intake is None or 0 <= obj.wait_intake <= 260


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "offering_ref",
                "care_type",
                "tags",
                "min_age",
                "max_age",
                "modalities",
                "funding",
                "contract_regions",
                "category",
                "description",
            ]
        ),
        scalar,
    )
)
def test_offering_rules_answer_with_messages(data):
    obj, errors = validate(OfferingInput, data)
    assert (obj is None) == bool(errors)
    if obj is not None:
        assert obj.min_age <= obj.max_age


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "care_type",
                "tags",
                "age",
                "modality",
                "funding",
                "postcode",
                "radius_km",
                "region",
                "municipality",
                "available_now",
                "max_wait_weeks",
                "limit",
                "offset",
                "onbekend",
            ]
        ),
        st.text(max_size=12),
    )
)
def test_search_parameters_never_crash(data):
    obj, errors = validate(SearchFilters, data)
    assert (obj is None) == bool(errors)
    if obj is not None:
        assert 0 < obj.radius_km <= 250 and 1 <= obj.limit <= 100


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(st.binary(max_size=400))
def test_reading_any_bytes_as_a_file_gives_a_table_or_clear_errors(data):
    try:
        table = read_table(data, "bestand.csv", required=("kvk", "offering_ref"), optional=("free_places",))
    except ImportRejected as exc:
        assert exc.errors and all(e.message for e in exc.errors)
    else:
        assert table.rows and set(table.columns) >= {"kvk", "offering_ref"}


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(st.lists(st.lists(st.text(alphabet=string.printable, max_size=8), min_size=0, max_size=5), max_size=6))
def test_csv_text_with_the_right_header(rows):
    lines = ["kvk,offering_ref,free_places"] + [",".join(r) for r in rows]
    try:
        table = read_table(
            "\n".join(lines).encode(), "c.csv", required=("kvk", "offering_ref"), optional=("free_places",)
        )
    except ImportRejected as exc:
        assert all(e.message for e in exc.errors)
    else:
        assert all(set(values) <= {"kvk", "offering_ref", "free_places"} for _, values in table.rows)
