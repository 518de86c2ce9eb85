"""The vocabulary admin page in a real browser: accessible (axe), an error shown next to its field, and a new
target group that the search page offers right away."""

import pytest

from tests.e2e.conftest import axe_check, login

pytestmark = pytest.mark.e2e


def test_admin_adds_a_target_group_the_search_page_offers(page, live_server):
    from wijzer.services import vocabulary

    login(page, live_server, "admin")
    page.goto(live_server.url + "/beheer/vocabulaires/")
    axe_check(page)
    page.get_by_label("Lijst").select_option("doelgroep")
    page.get_by_label("Code").fill("x")
    page.get_by_label("Omschrijving").fill("Eetstoornis")
    page.get_by_role("button", name="Toevoegen").click()
    assert page.get_by_text("2 tot 30 kleine letters").first.is_visible()
    axe_check(page)
    try:
        page.get_by_label("Code").fill("eetstoornis")
        page.get_by_role("button", name="Toevoegen").click()
        assert page.get_by_text("is toegevoegd aan Doelgroepen").is_visible()
        assert page.get_by_role("cell", name="eetstoornis", exact=True).is_visible()
        page.goto(live_server.url + "/")
        assert page.get_by_label("Eetstoornis").count() == 1
    finally:
        vocabulary.apply(vocabulary.BUILT_IN)  # the live server runs in this process
