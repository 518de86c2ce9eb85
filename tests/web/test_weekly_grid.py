"""The weekly update grid (issue 17), server side: what the page renders without JavaScript.

The browser behaviour (keyboard, summary, phone layout, height) is in tests/e2e/test_weekly_grid_browser.py.
"""

import re
from datetime import timedelta

import pytest
from flask import render_template

from wijzer.models import Offering
from wijzer.timeutil import AMS, as_utc, utcnow


@pytest.fixture
def world(make_provider, make_location, make_offering, make_user, report):
    a, b = make_provider(name="Aanbieder A"), make_provider(name="Aanbieder B")
    l1 = make_location(a, postcode="3511AB", name="Locatie Noord")
    l2 = make_location(a, postcode="1012", name="Locatie Zuid")
    o1 = make_offering(a, l1, care_type="logeeropvang", ref="A-1")
    o2 = make_offering(a, l1, care_type="respijtzorg", ref="A-2")
    o3 = make_offering(a, l2, care_type="respijtzorg", ref="A-3")
    ob = make_offering(b, make_location(b, postcode="1012", name="Elders"), ref="B-1")
    report(o1, days_ago=12, free_places=2, wait_intake=3)  # stale in 2 days (14-day default)
    report(o2, days_ago=1, free_places=0, intake_status="wachtlijst")
    report(o3, days_ago=30, free_places=4)  # already stale
    report(ob, days_ago=1, free_places=1)
    return {
        "a": a,
        "l1": l1,
        "l2": l2,
        "o1": o1,
        "o2": o2,
        "o3": o3,
        "ob": ob,
        "staff": make_user("provider", provider=a),
        "staff_b": make_user("provider", provider=b),
    }


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="o(\d+)" class="weekly-row', html)


def test_one_row_per_offering_with_all_weekly_fields_and_the_version(client, login, world):
    login(world["staff"])
    response = client.get("/portaal/")
    html = response.get_data(as_text=True)
    o1 = world["o1"]
    assert _rows(html) == [
        str(world["o1"].id),
        str(world["o2"].id),
        str(world["o3"].id),
    ]  # grouped by location
    for field in (
        "free_places",
        "total_places",
        "wait_intake",
        "wait_treatment",
        "waitlist_length",
        "intake_status",
        "status_until",
        "next_free_date",
        "note",
    ):
        assert f'name="o{o1.id}-{field}"' in html
        assert f'<label class="cell-label" for="o{o1.id}-{field}"' in html or field == "note"
    assert f'name="o{o1.id}-version" value="{o1.capacity_version}"' in html
    assert f'name="o{o1.id}-free_places" value="2" data-orig="2"' in html
    assert html.count('class="weekly-group"') == 2 and "Locatie Noord" in html and "Locatie Zuid" in html
    assert 'name="action" value="confirm_all"' in html and 'name="action" value="save"' in html
    assert "Wijzigingen opslaan" in html and "B-1" not in html
    # Strict CSP: no inline script or style anywhere on the page; the grid's own files are linked.
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert (
        not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        and " style=" not in html
        and "<style" not in html
    )
    assert "/static/js/weekly.js" in html and "/static/css/weekly.css" in html


def test_enter_in_a_field_cannot_submit_alles_klopt_nog(client, login, world):
    """Implicit submission uses the form's first submit button: it is a disabled one, so Enter
    without JavaScript does nothing instead of confirming everything unseen."""
    login(world["staff"])
    html = client.get("/portaal/").get_data(as_text=True)
    form = html[html.index('<form method="post" novalidate id="weekly-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'type="submit"' in first_button and "disabled" in first_button and "name=" not in first_button


def test_stale_soon_highlighted_with_the_date_and_stale_rows_marked(client, login, world):
    login(world["staff"])
    html = client.get("/portaal/").get_data(as_text=True)
    o1, o3 = world["o1"], world["o3"]
    stale_on = (as_utc(o1.last_confirmed_at) + timedelta(days=14)).astimezone(AMS).strftime("%d-%m-%Y")
    row1 = html[html.index(f'<tr id="o{o1.id}"') : html.index(f'<tr id="o{world["o2"].id}"')]
    assert "is-stale-soon" in row1 and f"Verouderd op {stale_on}" in row1
    row3 = html[html.index(f'<tr id="o{o3.id}"') :]
    assert "is-stale" in row3 and "Verouderd op" not in row3.split("</tr>")[0]


def test_sort_langst_niet_bevestigd_and_location_filter_work_without_javascript(client, login, world):
    login(world["staff"])
    html = client.get("/portaal/?sorteer=bevestigd").get_data(as_text=True)
    assert _rows(html) == [
        str(world["o3"].id),
        str(world["o1"].id),
        str(world["o2"].id),
    ]  # oldest confirmation first
    assert 'class="weekly-table"' in html  # not grouped
    html = client.get(f"/portaal/?locatie={world['l2'].id}").get_data(as_text=True)
    hidden = re.findall(r'<tr id="o(\d+)" class="weekly-row[^>]*?( hidden)?>', html)
    assert {oid for oid, h in hidden if h} == {str(world["o1"].id), str(world["o2"].id)}
    # hidden rows are still part of the form: their values are submitted, nothing is lost
    assert f'name="o{world["o1"].id}-free_places"' in html
    assert "verborgen door het filter" in html
    html = client.get("/portaal/?aandacht=1").get_data(as_text=True)
    hidden = re.findall(r'<tr id="o(\d+)" class="weekly-row[^>]*?( hidden)?>', html)
    assert {oid for oid, h in hidden if h} == {str(world["o2"].id)}  # fresh and not turning stale soon
    # nonsense parameters fall back to the default order, never an error
    response = client.get("/portaal/?sorteer=<x>&locatie=abc&aandacht=zzz")
    assert response.status_code == 200 and len(_rows(response.get_data(as_text=True))) == 3


def test_phone_layout_folds_all_but_the_five_most_changed_fields(client, login, world, report):
    o2 = world["o2"]
    for waitlist in (1, 2, 3, 4):  # the waitlist changes every week; next free date too
        report(
            o2,
            days_ago=1 - waitlist / 10,
            free_places=0,
            intake_status="wachtlijst",
            waitlist_length=waitlist,
            next_free_date=(utcnow() + timedelta(days=10 + waitlist)).date(),
        )
    login(world["staff"])
    html = client.get("/portaal/").get_data(as_text=True)
    row = html[html.index(f'<tr id="o{o2.id}"') :]
    row = row[: row.index("</tr>")]
    extra = set(re.findall(r'class="cell cell--\w+[^"]*is-extra[^"]*" data-field="(\w+)"', row))
    shown = set(re.findall(r'class="cell cell--\w+(?:(?!is-extra)[^"])*" data-field="(\w+)"', row)) - {"note"}
    assert len(shown) == 5 and len(extra) == 3
    assert {"waitlist_length", "next_free_date"} <= shown


def test_errors_stay_in_the_row_with_the_dutch_message_and_the_rest_is_kept(client, session, login, world):
    login(world["staff"])
    o1, o2, o3 = world["o1"], world["o2"], world["o3"]

    def row(off, **over):
        base = {
            "free_places": off.cur_free_places,
            "wait_intake": off.cur_wait_intake,
            "wait_treatment": "",
            "waitlist_length": "",
            "intake_status": off.cur_intake_status,
            "status_until": "",
            "next_free_date": "",
            "note": "",
            "total_places": "",
            "version": off.capacity_version,
        }
        base.update(over)
        return {f"o{off.id}-{k}": "" if v is None else str(v) for k, v in base.items()}

    data = {"action": "confirm_all", **row(o1, wait_intake="300"), **row(o2, free_places="5"), **row(o3)}
    response = client.post("/portaal/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Deze rijen zijn niet opgeslagen" in html
    row1 = html[html.index(f'<tr id="o{o1.id}"') :]
    row1 = row1[: row1.index("</tr>")]
    assert (
        "has-errors" in row1 and f'id="o{o1.id}-wait_intake-error">Een wachttijd moet tussen 0 en 260' in row1
    )
    assert f'aria-describedby="o{o1.id}-wait_intake-error"' in row1 and 'aria-invalid="true"' in row1
    assert f'value="300" data-orig="{o1.cur_wait_intake}"' in row1  # typed value kept, marked as changed
    # the other rows of the submission were saved and show their new values (no longer a change)
    assert f'name="o{o2.id}-free_places" value="5" data-orig="5"' in html
    session.expire_all()
    assert session.get(Offering, o2.id).cur_free_places == 5
    row2 = html[html.index(f'<tr id="o{o2.id}"') :]
    assert "is-changed" not in row2[: row2.index("</tr>")]


def _render(app, world, session, **extra):
    """Render the weekly template directly with the context the integrator's view passes."""
    from providers.portal import _row_values
    from wijzer.services.portal import offerings_with_locations as _offerings_with_locations

    with app.test_request_context("/portaal/"):
        pairs = _offerings_with_locations(session, world["a"].id)
        values = {o.id: _row_values(o) for o, _ in pairs}
        values.update(extra.pop("values", {}))
        context = {
            "provider": world["a"],
            "pairs": pairs,
            "values": values,
            "errors": {},
            "freshness": {o.id: "fresh" for o, _ in pairs},
            "no_place": {},
            "unseen_no_place": 0,
            "now": utcnow(),
            **extra,
        }
        return render_template("providers/weekly.html", **context)


def test_conflict_row_shows_the_colleagues_values_next_to_what_was_typed(app, session, world):
    o1 = world["o1"]
    typed = {
        "free_places": "7",
        "wait_intake": "3",
        "intake_status": "open",
        "total_places": "",
        "wait_treatment": "",
        "waitlist_length": "",
        "status_until": "",
        "next_free_date": "",
        "note": "",
    }
    theirs = dict(typed, free_places="1", intake_status="wachtlijst")
    html = _render(
        app,
        world,
        session,
        values={o1.id: typed},
        versions={o1.id: 5},
        conflicts={o1.id: {"by": "collega@aanbieder.nl", "at": utcnow(), "values": theirs}},
    )
    row = html[html.index(f'<tr id="o{o1.id}"') :]
    row = row[: row.index("</tr>")]
    assert "has-conflict" in row and "inmiddels gewijzigd door collega@aanbieder.nl" in row
    assert (
        f'name="o{o1.id}-free_places" value="7" data-orig="1"' in row
    )  # the user's input, the colleague's as base
    assert (
        'collega: <span class="conflict-value">1</span>' in row
        and 'collega: <span class="conflict-value">Wachtlijst' in row
    )
    assert 'conflict-value">3<' not in row  # the same as typed: no hint
    assert f'aria-describedby="o{o1.id}-free_places-theirs"' in row
    assert f'name="o{o1.id}-version" value="5"' in row
    assert "1 aanbod is inmiddels gewijzigd door een collega" in html


def test_expired_rows_ask_for_a_new_status_or_end_date(app, session, world):
    o2 = world["o2"]
    html = _render(
        app, world, session, expired={o2.id: {"status_until": "De tijdelijke status liep af op 01-11-2026."}}
    )
    row = html[html.index(f'<tr id="o{o2.id}"') :]
    row = row[: row.index("</tr>")]
    assert "is-expired" in row and "kies een nieuwe intakestatus of einddatum" in row
    assert "De tijdelijke status liep af op 01-11-2026." in row
    assert re.findall(r'data-field="(\w+)"', row) and row.count("is-required") == 2


def test_preview_shows_the_referrers_result_card(client, session, login, world):
    login(world["staff"])
    o2 = world["o2"]
    html = client.get(f"/portaal/aanbod/{o2.id}/voorbeeld").get_data(as_text=True)
    assert 'class="card result' in html and "Actueel" in html and "Wachtlijst" in html
    assert "Op mijn lijst zetten" not in html  # the referrer's actions are not part of the preview
    assert "Zo zien verwijzers" in html and "Dat is nu niet zo." in html  # no place now (wachtlijst, 0 free)
    assert client.get(f"/portaal/aanbod/{world['ob'].id}/voorbeeld").status_code == 404
    assert client.get("/portaal/aanbod/999999/voorbeeld").status_code == 404
    off = session.get(Offering, o2.id)
    off.active = False
    session.add(off)
    session.commit()
    html = client.get(f"/portaal/aanbod/{o2.id}/voorbeeld").get_data(as_text=True)
    assert "niet actief" in html and 'class="card result' in html


def test_preview_link_on_every_row(client, login, world):
    login(world["staff"])
    html = client.get("/portaal/").get_data(as_text=True)
    for key in ("o1", "o2", "o3"):
        assert f'href="/portaal/aanbod/{world[key].id}/voorbeeld"' in html
        assert f'href="/portaal/aanbod/{world[key].id}/historie"' in html
