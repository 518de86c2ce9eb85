"""The weekly update grid in Chromium (issue 17), on the demo provider (25 offerings, 3 locations),
done by keyboard only — no mouse clicks, no form filling through the DOM — at 1280 px and at 390 px.

Screenshots land in test-artifacts/weekly-*.png (looked at when the layout changes).
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from werkzeug.serving import make_server

from tests.e2e.conftest import axe_check, screenshot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT_1280 = 2500


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The app on its own SQLite database seeded like `flask demo seed` (the first provider is the demo
    login's: 25 offerings over 3 locations); one offering was last confirmed 12 days ago, so it turns
    stale within 3 days."""
    from sqlmodel import select

    from wijzer import create_app
    from wijzer.db import get_engine, metadata, session_scope
    from wijzer.models import Offering, Provider
    from wijzer.services import demo
    from wijzer.services.reference import load_reference_data

    db = tmp_path_factory.mktemp("weekly") / "demo.db"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db}",
            "SECRET_KEY": "e2e-weekly",
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://127.0.0.1",
        }
    )
    with app.app_context():
        metadata.create_all(get_engine())
        with session_scope() as s:
            load_reference_data(s)
            demo.seed(s, providers=2, seed_value=1, weeks=12, config=app.config)
            demo.demo_accounts(s)
        with session_scope() as s:
            provider = s.exec(select(Provider).where(Provider.kvk == str(demo.DEMO_KVK_BASE + 1))).one()
            offerings = s.exec(
                select(Offering).where(Offering.provider_id == provider.id).order_by(Offering.offering_ref)
            ).all()
            ids = {"provider": provider.id, "count": len(offerings), "soon": offerings[-1].id}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield type(
        "Demo",
        (),
        {
            "url": f"http://127.0.0.1:{server.server_port}",
            "app": app,
            "ids": ids,
            "email": "aanbieder@demo.wijzer.nl",
            "password": demo.DEMO_PASSWORD,
        },
    )
    server.shutdown()


def _offering(app, offering_id: int):
    from wijzer.db import session_scope
    from wijzer.models import Offering

    with app.app_context(), session_scope() as s:
        off = s.get(Offering, offering_id)
        s.expunge(off)
        return off


def _age(app, offering_id: int, days: int) -> None:
    """Make an offering last confirmed ``days`` ago (tests in this module share one database)."""
    from wijzer.db import session_scope
    from wijzer.models import Offering
    from wijzer.timeutil import utcnow

    with app.app_context(), session_scope() as s:
        off = s.get(Offering, offering_id)
        off.last_confirmed_at = off.last_reported_at = utcnow() - timedelta(days=days)
        off.freshness = "aging"
        s.add(off)


def active(page) -> str:
    return page.evaluate(
        "document.activeElement ? (document.activeElement.id || document.activeElement.textContent.trim()) : ''"
    )


def tab_to(page, selector: str, limit: int = 500, back: bool = False) -> int:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; the number of presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return n
    raise AssertionError(f"{selector} not reached with {limit} Tab presses (at {active(page)!r})")


def keyboard_login(page, demo_server) -> None:
    page.goto(demo_server.url + "/inloggen")
    tab_to(page, "input[name=email]")
    page.keyboard.type(demo_server.email)
    page.keyboard.press("Tab")
    page.keyboard.type(demo_server.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/portaal/")


def replace_value(page, text: str) -> None:
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def rows(page) -> list[str]:
    return page.eval_on_selector_all("tr.weekly-row:not([hidden])", "rs => rs.map(r => r.id.slice(1))")


def test_demo_provider_grid_height_sticky_header_and_actions_at_1280(page, demo_server):
    _age(demo_server.app, demo_server.ids["soon"], 12)
    keyboard_login(page, demo_server)
    assert len(rows(page)) == demo_server.ids["count"] == 25
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"weekly page height for the demo provider at 1280 px: {height} px")
    assert height <= MAX_HEIGHT_1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.evaluate("window.scrollTo(0, 1200)")
    header_top = page.evaluate("document.querySelector('#weekly-table thead th').getBoundingClientRect().top")
    bar = page.evaluate(
        "(() => { const r = document.getElementById('weekly-actions').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; })()"
    )
    assert abs(header_top) <= 1, "the column header stays in view"
    assert bar[1] <= bar[2] + 1 and bar[0] < bar[2], "the actions stay in view"
    assert page.get_by_role("button", name="Alles klopt nog").is_visible()
    # The offering that turns stale within 3 days is highlighted with the date.
    soon = page.locator(f"#o{demo_server.ids['soon']}")
    assert "is-stale-soon" in soon.get_attribute("class")
    assert re.search(r"Verouderd op \d\d-\d\d-\d{4}", soon.inner_text())
    page.evaluate("window.scrollTo(0, 0)")
    axe_check(page)
    screenshot(page, "weekly-grid-1280")
    assert not page.console_errors


def test_whole_weekly_update_by_keyboard_at_1280(page, demo_server):
    keyboard_login(page, demo_server)
    ids = rows(page)
    r1, r2, r3 = ids[0], ids[1], ids[2]
    before = {i: _offering(demo_server.app, int(i)) for i in (r1, r2, r3)}
    new_free = str((before[r1].cur_free_places or 0) + 3)

    # Row 1: free places and total places, Tab across the row.
    tab_to(page, f"#o{r1}-free_places")
    replace_value(page, new_free)
    page.keyboard.press("Tab")
    assert active(page) == f"o{r1}-total_places"
    replace_value(page, "12")
    page.keyboard.press("Shift+Tab")
    assert active(page) == f"o{r1}-free_places"
    assert "is-changed" in page.locator(f"#o{r1}-free_places").locator("xpath=..").get_attribute("class")

    # Down a column: Enter, arrow down, arrow up.
    page.keyboard.press("Enter")
    assert active(page) == f"o{r2}-free_places"
    page.keyboard.press("ArrowDown")
    assert active(page) == f"o{r3}-free_places"
    page.keyboard.press("ArrowUp")
    assert active(page) == f"o{r2}-free_places"
    # Escape restores a cell (a typo undone) and the change mark goes away.
    replace_value(page, "99")
    assert "is-changed" in page.locator(f"#o{r2}-free_places").locator("xpath=..").get_attribute("class")
    page.keyboard.press("Escape")
    assert page.locator(f"#o{r2}-free_places").input_value() == (
        "" if before[r2].cur_free_places is None else str(before[r2].cur_free_places)
    )
    assert "is-changed" not in page.locator(f"#o{r2}-free_places").locator("xpath=..").get_attribute("class")

    # Row 2: a new intake status chosen by typing in the select.
    tab_to(page, f"#o{r2}-intake_status")
    old_status = before[r2].cur_intake_status
    page.keyboard.type("w" if old_status != "wachtlijst" else "o")
    new_status = page.locator(f"#o{r2}-intake_status").input_value()
    assert new_status != old_status

    # Row 3: the note, one keypress away.
    tab_to(page, f"#o{r3} summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert active(page) == f"o{r3}-note"
    page.keyboard.type("Vanaf januari twee extra plekken")
    assert "3 aanbod gewijzigd" in page.locator("#weekly-status").inner_text()
    screenshot(page, "weekly-grid-1280-changed")

    # The summary before saving: 3 changes, 22 unchanged that will be confirmed, old -> new.
    tab_to(page, "button[value=confirm_all]")
    page.keyboard.press("Enter")
    dialog = page.locator("#weekly-summary")
    assert dialog.is_visible()
    assert (
        page.locator("#weekly-summary-counts").inner_text()
        == "3 wijzigingen, 22 ongewijzigd — die worden bevestigd."
    )
    listed = page.locator("#weekly-summary-list").inner_text()
    assert f"Vrije plekken {before[r1].cur_free_places} → {new_free}" in listed
    assert "Totaal aantal plekken leeg → 12" in listed and "Intakestatus" in listed
    assert "Toelichting voor verwijzers leeg → Vanaf januari twee extra plekken" in listed
    assert (
        active(page) == "weekly-summary-ok"
        and page.locator("#weekly-summary-ok").inner_text() == "Opslaan en bevestigen"
    )
    axe_check(page)
    screenshot(page, "weekly-grid-1280-summary")
    page.keyboard.press("Escape")  # back to the list: nothing sent, nothing lost
    assert not dialog.is_visible() and page.locator(f"#o{r1}-free_places").input_value() == new_free
    assert active(page) == "Alles klopt nog"
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"3 gewijzigd, 22 bevestigd", page.locator("main").inner_text())
    after = {i: _offering(demo_server.app, int(i)) for i in (r1, r2, r3)}
    assert str(after[r1].cur_free_places) == new_free and after[r2].cur_intake_status == new_status
    assert after[r3].cur_note == "Vanaf januari twee extra plekken"
    axe_check(page)


def test_sort_filter_and_errors_in_the_row_by_keyboard(page, demo_server):
    _age(demo_server.app, demo_server.ids["soon"], 12)
    keyboard_login(page, demo_server)
    # "Langst niet bevestigd" first: the offering confirmed 12 days ago leads.
    tab_to(page, "#f-sorteer")
    page.keyboard.type("L")
    assert page.locator("#f-sorteer").input_value() == "bevestigd"
    assert rows(page)[0] == str(demo_server.ids["soon"])
    assert "sorteer=bevestigd" in page.url
    # A location filter hides the other locations' rows (still submitted with the form).
    tab_to(page, "#f-locatie", back=True)
    page.keyboard.press("ArrowDown")
    shown = rows(page)
    assert 0 < len(shown) < 25
    page.keyboard.press("ArrowUp")
    assert len(rows(page)) == 25
    # A wrong value: the error sits in the row in Dutch; the rest of what was typed is kept.
    first, second = rows(page)[0], rows(page)[1]
    tab_to(page, f"#o{first}-wait_intake")
    replace_value(page, "300")
    page.keyboard.press("Enter")
    assert active(page) == f"o{second}-wait_intake"
    replace_value(page, "7")
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    assert (
        page.locator("#weekly-summary-counts").inner_text()
        == "2 wijzigingen, 23 ongewijzigd — die worden níet bevestigd."
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = page.locator(f"#o{first}")
    assert "Een wachttijd moet tussen 0 en 260 weken liggen." in row.inner_text()
    assert page.locator(f"#o{first}-wait_intake").input_value() == "300"
    assert page.locator(f"#o{first}-wait_intake").get_attribute("aria-invalid") == "true"
    assert "is-changed" in page.locator(f"#o{first}-wait_intake").locator("xpath=..").get_attribute("class")
    assert "Deze rijen zijn niet opgeslagen" in page.locator("main").inner_text()
    # the rest of the submission was saved: the second row shows its new value, no longer a change
    assert page.locator(f"#o{second}-wait_intake").input_value() == "7"
    assert "is-changed" not in page.locator(f"#o{second}-wait_intake").locator("xpath=..").get_attribute(
        "class"
    )
    assert _offering(demo_server.app, int(second)).cur_wait_intake == 7
    axe_check(page)
    screenshot(page, "weekly-grid-1280-errors")
    # Escape puts the wrong value back to the stored one: nothing left to save.
    tab_to(page, f"#o{first}-wait_intake")
    page.keyboard.press("Escape")
    assert page.locator(f"#o{first}-wait_intake").input_value() == str(
        _offering(demo_server.app, int(first)).cur_wait_intake
    )
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    assert page.locator("#weekly-summary-counts").inner_text().startswith("0 wijzigingen, ")
    page.keyboard.press("Escape")
    assert not page.locator("#weekly-summary").is_visible()


def test_whole_weekly_update_by_keyboard_on_a_phone(browser, demo_server):
    context = browser.new_context(locale="nl-NL", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        keyboard_login(page, demo_server)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            "nothing wider than the screen"
        )
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391"
            " && e.offsetParent !== null).map(e => e.tagName + '.' + e.className).slice(0, 5)"
        )
        assert not wide, wide
        bar = page.evaluate(
            "(() => { const r = document.getElementById('weekly-actions').getBoundingClientRect();"
            " return [r.bottom, window.innerHeight, getComputedStyle(document.getElementById('weekly-actions')).position]; })()"
        )
        assert bar[2] == "fixed" and abs(bar[0] - bar[1]) <= 1, "actions fixed at the bottom"
        first, second = rows(page)[0], rows(page)[1]
        visible = page.eval_on_selector_all(
            f"#o{first} .cell:not(.cell--note)",
            "cs => cs.filter(c => c.offsetParent !== null).map(c => c.dataset.field)",
        )
        assert len(visible) == 5, visible
        folded = page.eval_on_selector_all(f"#o{first} .cell.is-extra", "cs => cs.map(c => c.dataset.field)")
        assert len(folded) == 3 and not set(folded) & set(visible)
        axe_check(page)
        screenshot(page, "weekly-grid-390")
        # Tab through the card's visible fields, unfold the rest with the keyboard and change one of them.
        tab_to(page, f"#o{first} .more-fields")
        page.keyboard.press("Enter")
        assert page.locator(f"#o{first} .more-fields").get_attribute("aria-expanded") == "true"
        field = "next_free_date" if "next_free_date" in folded else folded[0]
        tab_to(page, f"#o{first}-{field}")
        assert page.locator(f"#o{first}-{field}").is_visible()
        if page.locator(f"#o{first}-{field}").get_attribute("type") == "date":
            # Locale-independent keys: each segment up from empty (day 1, month 1, this year), then a year on.
            for key in ("ArrowUp", "ArrowRight", "ArrowUp", "ArrowRight", "ArrowUp", "ArrowUp"):
                page.keyboard.press(key)
            value = page.locator(f"#o{first}-{field}").input_value()
            assert re.fullmatch(r"20\d\d-01-01", value) and value > date.today().isoformat(), value
        else:
            value = "14"
            replace_value(page, value)
        # Enter moves to the same field of the next card, unfolding it there.
        page.keyboard.press("Enter")
        assert active(page) == f"o{second}-{field}" and page.locator(f"#o{second}-{field}").is_visible()
        tab_to(page, f"#o{second}-free_places", back=True)
        replace_value(page, "4")
        screenshot(page, "weekly-grid-390-changed")
        tab_to(page, "button[value=confirm_all]")
        page.keyboard.press("Enter")
        assert (
            page.locator("#weekly-summary-counts").inner_text()
            == "2 wijzigingen, 23 ongewijzigd — die worden bevestigd."
        )
        assert (
            page.evaluate("document.getElementById('weekly-summary').getBoundingClientRect().right")
            <= PHONE["width"]
        )
        screenshot(page, "weekly-grid-390-summary")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert re.search(r"2 gewijzigd, 23 bevestigd", page.locator("main").inner_text())
        assert _offering(demo_server.app, int(second)).cur_free_places == 4
        assert str(getattr(_offering(demo_server.app, int(first)), "cur_" + field)) == value
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        axe_check(page)
        assert not errors
    finally:
        context.close()


def test_preview_of_the_referrers_card(page, demo_server):
    keyboard_login(page, demo_server)
    oid = demo_server.ids["soon"]
    page.goto(f"{demo_server.url}/portaal/aanbod/{oid}/voorbeeld")
    card = page.locator("article.result")
    assert card.is_visible() and "Laatst bevestigd" in card.inner_text()
    assert "Zonder nieuwe bevestiging is het aanbod vanaf" in page.locator("main").inner_text()
    axe_check(page)
    screenshot(page, "weekly-preview")


def test_conflict_row_shows_the_colleagues_values_and_is_not_overwritten(page, browser, demo_server):
    """Two sessions open the weekly page; B saves a new number of free places; A, whose page still shows
    the old values, changes the same row and clicks "Alles klopt nog": that row is not saved, it shows
    B's value in the row, and A can take it over by keyboard."""
    keyboard_login(page, demo_server)
    row = rows(page)[4]
    old = _offering(demo_server.app, int(row))
    theirs = str((old.cur_free_places or 0) + 2)
    colleague = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    try:
        other = colleague.new_page()
        keyboard_login(other, demo_server)
        tab_to(other, f"#o{row}-free_places")
        replace_value(other, theirs)
        tab_to(other, "button[value=save]")
        other.keyboard.press("Enter")
        with other.expect_navigation():
            other.keyboard.press("Enter")
    finally:
        colleague.close()
    assert str(_offering(demo_server.app, int(row)).cur_free_places) == theirs
    # A, on the old page, changes the waiting time of that row.
    tab_to(page, f"#o{row}-wait_intake")
    replace_value(page, "11")
    tab_to(page, "button[value=confirm_all]")
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert str(_offering(demo_server.app, int(row)).cur_free_places) == theirs  # not overwritten
    conflict = page.locator(f"#o{row}")
    assert "has-conflict" in conflict.get_attribute("class")
    text = conflict.inner_text()
    assert (
        "inmiddels gewijzigd door" in text
        and "aanbieder@demo.wijzer.nl" in text
        and f"collega: {theirs}" in text
    )
    assert page.locator(f"#o{row}-wait_intake").input_value() == "11"  # what A typed is kept
    assert page.locator(f"#o{row}-free_places").input_value() == str(old.cur_free_places)
    axe_check(page)
    screenshot(page, "weekly-grid-1280-conflict")
    # Take over the colleague's values (keyboard), then save: only what A still changes is stored.
    tab_to(page, f"#o{row} .take-theirs")
    page.keyboard.press("Enter")
    assert page.locator(f"#o{row}-free_places").input_value() == theirs
    assert page.locator(f"#o{row}-wait_intake").input_value() == str(old.cur_wait_intake)
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    assert page.locator("#weekly-summary-counts").inner_text().startswith("0 wijzigingen, ")
    page.keyboard.press("Escape")
