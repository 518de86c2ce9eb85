"""Issue 12 in Chromium: the whole rollout path as people click it, with screenshots in test-artifacts/
(rollout-*.png) and axe-core on every new page. Runs against its own server and database, so the
other browser tests' world is not touched."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from werkzeug.serving import make_server

from tests.e2e.conftest import PASSWORD, axe_check, screenshot, submit_weekly
from tests.web.test_rollout_path import DUTCH_LIST

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rollout_server(tmp_path_factory):
    from wijzer import create_app
    from wijzer.db import get_engine, metadata, session_scope
    from wijzer.services import accounts
    from wijzer.services.reference import load_reference_data

    folder = tmp_path_factory.mktemp("rollout")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'rollout.db'}",
            "SECRET_KEY": "e2e-rollout",
            "RATELIMIT_ENABLED": False,
            "IMPORT_STAGING_DIR": str(folder / "imports"),
        }
    )
    with app.app_context():
        metadata.create_all(get_engine())
        with session_scope() as s:
            load_reference_data(s)
            accounts.create_user(s, email="beheer@wijzer.nl", password=PASSWORD, role="admin", name="Beheer")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, app.config["BASE_URL"]
    server.shutdown()


def _link_for(app, email: str) -> str:
    from sqlmodel import select

    from wijzer.db import new_session
    from wijzer.models import OutboxMail

    with app.app_context():
        s = new_session()
        mail = s.exec(select(OutboxMail).where(OutboxMail.to == email).order_by(OutboxMail.id.desc())).first()
        s.close()
    assert mail is not None, f"no mail to {email}"
    return re.search(r"(http://127\.0\.0\.1:\d+/uitnodiging/\S+)", mail.body).group(1)


def _login(page, url: str, email: str) -> None:
    page.goto(url + "/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()


def _accept(browser, app, email: str, name: str, shot: str | None = None):
    page = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(_link_for(app, email))
    axe_check(page)
    page.get_by_label("Uw naam").fill(name)
    page.get_by_label(re.compile("Kies een wachtwoord")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Account aanmaken").click()
    assert "Welkom! Uw account is aangemaakt." in page.content()
    if shot:
        screenshot(page, shot)
    return page


def _invite(page, url: str, email: str, role_label: str) -> None:
    page.goto(url + "/beheer/gebruikers/uitnodigen")
    axe_check(page)
    page.get_by_label("Werk-e-mailadres").fill(email)
    page.get_by_label("Rol").select_option(label=role_label)
    page.get_by_label("Jeugdregio").select_option("JZ22")
    with page.expect_navigation():
        page.get_by_role("button", name="Uitnodiging versturen").click()
    assert f"Uitnodiging verstuurd naar {email}" in page.content()


def test_rollout_in_the_browser(browser, rollout_server, tmp_path):
    app, url = rollout_server
    admin = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    _login(admin, url, "beheer@wijzer.nl")

    # the admin sets up the region with a contact address (a Dutch message first for a bad value)
    admin.goto(url + "/regio/JZ22/instellingen")
    axe_check(admin)
    admin.get_by_label(re.compile("Contactadressen")).fill("contractmanager@regio-utrecht.nl")
    admin.get_by_label(re.compile("Verouderd na")).fill("3")
    admin.get_by_role("button", name="Opslaan").click()
    admin.wait_for_load_state()
    assert "moet groter zijn dan" in admin.content()
    axe_check(admin)
    screenshot(admin, "rollout-1-region-settings-error")
    admin.get_by_label(re.compile("Verouderd na")).fill("")
    admin.get_by_role("button", name="Opslaan").click()
    admin.wait_for_load_state()
    assert "De instellingen zijn opgeslagen." in admin.content()
    screenshot(admin, "rollout-2-region-settings-saved")

    # ... and invites a regiobeheerder, who accepts
    _invite(admin, url, "regiobeheer@regio-utrecht.nl", "Regiobeheerder")
    axe_check(admin)
    screenshot(admin, "rollout-3-users-admin")
    region_admin = _accept(browser, app, "regiobeheer@regio-utrecht.nl", "Regiobeheerder")

    # the regiobeheerder invites a referrer, who accepts
    _invite(region_admin, url, "wijkteam@utrecht.nl", "Verwijzer")
    _accept(browser, app, "wijkteam@utrecht.nl", "Wijkteam")

    # ... and uploads the provider list with Dutch headers and staff e-mails: preview, then "Importeren"
    upload = tmp_path / "aanbieders-regio-utrecht.csv"
    upload.write_text(DUTCH_LIST, encoding="utf-8")
    region_admin.goto(url + "/portaal/beheer/importeren")
    axe_check(region_admin)
    region_admin.get_by_label("Bestand").set_input_files(str(upload))
    region_admin.get_by_role("button", name="Controleren").click()
    region_admin.get_by_role("button", name="Importeren").wait_for()
    assert region_admin.locator('[data-kind="offering"][data-status="new"]').inner_text() == "2"
    assert region_admin.locator('[data-kind="invitation"][data-status="new"]').inner_text() == "2"
    axe_check(region_admin)
    screenshot(region_admin, "rollout-4-import-preview")
    with region_admin.expect_navigation():
        region_admin.get_by_role("button", name="Importeren").click()
    assert "Geïmporteerd" in region_admin.content() and "2 uitnodigingen" in region_admin.content()
    axe_check(region_admin)
    screenshot(region_admin, "rollout-5-users-region-admin")

    # staff accept their invitations; the planner (provider admin) updates LIN-1
    planner = _accept(browser, app, "planner@linde.nl", "Planner", shot="rollout-6-staff-weekly")
    _accept(browser, app, "collega@linde.nl", "Collega")
    planner.goto(url + "/portaal/")
    row = planner.locator("tr.weekly-row", has_text="LIN-1")
    row.get_by_label(re.compile("Vrije plekken")).fill("2")
    row.get_by_label(re.compile("Intakestatus")).select_option("open")
    submit_weekly(planner, "Wijzigingen opslaan")
    assert "Opgeslagen: 1 gewijzigd" in planner.content()
    planner.goto(url + "/beheer/gebruikers")
    assert "collega@linde.nl" in planner.content()
    axe_check(planner)
    screenshot(planner, "rollout-7-colleagues")

    # 22 days later: LIN-1 is confirmed with one click, LIN-2 was left alone and escalates to the region
    from sqlmodel import select

    from wijzer.db import new_session
    from wijzer.jobs import run_job
    from wijzer.models import OutboxMail
    from wijzer.timeutil import utcnow

    with time_machine.travel(utcnow() + timedelta(days=22), tick=True):
        planner.goto(url + "/portaal/")
        submit_weekly(planner)  # the weekly page shows its summary first
        with app.app_context():
            run = run_job("reminders")
    assert run.status == "ok", run.detail
    with app.app_context():
        s = new_session()
        escalations = s.exec(select(OutboxMail).where(OutboxMail.kind == "reminder:escalation")).all()
        s.close()
    assert [m.to for m in escalations] == ["contractmanager@regio-utrecht.nl"]
    assert "LIN-2" in escalations[0].body and "LIN-1" not in escalations[0].body
    admin.goto(url + "/beheer/taken/")
    assert "Gelukt" in admin.content()
    screenshot(admin, "rollout-8-jobs")
    admin.goto(url + "/beheer/auditlog?entity=region_settings")
    assert "contractmanager@regio-utrecht.nl" in admin.content()
    axe_check(admin)
    screenshot(admin, "rollout-9-audit-log")
