import pytest

from tests.e2e.conftest import axe_check, login, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/", "/inloggen", "/bestaat-niet", "/wachtwoord-vergeten", "/lijst"])
def test_public_pages_pass_axe(page, live_server, path):
    page.goto(live_server.url + path)
    assert page.get_attribute("html", "lang") == "nl"
    axe_check(page)
    expected = 1 if path == "/bestaat-niet" else 0  # the 404 of the page itself
    assert len(page.console_errors) == expected, page.console_errors


def test_login_by_keyboard_only(page, live_server):
    page.goto(live_server.url + "/inloggen")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.textContent").strip() == "Direct naar de inhoud"
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type(live_server.users["referrer"])
    page.keyboard.press("Tab")
    page.keyboard.type("Correct-Paard-Nietje-42")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Uitloggen").is_visible()


def test_wrong_password_message_visible(page, live_server):
    page.goto(live_server.url + "/inloggen")
    page.get_by_label("E-mailadres").fill("poh@huisarts.nl")
    page.get_by_label("Wachtwoord").fill("verkeerd")
    page.get_by_role("button", name="Inloggen").click()
    assert page.get_by_text("E-mailadres of wachtwoord klopt niet.").is_visible()
    axe_check(page)


def test_provider_portal_screenshot(page, live_server):
    login(page, live_server, "provider")
    assert page.url.endswith("/portaal/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Logeerhuis De Linde")
    axe_check(page)
    shot = screenshot(page, "portal-weekly")
    assert shot.stat().st_size > 10_000


def test_account_page_token_creation(page, live_server):
    login(page, live_server, "referrer")
    page.goto(live_server.url + "/account")
    page.get_by_role("button", name="Nieuwe sleutel maken").click()
    assert page.locator("#new-token").inner_text().startswith("wz_")
    axe_check(page)


def test_upload_problems_on_a_phone_scroll_by_keyboard(page, live_server):
    """A rejected file at 390 px: the table of problems is wider than the screen, so its scroll area must be
    reachable by keyboard (axe: scrollable-region-focusable) and named by the table's caption."""
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "provider")
    page.goto(live_server.url + "/portaal/upload")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "fout.csv",
                "mimeType": "text/csv",
                "buffer": b"kvk,offering_ref,free_places\n123,X,-4\n",
            }
        ],
    )
    page.locator("form.utrecht-form button[type=submit]").click()
    wrap = page.get_by_role("region", name="Problemen in het bestand")
    assert wrap.get_attribute("tabindex") == "0"
    axe_check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "upload-problems-390")
