"""A NUL character in any input is a clear 400 (or a row error in a file), never a 500.

PostgreSQL refuses NUL in text columns and parameters with an error (SQLite stores it), so on PostgreSQL a NUL in a
capacity record's KvK number gave a 500: found by schemathesis in CI. Every way in is tried here: the JSON API,
query parameters, a path, a form and an uploaded file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.importers.test_importers import GOOD_ROW, csv_bytes
from wijzer.services import accounts


@pytest.fixture
def provider_key(
    session: Any, make_provider: Any, make_location: Any, make_offering: Any, make_user: Any
) -> dict[str, str]:
    p = make_provider(kvk="22222222")
    make_offering(p, make_location(p), ref="N-1")
    _, plain = accounts.create_api_token(session, make_user("provider", provider=p), "nul")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize(
    "record",
    [
        {"kvk": "2222\x002222", "offering_ref": "N-1", "free_places": 1, "intake_status": "open"},
        {"kvk": "22222222", "offering_ref": "N-\x001", "free_places": 1, "intake_status": "open"},
        {
            "kvk": "22222222",
            "offering_ref": "N-1",
            "free_places": 1,
            "intake_status": "open",
            "note": "a\x00b",
        },
        {"kvk\x00": "22222222", "offering_ref": "N-1"},
    ],
)
def test_a_nul_in_an_api_record_is_a_400(client: Any, provider_key: dict[str, str], record: dict) -> None:
    response = client.post("/api/v1/capacity", json={"records": [record]}, headers=provider_key)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "NUL" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?care_type=logeeropvang&postcode=35%0011",
        "/zoeken?postcode=3511&care_type=%00",
        "/regio/JZ%0022",
        "/hsds/services/abc%00def",
        "/api/v1/regions/JZ%0022/trends",
    ],
)
def test_a_nul_in_a_url_is_a_400(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)


def test_a_nul_in_a_form_is_a_400_that_keeps_nothing(client: Any) -> None:
    response = client.post("/inloggen", data={"email": "a\x00@b.nl", "password": "x"})
    assert response.status_code == 400
    assert "ongeldig teken" in response.get_data(as_text=True)


def test_a_nul_in_an_uploaded_file_is_a_row_error(session: Any) -> None:
    from importers.providers import import_providers
    from importers.validation import ImportRejected

    with pytest.raises(ImportRejected) as exc:
        import_providers(session, csv_bytes(GOOD_ROW.replace("REF-1", "REF\x001")), "a.csv")
    session.rollback()
    assert [(e.row, e.message) for e in exc.value.errors] == [
        (2, "de rij bevat een ongeldig teken (NUL); verwijder het")
    ]


def test_a_nul_in_an_hsds_file_is_a_file_error(session: Any, tmp_path: Any) -> None:
    import json

    from importers.hsds import import_hsds
    from importers.validation import ImportRejected

    (tmp_path / "service.json").write_text(json.dumps({"id": "x", "name": "Logeren\x00"}), encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        import_hsds(session, str(tmp_path), dry_run=True, actor="test")
    session.rollback()
    assert [e.message for e in exc.value.errors] == [
        "het bestand bevat een ongeldig teken (NUL); verwijder het"
    ]
