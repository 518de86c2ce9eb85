"""Region audit pages in Chromium: axe-clean (dashboard with trends, compliance with trust signals, national
comparison, quarterly report — also in print media), no console errors, and the printed report as a
screenshot and an A4 PDF (test-artifacts/audit-report-print.png, audit-report.pdf)."""

from datetime import date, timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS, axe_check, login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def history(live_server):
    """Four weeks of back-dated reports on Het Anker (older than its current report: the state stays)."""
    from wijzer.db import session_scope
    from wijzer.models import Offering
    from wijzer.schemas import CapacityInput
    from wijzer.services import availability
    from wijzer.timeutil import utcnow

    with live_server.app.app_context(), session_scope() as s:
        off = s.get(Offering, live_server.ids["offering_b"])
        for weeks, free, wait in ((4, 1, 2), (3, 0, 4), (2, 1, 5), (1, 0, 6)):
            availability.record_report(
                s,
                off,
                CapacityInput(
                    free_places=free,
                    total_places=4,
                    wait_intake=wait,
                    wait_treatment=wait + 2,
                    intake_status="wachtlijst",
                ),
                kind="update",
                source="portal",
                reported_at=utcnow() - timedelta(weeks=weeks, days=1),
            )
    return live_server


@pytest.mark.parametrize(
    "path",
    [
        "/regio/JZ22",
        "/regio/JZ22/naleving?sorteer=on_time",
        "/regio/landelijk",
        "/regio/JZ22/rapport",
        "/regio/JZ22?basis=contract",
    ],
)
def test_audit_pages_pass_axe(page, history, path):
    login(page, history, "auditor")
    page.goto(history.url + path)
    assert page.get_attribute("html", "lang") == "nl"
    axe_check(page)
    assert page.console_errors == []


def test_dashboard_period_choice_and_chart(page, history):
    login(page, history, "auditor")
    page.goto(history.url + "/regio/JZ22")
    page.locator("#van").fill((date.today() - timedelta(weeks=5)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Toon").click()
    assert "van=" in page.url
    assert page.locator("#trend-table-respijtzorg tbody tr").count() == 6
    assert page.locator("canvas.trend-chart").count() >= 1
    with page.expect_navigation():
        page.locator("p.small.no-print a").first.click()  # this quarter
    assert "tot=" in page.url and page.locator("p.small.no-print a[aria-current]").count() == 1
    axe_check(page)
    assert screenshot(page, "audit-dashboard").stat().st_size > 20_000


def test_printed_quarterly_report(page, history):
    login(page, history, "auditor")
    page.goto(history.url + "/regio/JZ22/rapport")
    page.emulate_media(media="print")
    assert not page.locator("form.audit-controls").is_visible()  # controls are not printed
    assert not page.locator(".site-header").is_visible()
    assert page.get_by_role("heading", name="5. Definities").is_visible()
    axe_check(page)
    shot = screenshot(page, "audit-report-print")
    assert shot.stat().st_size > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "audit-report.pdf"), prefer_css_page_size=True)
    assert (
        pdf[:4] == b"%PDF"
        and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 1
    )
    assert page.console_errors == []
