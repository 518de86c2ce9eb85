"""Issue 12, "Dutch column headers": Dutch headers are aliases of the documented ones (matched ignoring case,
spaces, hyphens, underscores and accents), and vocabulary values may be given by their Dutch labels."""

import pytest
from test_importers import SAMPLES, table_state

from importers.capacity import COLUMNS as CAP_COLUMNS
from importers.capacity import REQUIRED as CAP_REQUIRED
from importers.capacity import import_capacity
from importers.headers import ALIASES
from importers.providers import COLUMNS as P_COLUMNS
from importers.providers import REQUIRED as P_REQUIRED
from importers.providers import import_providers
from importers.tabular import read_table
from importers.validation import ImportRejected
from wijzer import domain
from wijzer.schemas import CapacityInput, OfferingInput, validate

PROVIDER_DUTCH = {
    "aanbieder": "provider_name",
    "kvk": "kvk",
    "agb": "agb",
    "website": "website",
    "telefoon": "phone",
    "e-mail": "email",
    "locatie": "location_name",
    "straat": "street",
    "huisnummer": "house_number",
    "postcode": "postcode",
    "plaats": "city",
    "aanbodcode": "offering_ref",
    "zorgsoort": "care_type",
    "doelgroepen": "tags",
    "minimumleeftijd": "min_age",
    "maximumleeftijd": "max_age",
    "vormen": "modalities",
    "financiering": "funding",
    "regio's": "regions",
    "categorie": "category",
    "omschrijving": "description",
}
CAPACITY_DUTCH = {
    "kvk": "kvk",
    "aanbodcode": "offering_ref",
    "vrije plekken": "free_places",
    "aanmeldingswachttijd": "waiting_weeks_intake",
    "behandelingswachttijd": "waiting_weeks_treatment",
    "wachtlijst": "waitlist_length",
    "intakestatus": "intake_status",
    "status tot": "status_until",
    "volgende vrije plek": "next_free_date",
    "toelichting": "note",
    "gemeld op": "reported_at",
}


def _sample(name: str) -> tuple[list[str], list[str]]:
    lines = (SAMPLES / name).read_text(encoding="utf-8-sig").strip().splitlines()
    return lines[0].split(";" if ";" in lines[0] else ","), lines[1:]


def _read_with_header(sample: str, english: str, header: str, required, columns):
    cols, rows = _sample(sample)
    delimiter = ";" if sample.startswith("aanbieders") else ","
    cols = [header if c == english else c for c in cols]
    data = (delimiter.join(cols) + "\n" + "\n".join(rows) + "\n").encode()
    return read_table(
        data, "f.csv", required=required, optional=tuple(c for c in columns if c not in required)
    )


def test_alias_table_is_the_documented_one():
    for dutch, english in {**PROVIDER_DUTCH, **CAPACITY_DUTCH, "totaal plekken": "total_places"}.items():
        assert ALIASES[dutch] == english


@pytest.mark.parametrize(("dutch", "english"), list(PROVIDER_DUTCH.items()))
@pytest.mark.parametrize(
    "spelling", [str, str.upper, str.title, lambda s: s.replace(" ", "_").replace("-", " ")]
)
def test_each_provider_alias(dutch, english, spelling):
    english_table = read_table(
        SAMPLES / "aanbieders_voorbeeld.csv",
        required=P_REQUIRED,
        optional=tuple(c for c in P_COLUMNS if c not in P_REQUIRED),
    )
    table = _read_with_header("aanbieders_voorbeeld.csv", english, spelling(dutch), P_REQUIRED, P_COLUMNS)
    assert table.columns == english_table.columns and table.rows == english_table.rows


@pytest.mark.parametrize(("dutch", "english"), list(CAPACITY_DUTCH.items()))
@pytest.mark.parametrize("spelling", [str, str.upper, lambda s: s.replace(" ", "-").title()])
def test_each_capacity_alias(dutch, english, spelling):
    optional = tuple(c for c in CAP_COLUMNS if c not in CAP_REQUIRED)
    english_table = read_table(SAMPLES / "capaciteit_voorbeeld.csv", required=CAP_REQUIRED, optional=optional)
    table = _read_with_header("capaciteit_voorbeeld.csv", english, spelling(dutch), CAP_REQUIRED, CAP_COLUMNS)
    assert table.columns == english_table.columns and table.rows == english_table.rows


@pytest.mark.parametrize("header", ["Regio’s", "REGIOS", "Catégorie", "e_mail", "E mail", "Post-code"])
def test_accents_apostrophes_and_separators_are_ignored(header):
    english = {"regios": "regions", "categorie": "category", "email": "email", "postcode": "postcode"}[
        header.lower()
        .replace("’", "")
        .replace("'", "")
        .replace("é", "e")
        .replace("_", "")
        .replace(" ", "")
        .replace("-", "")
    ]
    table = _read_with_header("aanbieders_voorbeeld.csv", english, header, P_REQUIRED, P_COLUMNS)
    assert english in table.columns


def test_total_places_alias_when_the_importer_knows_the_column():
    data = b"KvK;Aanbodcode;Intakestatus;Totaal plekken\n41234567;RZ-THUIS;open;12\n"
    table = read_table(data, "c.csv", required=CAP_REQUIRED, optional=("intake_status", "total_places"))
    assert table.rows[0][1]["total_places"] == "12"
    import importers.capacity
    from importers.tabular import read_for

    assert read_for(importers.capacity, data, "c.csv").rows[0][1]["total_places"] == "12"
    with pytest.raises(ImportRejected) as exc:  # an importer without the column calls it unknown
        read_table(data, "c.csv", required=CAP_REQUIRED, optional=("intake_status",))
    assert "onbekende kolom" in exc.value.errors[0].message


def test_dutch_and_english_name_for_one_column_is_a_duplicate():
    data = b"kvk,offering_ref,intake_status,Intakestatus\n41234567,RZ-THUIS,open,open\n"
    with pytest.raises(ImportRejected) as exc:
        read_table(data, "c.csv", required=CAP_REQUIRED, optional=("intake_status",))
    assert exc.value.errors[0].message == "kolom staat er meer dan eens in"


def test_errors_name_the_column_as_the_file_does(session):
    cols, rows = _sample("aanbieders_voorbeeld_nl.csv")
    bad = rows[0].replace(";Logeeropvang;", ";Logeren;")
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, (";".join(cols) + "\n" + bad + "\n").encode(), "p.csv")
    assert [e.column for e in exc.value.errors] == ["Zorgsoort"]


def test_dutch_sample_files_import_like_the_english_ones(session):
    import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv")
    session.commit()
    english = {k: v for k, v in table_state(session).items() if k in ("provider", "location", "offering")}
    result = import_providers(session, SAMPLES / "aanbieders_voorbeeld_nl.csv")
    session.commit()
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0
    assert {
        k: v for k, v in table_state(session).items() if k in ("provider", "location", "offering")
    } == english
    cap = import_capacity(session, SAMPLES / "capaciteit_voorbeeld_nl.csv")
    session.commit()
    assert cap.created["report"] == len(_sample("capaciteit_voorbeeld_nl.csv")[1])


# --- values by their Dutch labels -------------------------------------------------------------------
def _offering(**values):
    return validate(OfferingInput, {"offering_ref": "R", "care_type": "logeeropvang", **values})


@pytest.mark.parametrize(("code", "label"), list(domain.CARE_TYPES.items()))
def test_care_type_by_label(code, label):
    for text in (label, label.upper(), code):
        obj, errors = _offering(care_type=text)
        assert errors == {} and obj.care_type == code


@pytest.mark.parametrize(
    ("field", "vocabulary"),
    [("tags", domain.TAGS), ("modalities", domain.MODALITIES), ("funding", domain.FUNDING)],
)
def test_list_values_by_label(field, vocabulary):
    for code, label in vocabulary.items():
        short = label.split(" (")[0]
        obj, errors = _offering(**{field: f"{label}|{short.upper()}|{code}"})
        assert errors == {} and getattr(obj, field) == [code], (label, errors)
    obj, errors = _offering(**{field: "|".join(vocabulary.values())})
    assert errors == {} and getattr(obj, field) == list(vocabulary)


@pytest.mark.parametrize(("code", "label"), list(domain.INTAKE_STATUSES.items()))
def test_intake_status_by_label(code, label):
    for text in (label, label.lower(), label.replace(" ", "-"), code):
        obj, errors = validate(CapacityInput, {"intake_status": text})
        assert errors == {} and obj.intake_status == code


def test_unknown_label_still_refused_with_the_choices():
    _, errors = _offering(tags="Heel lastig")
    assert "Onbekende doelgroep" in errors["tags"]
    _, errors = validate(CapacityInput, {"intake_status": "misschien"})
    assert "Onbekende intakestatus" in errors["intake_status"]


def test_portal_upload_with_dutch_headers_names_columns_as_the_file(
    client, login, make_provider, make_location, make_offering, make_user
):
    import io

    provider = make_provider(kvk="11111111")
    make_offering(provider, make_location(provider), ref="A-1")
    login(make_user("provider", provider=provider))
    body = "KvK;Aanbodcode;Vrije plekken;Intakestatus\n11111111;A-1;-3;Alleen crisis\n"
    resp = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(body.encode()), "c.csv"), "dry_run": "1"},
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Vrije plekken" in page and "tussen 0 en" in page
    ok = "KvK;Aanbodcode;Vrije plekken;Intakestatus\n11111111;A-1;3;Alleen crisis\n"
    resp = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(ok.encode()), "c.csv"), "dry_run": "1"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and "Controle geslaagd" in resp.get_data(as_text=True)


def test_cli_with_dutch_headers_names_columns_as_the_file(runner, session, tmp_path):
    import_providers(session, SAMPLES / "aanbieders_voorbeeld.csv")
    session.commit()
    path = tmp_path / "c.csv"
    path.write_text(
        "KvK;Aanbodcode;Intakestatus;Status tot\n41234567;RZ-THUIS;Open;2099-01-01\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import", "capacity", str(path), "--dry-run"])
    assert result.exit_code != 0 and "kolom Status tot" in result.output
