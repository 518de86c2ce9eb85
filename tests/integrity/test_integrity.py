"""Issue 10: nothing a user saves is silently lost or overwritten, and invented data is refused.

Each test here failed on the code before the fix (checked by running it on the parent commit).
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from wijzer.models import AuditLog, CapacityReport, Location, Offering, Provider, Reminder
from wijzer.services import accounts
from wijzer.timeutil import today_local

FIELDS = (
    "free_places",
    "total_places",
    "wait_intake",
    "wait_treatment",
    "waitlist_length",
    "intake_status",
    "status_until",
    "next_free_date",
    "note",
)


@pytest.fixture
def world(make_provider, make_location, make_offering, make_user, report):
    a = make_provider(name="Aanbieder A", kvk="11111111")
    la = make_location(a, postcode="3511AB", name="Locatie A")
    o1 = make_offering(a, la, care_type="logeeropvang", ref="A-1")
    o2 = make_offering(a, la, care_type="respijtzorg", ref="A-2")
    report(o1, days_ago=3, free_places=2, wait_intake=3, wait_treatment=5, waitlist_length=1)
    report(o2, days_ago=3, free_places=0, wait_intake=8, wait_treatment=4, intake_status="wachtlijst")
    return {
        "a": a,
        "la": la,
        "o1": o1,
        "o2": o2,
        "staff1": make_user("provider", provider=a, email="planner1@a.nl", name="Planner Een"),
        "staff2": make_user("provider", provider=a, email="planner2@a.nl", name="Planner Twee"),
        "admin": make_user("admin"),
    }


def _row(off: Offering, **overrides) -> dict[str, str]:
    base = {f: getattr(off, "cur_" + f) for f in FIELDS}
    base.update(overrides)
    out = {f"o{off.id}-{k}": "" if v is None else str(v) for k, v in base.items()}
    out[f"o{off.id}-version"] = str(off.capacity_version)
    return out


def _fresh(session, model, obj_id):
    session.expire_all()
    return session.get(model, obj_id)


# ---------------------------------------------------------------- 1. lost update in the weekly form
def test_stale_weekly_form_never_reverts_a_colleagues_update(app, session, world):
    """Two sessions open /portaal/; B saves free places 5; A (old form) clicks "Alles klopt nog"."""
    o1, o2 = world["o1"], world["o2"]
    form_a = _row(o1) | _row(o2)  # what A's page shows, loaded before B saves
    b, a = app.test_client(), app.test_client()
    for client, user in ((b, world["staff2"]), (a, world["staff1"])):
        assert (
            client.post("/inloggen", data={"email": user.email, "password": accounts_password()}).status_code
            == 302
        )
    saved = b.post("/portaal/", data=_row(o1, free_places=5) | _row(o2) | {"action": "save"})
    assert saved.status_code == 302
    assert _fresh(session, Offering, o1.id).cur_free_places == 5
    reports_before = session.exec(select(func.count()).select_from(CapacityReport)).one()
    answer = a.post("/portaal/", data=form_a | {"action": "confirm_all"})
    html = answer.get_data(as_text=True)
    assert _fresh(session, Offering, o1.id).cur_free_places == 5  # B's value survives
    assert answer.status_code == 409
    assert "Planner Twee" in html or "planner2@a.nl" in html  # who changed it
    assert "gewijzigd" in html and '<span class="conflict-value">5</span>' in html  # the new value is shown
    # the unchanged row of the same submission is still confirmed
    new = session.exec(select(CapacityReport).order_by(CapacityReport.id.desc())).first()
    assert session.exec(select(func.count()).select_from(CapacityReport)).one() == reports_before + 1
    assert new.offering_id == o2.id and new.kind == "confirm"


def test_colleagues_confirmation_is_not_a_conflict(app, session, world, login, client):
    """A mere confirmation by a colleague changes no value: an edit based on the same values still saves."""
    o1, o2 = world["o1"], world["o2"]
    form = _row(o1, free_places=4) | _row(o2)
    other = app.test_client()
    other.post("/inloggen", data={"email": world["staff2"].email, "password": accounts_password()})
    assert other.post("/portaal/", data=_row(o1) | _row(o2) | {"action": "confirm_all"}).status_code == 302
    login(world["staff1"])
    assert client.post("/portaal/", data=form | {"action": "save"}).status_code == 302
    assert _fresh(session, Offering, o1.id).cur_free_places == 4


def test_weekly_update_is_atomic_per_row(app, session, world):
    """Two saves based on the same version at the same moment: exactly one wins, the other is a conflict."""
    from wijzer.db import new_session
    from wijzer.schemas import CapacityInput
    from wijzer.services import availability

    o1 = world["o1"]
    version = o1.capacity_version
    results = []
    barrier = threading.Barrier(2)

    def save(value):
        with app.app_context():
            s = new_session()
            off = s.get(Offering, o1.id)
            barrier.wait()
            try:
                outcome = availability.weekly_update(
                    s,
                    [off],
                    {off.id: CapacityInput(free_places=value, intake_status="open")},
                    versions={off.id: version},
                    confirm_unchanged=False,
                )
                s.commit()
                results.append(outcome)
            finally:
                s.close()

    threads = [threading.Thread(target=save, args=(v,)) for v in (7, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r.conflicts) for r in results) == [0, 1]
    assert sorted(r.updated for r in results) == [0, 1]
    assert (
        session.exec(
            select(func.count()).select_from(CapacityReport).where(CapacityReport.offering_id == o1.id)
        ).one()
        == 2
    )  # the seed report + one


@pytest.mark.parametrize("kind", ["location", "offering", "profile"])
def test_stale_edit_forms_do_not_overwrite(app, session, world, kind):
    """Location, offering and provider profile forms carry the row version they were based on."""
    a, la, o1 = world["a"], world["la"], world["o1"]
    c1, c2 = app.test_client(), app.test_client()
    for client, user in ((c1, world["staff1"]), (c2, world["staff2"])):
        client.post("/inloggen", data={"email": user.email, "password": accounts_password()})
    if kind == "location":
        url = f"/portaal/locaties/{la.id}"
        base = {
            "name": la.name,
            "postcode": la.postcode,
            "street": "",
            "house_number": "",
            "city": la.city or "",
            "version": str(la.row_version),
        }
        first, second = base | {"name": "Nieuwe naam"}, base | {"city": "Zeist"}
        check = lambda: _fresh(session, Location, la.id).name  # noqa: E731
    elif kind == "offering":
        url = f"/portaal/aanbod/{o1.id}"
        base = {
            "offering_ref": "A-1",
            "name": "",
            "location_id": str(la.id),
            "care_type": "logeeropvang",
            "min_age": "0",
            "max_age": "18",
            "contract_regions": "",
            "category": "",
            "description": "",
            "version": str(o1.row_version),
        }
        first, second = base | {"name": "Weekendopvang"}, base | {"description": "Oud formulier"}
        check = lambda: _fresh(session, Offering, o1.id).name  # noqa: E731
    else:
        url = "/portaal/profiel"
        base = {
            "name": a.name,
            "kvk": a.kvk,
            "agb": "",
            "website": "",
            "phone": "",
            "email": "",
            "version": str(a.row_version),
        }
        first, second = base | {"name": "Aanbieder A BV"}, base | {"phone": "030-1234567"}
        check = lambda: _fresh(session, Provider, a.id).name  # noqa: E731
    assert c1.post(url, data=first).status_code == 302
    after_first = check()
    answer = c2.post(url, data=second)
    assert answer.status_code == 409
    assert "inmiddels gewijzigd" in answer.get_data(as_text=True)
    assert check() == after_first


# ---------------------------------------------------------------- 2. partial records
def _api_token(session, user):
    _, plain = accounts.create_api_token(session, user, "test")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_partial_api_record_keeps_the_other_values(client, session, world):
    o1 = world["o1"]
    headers = _api_token(session, world["staff1"])
    body = {
        "records": [{"kvk": "11111111", "offering_ref": "A-1", "free_places": 3, "intake_status": "open"}]
    }
    assert client.post("/api/v1/capacity", json=body, headers=headers).status_code == 200
    off = _fresh(session, Offering, o1.id)
    assert (off.cur_free_places, off.cur_wait_intake, off.cur_wait_treatment, off.cur_waitlist_length) == (
        3,
        3,
        5,
        1,
    )
    # explicit null means unknown
    body = {"records": [{"kvk": "11111111", "offering_ref": "A-1", "waiting_weeks_treatment": None}]}
    assert client.post("/api/v1/capacity", json=body, headers=headers).status_code == 200
    off = _fresh(session, Offering, o1.id)
    assert (off.cur_free_places, off.cur_wait_intake, off.cur_wait_treatment) == (3, 3, None)
    assert off.cur_intake_status == "open"


def test_api_record_with_unknown_field_is_rejected_naming_it(client, session, world):
    headers = _api_token(session, world["staff1"])
    body = {"records": [{"kvk": "11111111", "offering_ref": "A-1", "wachttijd": 5, "intake_status": "open"}]}
    answer = client.post("/api/v1/capacity", json=body, headers=headers)
    assert answer.status_code == 422
    err = answer.get_json()
    assert err["errors"][0]["field"] == "wachttijd" and "Onbekend veld" in err["errors"][0]["message"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["CapacityRecord"]["additionalProperties"] is False


def test_file_without_a_column_keeps_values_and_empty_cell_means_unknown(client, session, login, world):
    login(world["staff1"])
    data = "kvk;offering_ref;free_places\n11111111;A-1;6\n"
    answer = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(data.encode()), "cap.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    off = _fresh(session, Offering, world["o1"].id)
    assert (off.cur_free_places, off.cur_wait_intake, off.cur_intake_status) == (6, 3, "open")
    data = "kvk;offering_ref;free_places;waiting_weeks_intake\n11111111;A-1;6;\n"
    client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(data.encode()), "cap.csv")},
        content_type="multipart/form-data",
    )
    assert _fresh(session, Offering, world["o1"].id).cur_wait_intake is None


def test_first_report_needs_an_intake_status(client, session, world, make_offering):
    new = make_offering(world["a"], world["la"], ref="A-NEW")
    headers = _api_token(session, world["staff1"])
    answer = client.post(
        "/api/v1/capacity",
        headers=headers,
        json={"records": [{"kvk": "11111111", "offering_ref": "A-NEW", "free_places": 1}]},
    )
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "intake_status"
    assert _fresh(session, Offering, new.id).last_reported_at is None


# ---------------------------------------------------------------- 3. one rule set for every path
def _expire_status(session, off):
    """The offering reported a temporary status that has since ended."""
    off = session.get(Offering, off.id)
    off.cur_intake_status, off.cur_status_until = "opnamestop", today_local() - timedelta(days=2)
    session.add(off)
    session.commit()
    return off


def test_confirmation_link_refuses_expired_temporary_status_like_the_portal(app, client, session, world):
    from wijzer.services.reminders import make_confirm_token

    _expire_status(session, world["o1"])
    reminder = Reminder(provider_id=world["a"].id, kind="aging", window="w1")
    session.add(reminder)
    session.commit()
    token = make_confirm_token(app.config, reminder)
    page = client.get(f"/portaal/bevestigen/{token}").get_data(as_text=True)
    assert "verlopen" in page
    done = client.post(f"/portaal/bevestigen/{token}")
    assert done.status_code == 200
    confirmed = session.exec(
        select(CapacityReport.offering_id).where(CapacityReport.source == "email_link")
    ).all()
    assert confirmed == [world["o2"].id]  # the expired one is not confirmed


def test_expired_status_does_not_block_the_rest_of_the_weekly_update(client, session, login, world):
    o1 = _expire_status(session, world["o1"])
    o2 = world["o2"]
    login(world["staff1"])
    answer = client.post("/portaal/", data=_row(o1) | _row(o2, free_places=1) | {"action": "confirm_all"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "verlopen" in html
    assert _fresh(session, Offering, o2.id).cur_free_places == 1  # the rest is saved
    assert _fresh(session, Offering, o1.id).last_report_id == world["o1"].last_report_id  # not confirmed
    # answering the expired row with a new status saves it
    o1 = _fresh(session, Offering, o1.id)
    ok = client.post(
        "/portaal/",
        data=_row(o1, intake_status="open", status_until="")
        | _row(_fresh(session, Offering, o2.id))
        | {"action": "save"},
    )
    assert ok.status_code == 302
    assert _fresh(session, Offering, o1.id).cur_intake_status == "open"


def test_partial_api_record_cannot_keep_an_expired_status(client, session, world):
    _expire_status(session, world["o1"])
    headers = _api_token(session, world["staff1"])
    answer = client.post(
        "/api/v1/capacity",
        headers=headers,
        json={"records": [{"kvk": "11111111", "offering_ref": "A-1", "free_places": 1}]},
    )
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == "status_until"


# ---------------------------------------------------------------- 4. invented codes
@pytest.mark.parametrize(
    "field,value,message",
    [
        ("contract_regions", "JZ99", "Onbekende jeugdregio"),
    ],
)
def test_invented_codes_are_refused_in_the_portal(client, session, login, world, field, value, message):
    login(world["staff1"])
    form = {
        "offering_ref": "A-9",
        "name": "",
        "location_id": str(world["la"].id),
        "care_type": "logeeropvang",
        "min_age": "0",
        "max_age": "18",
        "contract_regions": "",
        "category": "",
        "description": "",
    }
    answer = client.post("/portaal/aanbod/nieuw", data=form | {field: value})
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    assert session.exec(select(Offering).where(Offering.offering_ref == "A-9")).first() is None


def test_invented_codes_are_refused_in_search_and_api(client):
    for url in (
        "/?region=JZ99",
        "/api/v1/search?region=JZ99",
        "/api/v1/search?municipality=GM9999",
        "/?municipality=GM9999",
    ):
        answer = client.get(url)
        assert answer.status_code == 400, url
        assert "Onbekende" in answer.get_data(as_text=True), url


def test_invented_region_in_provider_file_is_refused(client, session, login, world):
    from importers.providers import import_providers
    from importers.validation import ImportRejected

    header = "provider_name,kvk,location_name,postcode,offering_ref,care_type,regions\n"
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, (header + "X,33333333,L,3511AB,X-1,logeeropvang,JZ99\n").encode(), "p.csv")
    assert any("JZ99" in e.message for e in exc.value.errors)


# ---------------------------------------------------------------- 5. KvK is the key
def test_provider_staff_cannot_change_the_kvk(client, session, login, world):
    a = world["a"]
    login(world["staff1"])
    form = {
        "name": a.name,
        "kvk": "99999999",
        "agb": "",
        "website": "",
        "phone": "",
        "email": "",
        "version": str(a.row_version),
    }
    answer = client.post("/portaal/profiel", data=form)
    assert answer.status_code == 400
    assert _fresh(session, Provider, a.id).kvk == "11111111"


def test_admin_changes_kvk_with_an_audit_entry(client, session, login, world):
    a = world["a"]
    login(world["admin"])
    form = {
        "name": a.name,
        "kvk": "99999999",
        "agb": "",
        "website": "",
        "phone": "",
        "email": "",
        "version": str(a.row_version),
    }
    answer = client.post(f"/portaal/beheer/aanbieders/{a.id}/bewerken", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert _fresh(session, Provider, a.id).kvk == "99999999"
    entry = session.exec(
        select(AuditLog)
        .where(AuditLog.entity == "provider", AuditLog.action == "update")
        .order_by(AuditLog.id.desc())
    ).first()
    assert "kvk" in entry.detail and "11111111" in entry.detail


# ---------------------------------------------------------------- 6. moving a location moves its offerings
def test_import_moving_a_location_moves_offerings_not_in_the_file(session, world):
    from importers.providers import import_providers

    header = "provider_name,kvk,location_name,postcode,offering_ref,care_type\n"
    import_providers(
        session, (header + "Aanbieder A,11111111,Locatie A,1012,A-1,logeeropvang\n").encode(), "p.csv"
    )
    session.commit()
    loc = _fresh(session, Location, world["la"].id)
    o2 = session.get(Offering, world["o2"].id)  # not in the file
    assert (o2.lat, o2.lon, o2.municipality_code, o2.region_code) == (
        loc.lat,
        loc.lon,
        loc.municipality_code,
        loc.region_code,
    )
    assert o2.municipality_code == "GM0363"  # Amsterdam


# ---------------------------------------------------------------- 8. dates out of range
@pytest.mark.parametrize(
    "when", ["0001-01-01", "9999-12-31T23:59:59-14:00", "1999-12-31T23:00:00Z", "0001-01-01T00:00:00+14:00"]
)
def test_report_dates_out_of_range_are_a_clear_422(client, session, world, when):
    headers = _api_token(session, world["staff1"])
    answer = client.post(
        "/api/v1/capacity",
        headers=headers,
        json={
            "records": [
                {"kvk": "11111111", "offering_ref": "A-1", "intake_status": "open", "reported_at": when}
            ]
        },
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "reported_at"


@pytest.mark.parametrize("field,value", [("status_until", "9999-12-31"), ("next_free_date", "9999-12-31")])
def test_far_future_dates_are_refused(client, session, world, field, value):
    headers = _api_token(session, world["staff1"])
    rec = {"kvk": "11111111", "offering_ref": "A-1", "intake_status": "wachtlijst", field: value}
    answer = client.post("/api/v1/capacity", headers=headers, json={"records": [rec]})
    assert answer.status_code == 422 and answer.get_json()["errors"][0]["field"] == field


# ---------------------------------------------------------------- 9. single-use link, at the same moment
def test_confirmation_link_used_twice_at_once_confirms_once(app, session, world):
    from wijzer.services.reminders import make_confirm_token

    reminder = Reminder(provider_id=world["a"].id, kind="aging", window="w2")
    session.add(reminder)
    session.commit()
    token = make_confirm_token(app.config, reminder)
    barrier = threading.Barrier(2)
    statuses = []

    def post():
        c = app.test_client()
        barrier.wait()
        statuses.append(c.post(f"/portaal/bevestigen/{token}").status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 410]
    assert (
        session.exec(
            select(func.count()).select_from(CapacityReport).where(CapacityReport.source == "email_link")
        ).one()
        == 2
    )  # two offerings, once
    assert (
        session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.actor == "email_link")).one()
        == 1
    )


def accounts_password():
    from tests.conftest import PASSWORD

    return PASSWORD


def test_total_places_on_every_path_and_free_cannot_exceed_it(client, session, login, world):
    login(world["staff1"])
    o1, o2 = world["o1"], world["o2"]
    bad = client.post(
        "/portaal/", data=_row(o1, free_places=5, total_places=3) | _row(o2) | {"action": "save"}
    )
    assert bad.status_code == 400 and "totaal" in bad.get_data(as_text=True)
    ok = client.post(
        "/portaal/", data=_row(o1, free_places=2, total_places=12) | _row(o2) | {"action": "save"}
    )
    assert ok.status_code == 302
    assert _fresh(session, Offering, o1.id).cur_total_places == 12
    headers = _api_token(session, world["staff1"])
    answer = client.post(
        "/api/v1/capacity",
        headers=headers,
        json={"records": [{"kvk": "11111111", "offering_ref": "A-1", "free_places": 13}]},
    )
    assert answer.status_code == 422  # 13 free of 12 total (the kept total)
    answer = client.post(
        "/api/v1/capacity",
        headers=headers,
        json={"records": [{"kvk": "11111111", "offering_ref": "A-1", "total_places": 20}]},
    )
    assert answer.status_code == 200 and _fresh(session, Offering, o1.id).cur_total_places == 20


def test_dry_run_imports_leave_the_callers_transaction_alone(session, world):
    """Issue 16 item 1: importers never roll back their caller's session (a dry run used to discard the
    caller's pending, uncommitted work)."""
    from importers.capacity import import_capacity
    from importers.providers import import_providers

    provider = session.get(Provider, world["a"].id)
    provider.phone = "030-7654321"  # the caller's own pending change
    session.add(provider)
    import_capacity(session, b"kvk,offering_ref,free_places\n11111111,A-1,4\n", "c.csv", dry_run=True)
    header = "provider_name,kvk,location_name,postcode,offering_ref,care_type\n"
    import_providers(
        session, (header + "Nieuw,33333333,L,3511AB,N-1,logeeropvang\n").encode(), "p.csv", dry_run=True
    )
    session.commit()
    assert _fresh(session, Provider, world["a"].id).phone == "030-7654321"
    assert session.exec(select(func.count()).select_from(Provider)).one() == 1
