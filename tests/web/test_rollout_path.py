"""Issue 12, must hold: the whole path from "a region decides to use the wijzer" to providers working
in it, through the web pages only (the browser version is tests/e2e/test_rollout_browser.py):

admin sets up a region with a contact -> invites a regiobeheerder -> who invites a referrer and uploads a
provider list with Dutch headers and staff e-mails -> staff accept their invitations and update -> an
offering left for 21 days escalates to the region's contact.
"""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import time_machine
from sqlmodel import select

from wijzer.models import Invitation, JobRun, Offering, OutboxMail, User
from wijzer.timeutil import utcnow

PASSWORD = "Correct-Paard-Nietje-42"
DUTCH_LIST = (
    "Aanbieder;KvK;Telefoon;E-mail;Locatie;Straat;Huisnummer;Postcode;Plaats;Aanbodcode;Zorgsoort;Doelgroepen;"
    "Minimumleeftijd;Maximumleeftijd;Vormen;Financiering;Regio's;Omschrijving;Medewerkers\n"
    "Logeerhuis De Linde;12345678;030-1234567;info@linde.nl;De Linde;Lindelaan;4;3511AB;Utrecht;LIN-1;logeeropvang;"
    "ass|lvb;6;18;weekend|vakantie;zin;JZ22;Logeren in het weekend;planner@linde.nl|collega@linde.nl\n"
    "Logeerhuis De Linde;12345678;030-1234567;info@linde.nl;De Linde;Lindelaan;4;3511AB;Utrecht;LIN-2;respijtzorg;"
    ";0;18;dag;zin;JZ22;Respijt overdag;\n"
)


class _Inputs(HTMLParser):
    """The name/value pairs of the form that holds the 'Alles klopt nog' button."""

    def __init__(self):
        super().__init__()
        self.forms, self._current, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append(self._current)
        elif (
            tag in ("input", "select")
            and self._current is not None
            and a.get("name")
            and a.get("type") not in ("submit", "checkbox")
        ):
            self._current[a["name"]] = a.get("value") or ""
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._current is not None and self._select and "selected" in a:
            self._current[self._select] = a.get("value") or ""
        elif tag == "button" and self._current is not None and a.get("value") == "confirm_all":
            self._current["__weekly__"] = "1"


def _weekly_form(html: str) -> dict:
    parser = _Inputs()
    parser.feed(html)
    form = next(f for f in parser.forms if "__weekly__" in f)
    form.pop("__weekly__")
    return form


def _last_mail_to(session, email: str) -> OutboxMail:
    session.expire_all()
    return session.exec(
        select(OutboxMail).where(OutboxMail.to == email).order_by(OutboxMail.id.desc())
    ).first()


def _accept(app, session, email: str, name: str):
    mail = _last_mail_to(session, email)
    assert mail is not None, f"no mail to {email}"
    link = re.search(r"http://localhost(/uitnodiging/\S+)", mail.body).group(1)
    browser = app.test_client()
    assert browser.get(link).status_code == 200
    assert browser.post(link, data={"name": name, "password": PASSWORD}).status_code == 302
    return browser


def test_region_onboards_itself_end_to_end(app, session, make_user, tmp_path):
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path)
    admin = make_user("admin", email="beheer@wijzer.nl")
    admin_client = app.test_client()
    assert (
        admin_client.post("/inloggen", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    )

    # 1. the admin sets up the region with a contact address
    saved = admin_client.post(
        "/regio/JZ22/instellingen",
        data={
            "contact_emails": "contractmanager@regio-utrecht.nl",
            "fresh_days": "",
            "stale_days": "",
            "norm_intake_weeks": "",
            "norm_treatment_weeks": "",
            "travel_km": "",
            "referrer_domains": "",
        },
    )
    assert saved.status_code == 302

    # 2. ... and invites a regiobeheerder, who accepts
    invited = admin_client.post(
        "/beheer/gebruikers/uitnodigen",
        data={"email": "regiobeheer@regio-utrecht.nl", "role": "region_admin", "region": "JZ22"},
    )
    assert invited.status_code == 302
    region_admin = _accept(app, session, "regiobeheer@regio-utrecht.nl", "Regiobeheerder")
    assert "Utrecht" in region_admin.get("/regio/JZ22").get_data(as_text=True)

    # 3. the regiobeheerder invites a referrer, who accepts
    assert (
        region_admin.post(
            "/beheer/gebruikers/uitnodigen",
            data={"email": "wijkteam@utrecht.nl", "role": "referrer", "region": "JZ22"},
        ).status_code
        == 302
    )
    _accept(app, session, "wijkteam@utrecht.nl", "Wijkteam")
    referrer = session.exec(select(User).where(User.email == "wijkteam@utrecht.nl")).one()
    assert (referrer.role, referrer.region_code) == ("referrer", "JZ22")

    # 4. ... and uploads the provider list with Dutch headers and staff e-mails: preview, then import
    preview = region_admin.post(
        "/portaal/beheer/importeren",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(DUTCH_LIST.encode()), "aanbieders.csv")},
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert (
        'data-kind="offering" data-status="new">2<' in html
        and 'data-kind="invitation" data-status="new">2<' in html
    )
    fields = {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("file_hash", "fingerprint", "filename")
    }
    assert region_admin.post("/portaal/beheer/importeren/toepassen", data=fields).status_code == 302
    invitations = {
        i.email: i for i in session.exec(select(Invitation).where(Invitation.role == "provider")).all()
    }
    assert (
        invitations["planner@linde.nl"].provider_admin and not invitations["collega@linde.nl"].provider_admin
    )

    # 5. staff accept their invitations; the planner updates one offering, invites nobody twice
    planner = _accept(app, session, "planner@linde.nl", "Planner")
    _accept(app, session, "collega@linde.nl", "Collega")
    weekly = planner.get("/portaal/")
    assert weekly.status_code == 200 and "LIN-1" in weekly.get_data(as_text=True)
    lin1 = session.exec(select(Offering).where(Offering.offering_ref == "LIN-1")).one()
    lin2 = session.exec(select(Offering).where(Offering.offering_ref == "LIN-2")).one()
    form = _weekly_form(weekly.get_data(as_text=True))
    form.update(
        {
            f"o{lin1.id}-free_places": "2",
            f"o{lin1.id}-wait_intake": "3",
            f"o{lin1.id}-intake_status": "open",
            "action": "save",
        }
    )
    assert planner.post("/portaal/", data=form).status_code == 302
    session.expire_all()
    assert session.get(Offering, lin1.id).cur_free_places == 2
    assert session.get(Offering, lin2.id).last_confirmed_at is None  # LIN-2 is left alone
    colleagues = planner.get("/beheer/gebruikers").get_data(as_text=True)
    assert "collega@linde.nl" in colleagues  # the planner is the provider's admin

    # 6. an offering left for 21 days escalates to the region's contact
    from wijzer.jobs import run_job

    with time_machine.travel(utcnow() + timedelta(days=22), tick=False):
        # the planner keeps LIN-1 current with one click; LIN-2 has never been reported
        confirm = _weekly_form(planner.get("/portaal/").get_data(as_text=True)) | {"action": "confirm_all"}
        assert planner.post("/portaal/", data=confirm).status_code == 302
        with app.app_context():
            run = run_job("reminders")
    assert run.status == "ok", run.detail
    session.expire_all()
    escalations = session.exec(select(OutboxMail).where(OutboxMail.kind == "reminder:escalation")).all()
    assert [m.to for m in escalations] == ["contractmanager@regio-utrecht.nl"]
    assert "LIN-2" in escalations[0].body and "LIN-1" not in escalations[0].body
    assert "De Linde" in escalations[0].body
    assert session.exec(select(JobRun.status).where(JobRun.job == "reminders")).all() == ["ok"]
