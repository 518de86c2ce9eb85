"""End to end in Chromium: every page type passes axe-core, and the main flows work as a user does them."""

import re

import pytest

from tests.e2e.conftest import axe_check, login, screenshot, submit_weekly

pytestmark = pytest.mark.e2e


def test_search_pages_accessible_and_keyboard_usable(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_label("Zorgsoort").select_option("logeeropvang")
    page.get_by_label("Postcode van het gezin").fill("3511")
    page.get_by_label("Postcode van het gezin").press("Enter")  # submit by keyboard
    page.wait_for_url(re.compile(r".*postcode=3511.*"))
    assert "1 resultaat" in page.get_by_role("heading", level=2).first.inner_text()
    axe_check(page)
    screenshot(page, "search-results")
    page.get_by_role("link", name=re.compile("Logeeropvang")).first.click()
    page.wait_for_load_state()
    assert "Logeerhuis De Linde" in page.content()
    axe_check(page)
    page.get_by_role("button", name=re.compile("Op mijn lijst zetten")).click()
    page.wait_for_url(re.compile(".*/aanbod/.*|.*/lijst"))
    page.goto(live_server.url + "/lijst")
    assert "Logeerhuis De Linde" in page.content()
    axe_check(page)
    share = page.locator("#share-url").input_value()
    page.goto(share)
    assert "Lijst met mogelijke plekken" in page.content()
    axe_check(page)
    bad = page.goto(live_server.url + "/?postcode=12")
    assert bad.status == 400 and page.get_by_text("geen geldige postcode").first.is_visible()
    axe_check(page)


def test_provider_weekly_update_shows_in_search(page, live_server, browser):
    login(page, live_server, "provider")
    oid = live_server.ids["offering_a"]
    page.locator(f"#o{oid}-free_places").fill("5")
    page.locator(f"#o{oid}-wait_intake").fill("1")
    submit_weekly(page)
    assert page.get_by_text("Opgeslagen: 1 gewijzigd, 0 bevestigd.").is_visible()
    axe_check(page)
    for path in (
        "/portaal/aanbod",
        "/portaal/aanbod/nieuw",
        f"/portaal/aanbod/{oid}",
        f"/portaal/aanbod/{oid}/historie",
        "/portaal/locaties",
        "/portaal/locaties/nieuw",
        "/portaal/profiel",
        "/portaal/upload",
        "/account",
    ):
        page.goto(live_server.url + path)
        axe_check(page)
    # invalid input: Dutch message next to the field, typed value kept
    page.goto(live_server.url + "/portaal/")
    page.locator(f"#o{oid}-wait_intake").fill("300")
    submit_weekly(page)
    assert page.locator(f"#o{oid}-wait_intake-error").inner_text().startswith("Een wachttijd")
    assert page.locator(f"#o{oid}-wait_intake").input_value() == "300"
    axe_check(page)
    # a referrer's search shows the new values
    other = browser.new_context(locale="nl-NL").new_page()
    other.goto(live_server.url + "/api/v1/search?care_type=logeeropvang&postcode=3511")
    body = other.evaluate("JSON.parse(document.body.innerText)")
    assert body["results"][0]["free_places"] == 5 and body["results"][0]["waiting_weeks_intake"] == 1
    other.context.close()


def test_admin_and_auditor_pages_accessible(page, live_server):
    login(page, live_server, "admin")
    for path in (
        "/portaal/beheer",
        "/portaal/beheer/gebruikers",
        "/portaal/beheer/aanbieders/nieuw",
        f"/portaal/beheer/aanbieders/{live_server.ids['provider_a']}",
        "/beheer/taken/",
        "/regio/landelijk",
        "/regio/JZ22",
        "/regio/JZ22/naleving",
    ):
        page.goto(live_server.url + path)
        axe_check(page)
    screenshot(page, "audit-compliance")


def test_auditor_sees_figures_change(page, live_server, browser):
    login(page, live_server, "auditor")
    page.goto(live_server.url + "/regio/JZ22")
    axe_check(page)
    screenshot(page, "audit-dashboard")
    row = page.locator("#figures tbody tr", has_text="Logeeropvang")
    before = row.locator("td").all_inner_texts()  # offerings, providers, free places, ...
    # a provider reports new free places through the API-equivalent portal flow
    provider = browser.new_context(locale="nl-NL").new_page()
    login(provider, live_server, "provider")
    oid = live_server.ids["offering_a"]
    provider.locator(f"#o{oid}-free_places").fill("7")
    submit_weekly(provider)
    provider.context.close()
    page.reload()
    after = page.locator("#figures tbody tr", has_text="Logeeropvang").locator("td").all_inner_texts()
    assert before[2] != "7" and after[2] == "7" and after[:2] == before[:2]


def test_reminder_link_confirms(page, live_server):
    from datetime import timedelta

    from sqlmodel import select

    from wijzer.db import session_scope
    from wijzer.jobs import run_job
    from wijzer.models import Reminder
    from wijzer.services.reminders import make_confirm_token
    from wijzer.timeutil import utcnow

    with live_server.app.app_context():
        run_job("reminders", now=utcnow() + timedelta(days=9))
        with session_scope() as s:
            reminder = s.exec(
                select(Reminder).where(Reminder.provider_id == live_server.ids["provider_b"])
            ).first()
            token = make_confirm_token(live_server.app.config, reminder)
    page.goto(live_server.url + f"/portaal/bevestigen/{token}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Zorgboerderij Het Anker")
    axe_check(page)
    page.get_by_role("button", name="Alles klopt nog").click()
    page.wait_for_load_state()
    assert "is bevestigd als actueel" in page.content()
    again = page.goto(live_server.url + f"/portaal/bevestigen/{token}")
    assert again.status == 410
    axe_check(page)
