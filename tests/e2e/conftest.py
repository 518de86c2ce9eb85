"""Browser tests: the app served on a free local port (its own SQLite database), driven by
Playwright in Debian's Chromium. Run with ``pytest -m e2e`` (``make test`` does).

Adding a page check:  ``def test_x(page, live_server): page.goto(live_server.url + "/pad"); axe_check(page)``
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

AXE_JS = (Path(__file__).parent / "axe.min.js").read_text(encoding="utf-8")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Correct-Paard-Nietje-42"


@dataclass
class LiveServer:
    url: str
    app: object
    users: dict = field(default_factory=dict)  # role -> e-mail
    ids: dict = field(default_factory=dict)


def _seed(app) -> tuple[dict, dict]:
    """Reference data plus a small, known world: two providers, one offering with history, accounts."""
    from wijzer.db import get_engine, metadata, session_scope
    from wijzer.schemas import CapacityInput, LocationInput, OfferingInput, ProviderInput
    from wijzer.services import accounts, availability, catalogue
    from wijzer.services.reference import load_reference_data

    with app.app_context():
        metadata.create_all(get_engine())
        with session_scope() as s:
            load_reference_data(s)
            pa = catalogue.save_provider(
                s,
                ProviderInput(
                    name="Logeerhuis De Linde", kvk="12345678", email="info@delinde.nl", phone="030-1234567"
                ),
            )
            pb = catalogue.save_provider(s, ProviderInput(name="Zorgboerderij Het Anker", kvk="87654321"))
            la = catalogue.save_location(
                s,
                pa,
                LocationInput(
                    name="De Linde Utrecht", postcode="3511AB", street="Lindelaan", house_number="4"
                ),
            )
            lb = catalogue.save_location(s, pb, LocationInput(name="Het Anker", postcode="3512"))
            oa = catalogue.save_offering(
                s,
                pa,
                la,
                OfferingInput(
                    offering_ref="LO-1",
                    care_type="logeeropvang",
                    tags=["vg", "ass"],
                    min_age=6,
                    max_age=18,
                    modalities=["weekend"],
                    funding=["zin"],
                ),
            )
            ob = catalogue.save_offering(
                s, pb, lb, OfferingInput(offering_ref="RZ-1", care_type="respijtzorg")
            )
            for off, places in ((oa, 2), (ob, 0)):
                availability.record_report(
                    s,
                    off,
                    CapacityInput(
                        free_places=places,
                        wait_intake=3,
                        wait_treatment=6,
                        intake_status="open" if places else "wachtlijst",
                    ),
                    kind="update",
                    source="portal",
                )
            users = {
                "admin": accounts.create_user(
                    s, email="admin@example.nl", password=PASSWORD, role="admin"
                ).email,
                "provider": accounts.create_user(
                    s, email="staf@delinde.nl", password=PASSWORD, role="provider", provider_id=pa.id
                ).email,
                "referrer": accounts.create_user(
                    s, email="poh@huisarts.nl", password=PASSWORD, role="referrer"
                ).email,
                "auditor": accounts.create_user(
                    s, email="regio@utrecht.nl", password=PASSWORD, role="auditor", region_code="JZ22"
                ).email,
            }
            ids = {"provider_a": pa.id, "provider_b": pb.id, "offering_a": oa.id, "offering_b": ob.id}
    return users, ids


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from wijzer import create_app

    db = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db}",
            "SECRET_KEY": "e2e-secret",
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://127.0.0.1",
        }
    )
    users, ids = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links are built from BASE_URL only
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, users=users, ids=ids)
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def login(page, live_server, role: str) -> None:
    page.goto(live_server.url + "/inloggen")
    page.get_by_label("E-mailadres").fill(live_server.users[role])
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_check(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (vendored, 4.14.1) on the page; fail on serious or critical violations."""
    page.evaluate(AXE_JS)  # evaluated through DevTools, so the page's strict CSP stays in force
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v.get("impact") in impacts]
    if bad:
        lines = [
            f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])}x): "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                for n in v["nodes"][:5]
            )
            for v in bad
        ]
        pytest.fail(f"axe-core violations on {page.url}:\n" + "\n".join(lines))
    return result["violations"]


def submit_weekly(page, button="Alles klopt nog") -> None:
    """Click a save button of the weekly update and confirm the summary it shows first (static/js/weekly.js)."""
    page.get_by_role("button", name=button).first.click()
    with page.expect_navigation():
        page.locator("#weekly-summary-ok").click()
