"""Issue 10 in the browser: two planners of one provider, each in their own browser, update the same week.
The stale page never reverts the colleague's value; the page says who changed it and shows the new value."""

import re

import pytest

from tests.e2e.conftest import PASSWORD, axe_check, screenshot, submit_weekly

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_planners(live_server):
    from wijzer.db import session_scope
    from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, availability, catalogue

    # Far from Utrecht (the other browser tests count the results around 3511), so the shared live server
    # keeps their worlds as they expect.
    with live_server.app.app_context(), session_scope() as s:
        p = catalogue.save_provider(s, ProviderInput(name="Jeugdhulp De Brug", kvk="44556677"))
        loc = catalogue.save_location(s, p, LocationInput(name="De Brug Groningen", postcode="9711"))
        offs = []
        for ref, care in (("BR-1", "logeeropvang"), ("BR-2", "respijtzorg")):
            off = catalogue.save_offering(s, p, loc, OfferingInput(offering_ref=ref, care_type=care))
            availability.record_report(
                s,
                off,
                CapacityInput(free_places=1, wait_intake=2, intake_status="open"),
                kind="update",
                source="portal",
            )
            offs.append(off.id)
        for mail, name in (("anna@debrug.nl", "Anna Planner"), ("bram@debrug.nl", "Bram Planner")):
            accounts.create_user(
                s, email=mail, password=PASSWORD, role="provider", provider_id=p.id, name=name
            )
    return {"offerings": offs}


def _login(page, url, email):
    page.goto(url + "/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()


def test_stale_weekly_page_does_not_revert_a_colleagues_update(browser, live_server, two_planners):
    first, second = two_planners["offerings"]
    anna = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    bram = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    _login(anna, live_server.url, "anna@debrug.nl")
    _login(bram, live_server.url, "bram@debrug.nl")
    anna.goto(live_server.url + "/portaal/")  # Anna's page is loaded now, then Bram saves
    bram.goto(live_server.url + "/portaal/")
    bram.locator(f"[name='o{first}-free_places']").fill("4")
    submit_weekly(bram, re.compile("Alleen wijzigingen opslaan|Wijzigingen opslaan"))
    assert "1 gewijzigd" in bram.content()
    submit_weekly(anna)
    html = anna.content()
    assert "Bram Planner" in html and "niet opgeslagen" in html
    assert '<span class="conflict-value">4</span>' in html
    screenshot(anna, "integrity-conflict")
    axe_check(anna)
    bram.goto(live_server.url + "/portaal/")
    assert bram.locator(f"[name='o{first}-free_places']").input_value() == "4"  # Bram's value survived
    assert bram.locator(f"[name='o{second}-free_places']").input_value() == "1"
    anna.context.close()
    bram.context.close()
