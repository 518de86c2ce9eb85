"""Issue 12: a region onboards itself — region settings, invitations per scope, users page, audit log,
self-registration, providers in bulk with a preview, the capacity file for provider staff."""

import csv
import io
import re

import pytest
from sqlmodel import select

from wijzer.models import ApiToken, AuditLog, Invitation, Jeugdregio, Offering, OutboxMail, Provider, User
from wijzer.services import accounts, onboarding
from wijzer.services.catalogue import RuleError

PASSWORD = "Correct-Paard-Nietje-42"
HEADER = (
    "provider_name,kvk,agb,website,phone,email,location_name,street,house_number,postcode,city,offering_ref,"
    "care_type,tags,min_age,max_age,modalities,funding,regions,category,description,staff_emails"
)


def _file(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


ROW_A1 = (
    "Zorg Utrecht,11111111,,,,info@zu.nl,Huis Utrecht,Straat,1,3511AB,Utrecht,ZU-1,logeeropvang,ass,4,18,"
    "weekend,zin,JZ22,,Logeren,staf1@zu.nl|staf2@zu.nl"
)
ROW_A2 = (
    "Zorg Utrecht,11111111,,,,info@zu.nl,Huis Utrecht,Straat,1,3511AB,Utrecht,ZU-2,respijtzorg,,0,18,"
    "dag,zin,JZ22,,Respijt,staf1@zu.nl"
)
ROW_AMS = (
    "Zorg Amsterdam,22222222,,,,info@za.nl,Huis Amsterdam,Straat,2,1012AB,Amsterdam,ZA-1,logeeropvang,,0,18,"
    "weekend,zin,,,Logeren,"
)


def _mails(session, kind=None):
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    session.expire_all()
    return session.exec(stmt).all()


def _link(mail) -> str:
    found = re.search(r"http://localhost(/uitnodiging/\S+)", mail.body)
    assert found, mail.body
    return found.group(1)


@pytest.fixture
def region_admin(make_user):
    return make_user("region_admin", email="beheer@regio-utrecht.nl", region_code="JZ22")


# ---------------------------------------------------------------- region settings
def test_region_settings_page_saves_validates_in_dutch_and_audits(client, session, login, region_admin):
    login(region_admin)
    page = client.get("/regio/JZ22/instellingen")
    assert page.status_code == 200 and "nog geen contactadres" in page.get_data(as_text=True)
    bad = client.post(
        "/regio/JZ22/instellingen",
        data={
            "contact_emails": "geen-adres",
            "fresh_days": "10",
            "stale_days": "9",
            "norm_intake_weeks": "53",
            "norm_treatment_weeks": "x",
            "travel_km": "0",
            "referrer_domains": "niet een domein",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    for message in (
        "Geen geldig e-mailadres: geen-adres",
        "moet groter zijn dan",
        "Kies een waarde van 1 tot en met 52 weken",
        "Vul een heel getal in",
        "Kies een waarde van 1 tot en met 250 km",
        "Geen geldig domein",
    ):
        assert message in html, message
    session.expire_all()
    assert session.get(Jeugdregio, "JZ22").contact_email is None  # nothing saved
    ok = client.post(
        "/regio/JZ22/instellingen",
        data={
            "contact_emails": "contract@regio-utrecht.nl\nInkoop@Regio-Utrecht.nl",
            "fresh_days": "5",
            "stale_days": "10",
            "norm_intake_weeks": "6",
            "norm_treatment_weeks": "",
            "travel_km": "30",
            "referrer_domains": "utrecht.nl",
        },
    )
    assert ok.status_code == 302
    session.expire_all()
    region = session.get(Jeugdregio, "JZ22")
    assert region.contact_list == ["contract@regio-utrecht.nl", "inkoop@regio-utrecht.nl"]
    assert (
        region.fresh_days,
        region.stale_days,
        region.norm_intake_weeks,
        region.norm_treatment_weeks,
        region.travel_km,
    ) == (5, 10, 6, None, 30.0)
    assert region.referrer_domain_list == ["utrecht.nl"]
    entry = session.exec(select(AuditLog).where(AuditLog.entity == "region_settings")).one()
    assert (
        entry.entity_id == "JZ22"
        and entry.actor == "beheer@regio-utrecht.nl"
        and "inkoop@regio-utrecht.nl" in entry.detail
    )
    assert client.get("/regio/JZ13/instellingen").status_code == 403  # another region


def test_cli_regions_show_and_set_replace_lists(runner, session):
    first = runner.invoke(
        args=[
            "regions",
            "set",
            "jz22",
            "--contact-email",
            "a@regio.nl",
            "--contact-email",
            "b@regio.nl",
            "--referrer-domain",
            "utrecht.nl",
            "--fresh-days",
            "5",
        ]
    )
    assert first.exit_code == 0, first.output
    assert "a@regio.nl, b@regio.nl" in first.output and "(standaard)" in first.output
    second = runner.invoke(args=["regions", "set", "JZ22", "--contact-email", "c@regio.nl"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    region = session.get(Jeugdregio, "JZ22")
    assert region.contact_list == ["c@regio.nl"] and region.referrer_domain_list == ["utrecht.nl"]
    assert region.fresh_days == 5
    bad = runner.invoke(args=["regions", "set", "JZ22", "--stale-days", "3"])
    assert bad.exit_code != 0 and "moet groter zijn dan" in bad.output
    reset = runner.invoke(args=["regions", "set", "JZ22", "--fresh-days", ""])
    assert reset.exit_code == 0
    session.expire_all()
    assert session.get(Jeugdregio, "JZ22").fresh_days is None
    shown = runner.invoke(args=["regions", "show", "JZ22"])
    assert shown.exit_code == 0 and "c@regio.nl" in shown.output and "fresh_days" in shown.output
    overview = runner.invoke(args=["regions", "show"])
    assert "JZ22" in overview.output and "GEEN CONTACTADRES" in overview.output
    assert runner.invoke(args=["regions", "show", "JZ99"]).exit_code != 0


# ---------------------------------------------------------------- invitations and scopes
def test_invitation_scopes(
    app, session, make_provider, make_location, make_offering, make_user, region_admin
):
    inside, outside = make_provider(name="Binnen"), make_provider(name="Buiten")
    make_offering(inside, make_location(inside, postcode="3511"))
    make_offering(outside, make_location(outside, postcode="1012"))
    contracted = make_provider(name="Contract")
    make_offering(contracted, make_location(contracted, postcode="1012"), contract_regions=["JZ22"])
    cfg = app.config
    with app.app_context():
        onboarding.invite(session, region_admin, email="v@utrecht.nl", role="referrer", config=cfg)
        onboarding.invite(session, region_admin, email="a@utrecht.nl", role="auditor", config=cfg)
        onboarding.invite(session, region_admin, email="r@utrecht.nl", role="region_admin", config=cfg)
        onboarding.invite(
            session, region_admin, email="s@binnen.nl", role="provider", provider_id=inside.id, config=cfg
        )
        onboarding.invite(
            session,
            region_admin,
            email="s@contract.nl",
            role="provider",
            provider_id=contracted.id,
            config=cfg,
        )
        for kwargs in (
            {"role": "provider", "provider_id": outside.id},
            {"role": "referrer", "region_code": "JZ13"},
            {"role": "admin"},
        ):
            with pytest.raises(onboarding.NotAllowed):
                onboarding.invite(session, region_admin, email="x@elders.nl", config=cfg, **kwargs)
        staff_admin = make_user("provider", email="baas@binnen.nl", provider=inside)
        staff_admin.provider_admin = True
        plain_staff = make_user("provider", email="gewoon@binnen.nl", provider=inside)
        onboarding.invite(session, staff_admin, email="collega@binnen.nl", role="provider", config=cfg)
        with pytest.raises(onboarding.NotAllowed):
            onboarding.invite(
                session, staff_admin, email="x@buiten.nl", role="provider", provider_id=outside.id, config=cfg
            )
        with pytest.raises(onboarding.NotAllowed):
            onboarding.invite(session, plain_staff, email="y@binnen.nl", role="provider", config=cfg)
        with pytest.raises(RuleError, match="openstaande uitnodiging"):
            onboarding.invite(
                session, None, email="v@utrecht.nl", role="referrer", region_code="JZ22", config=cfg
            )
        session.commit()
    invites = {i.email: i for i in session.exec(select(Invitation)).all()}
    assert (
        invites["v@utrecht.nl"].region_code == "JZ22"
        and invites["collega@binnen.nl"].provider_id == inside.id
    )
    assert len(_mails(session, "invitation")) == 6
    assert all("http://localhost/uitnodiging/" in m.body for m in _mails(session, "invitation"))


def test_cli_disable_and_enable(runner, session, make_user):
    user = make_user("referrer", email="weg@gemeente.nl")
    assert (
        runner.invoke(args=["users", "disable", "--email", "WEG@gemeente.nl"]).output.strip()
        == "weg@gemeente.nl is geblokkeerd."
    )
    session.expire_all()
    assert session.get(User, user.id).active is False
    assert (
        "was al geblokkeerd" in runner.invoke(args=["users", "disable", "--email", "weg@gemeente.nl"]).output
    )
    assert runner.invoke(args=["users", "enable", "--email", "weg@gemeente.nl"]).exit_code == 0
    session.expire_all()
    assert session.get(User, user.id).active is True
    assert runner.invoke(args=["users", "enable", "--email", "niemand@x.nl"]).exit_code != 0


def test_cli_invite_sends_the_mail_with_a_base_url_link(app, runner, session, make_provider):
    provider = make_provider(name="Zorg CLI", kvk="33333333")
    app.config["BASE_URL"] = "https://wijzer.example.nl"
    result = runner.invoke(
        args=[
            "users",
            "invite",
            "--email",
            "Staf@Zorg.nl",
            "--role",
            "provider",
            "--provider",
            "33333333",
            "--provider-admin",
        ]
    )
    assert result.exit_code == 0, result.output
    inv = session.exec(select(Invitation)).one()
    assert inv.provider_id == provider.id and inv.provider_admin and inv.email == "staf@zorg.nl"
    mail = _mails(session, "invitation")[0]
    assert "https://wijzer.example.nl/uitnodiging/" in mail.body and "collega's uit te nodigen" in mail.body
    bad = runner.invoke(args=["users", "invite", "--email", "x@y.nl", "--role", "auditor"])
    assert bad.exit_code != 0 and "Kies de jeugdregio" in bad.output


def test_invite_page_ignores_the_request_host_for_links(app, session, make_user):
    admin = make_user("admin")
    client = app.test_client()
    client.post(
        "/inloggen", base_url="http://aanvaller.example", data={"email": admin.email, "password": PASSWORD}
    )
    response = client.post(
        "/beheer/gebruikers/uitnodigen",
        base_url="http://aanvaller.example",
        data={"email": "v@gemeente.nl", "role": "referrer", "region": "JZ22"},
    )
    assert response.status_code == 302
    body = _mails(session, "invitation")[0].body
    assert "http://localhost/uitnodiging/" in body and "aanvaller" not in body


# ---------------------------------------------------------------- users page
def test_users_page_disable_enable_resend_and_role_change(
    app, client, session, login, make_user, make_provider, make_location, make_offering, region_admin
):
    provider = make_provider(name="Binnen")
    make_offering(provider, make_location(provider, postcode="3511"))
    staff = make_user("provider", email="staf@binnen.nl", provider=provider)
    elsewhere = make_user("referrer", email="ver@elders.nl", region_code="JZ13")
    _, token = accounts.create_api_token(session, staff, "koppeling")
    session.commit()
    staff_client = app.test_client()
    staff_client.post("/inloggen", data={"email": staff.email, "password": PASSWORD})
    assert staff_client.get("/portaal/").status_code == 200

    login(region_admin)
    listing = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "staf@binnen.nl" in listing and "ver@elders.nl" not in listing
    assert "Actief" in listing and "Laatst ingelogd" in listing
    assert client.post(f"/beheer/gebruikers/{elsewhere.id}/blokkeren").status_code == 404
    assert client.post(f"/beheer/gebruikers/{staff.id}/blokkeren").status_code == 302
    assert staff_client.get("/portaal/").status_code == 302  # session ended
    assert app.test_client().get("/portaal/", headers={"Authorization": f"Bearer {token}"}).status_code in (
        302,
        401,
    )
    assert (
        app.test_client().post("/inloggen", data={"email": staff.email, "password": PASSWORD}).status_code
        == 401
    )
    assert "Geblokkeerd" in client.get("/beheer/gebruikers?status=geblokkeerd").get_data(as_text=True)
    assert client.post(f"/beheer/gebruikers/{staff.id}/deblokkeren").status_code == 302
    assert (
        app.test_client().post("/inloggen", data={"email": staff.email, "password": PASSWORD}).status_code
        == 302
    )
    assert session.exec(select(ApiToken)).one().revoked_at is None
    # only an admin changes roles
    assert client.post(f"/beheer/gebruikers/{staff.id}", data={"role": "admin"}).status_code == 403

    # resend: a new link, the old one stops working
    client.post(
        "/beheer/gebruikers/uitnodigen",
        data={"email": "nieuw@binnen.nl", "role": "provider", "provider_kvk": provider.kvk},
    )
    first_link = _link(_mails(session, "invitation")[-1])
    inv = session.exec(select(Invitation).where(Invitation.email == "nieuw@binnen.nl")).one()
    assert client.post(f"/beheer/uitnodigingen/{inv.id}/opnieuw").status_code == 302
    second_link = _link(_mails(session, "invitation")[-1])
    assert first_link != second_link
    assert app.test_client().get(first_link).status_code == 404
    assert app.test_client().get(second_link).status_code == 200

    admin = make_user("admin")
    admin_client = app.test_client()
    admin_client.post("/inloggen", data={"email": admin.email, "password": PASSWORD})
    changed = admin_client.post(
        f"/beheer/gebruikers/{staff.id}", data={"role": "region_admin", "region": "JZ22"}
    )
    assert changed.status_code == 302
    session.expire_all()
    staff = session.get(User, staff.id)
    assert (staff.role, staff.region_code, staff.provider_id) == ("region_admin", "JZ22", None)
    missing_region = admin_client.post(
        f"/beheer/gebruikers/{staff.id}", data={"role": "auditor", "region": ""}
    )
    assert missing_region.status_code == 400 and "Kies een bestaande jeugdregio" in missing_region.get_data(
        as_text=True
    )


def test_provider_admin_invites_and_removes_colleagues(app, client, session, login, make_user, make_provider):
    provider, other = make_provider(name="Eigen"), make_provider(name="Ander")
    boss = make_user("provider", email="baas@eigen.nl", provider=provider)
    boss.provider_admin = True
    session.add(boss)
    session.commit()
    colleague = make_user("provider", email="collega@eigen.nl", provider=provider)
    stranger = make_user("provider", email="vreemd@ander.nl", provider=other)
    login(boss)
    page = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "collega@eigen.nl" in page and "vreemd@ander.nl" not in page
    assert client.post("/beheer/gebruikers/uitnodigen", data={"email": "nieuw@eigen.nl"}).status_code == 302
    assert session.exec(select(Invitation)).one().provider_id == provider.id
    assert client.post(f"/beheer/gebruikers/{stranger.id}/blokkeren").status_code == 404
    assert client.post(f"/beheer/gebruikers/{colleague.id}/blokkeren").status_code == 302
    session.expire_all()
    assert session.get(User, colleague.id).active is False
    plain = app.test_client()
    plain.post("/inloggen", data={"email": "vreemd@ander.nl", "password": PASSWORD})
    assert plain.get("/beheer/gebruikers").status_code == 403  # staff without the flag


# ---------------------------------------------------------------- audit log
def test_audit_log_scope_filters_and_csv_neutralised(app, client, session, login, make_user, region_admin):
    from wijzer.services import auditlog

    make_user("referrer", email="wijkteam@utrecht.nl", region_code="JZ22")
    make_user("referrer", email="elders@amsterdam.nl", region_code="JZ13")
    auditlog.record(
        session,
        action="update",
        entity="region_settings",
        entity_id="JZ13",
        actor="iemand",
        detail={"fresh_days": [None, 3]},
    )
    auditlog.record(
        session,
        action="update",
        entity="region_settings",
        entity_id="JZ22",
        actor='=HYPERLINK("http://x")',
        detail={"travel_km": [None, 30]},
    )
    session.commit()
    login(region_admin)
    client.post(
        "/regio/JZ22/instellingen",
        data={
            "contact_emails": "c@regio.nl",
            "fresh_days": "",
            "stale_days": "",
            "norm_intake_weeks": "",
            "norm_treatment_weeks": "",
            "travel_km": "",
            "referrer_domains": "",
        },
    )
    html = client.get("/beheer/auditlog").get_data(as_text=True)
    assert "wijkteam@utrecht.nl" in html and "HYPERLINK" in html and "c@regio.nl" in html
    assert "elders@amsterdam.nl" not in html
    assert "Regio-instellingen JZ13" not in html
    filtered = client.get("/beheer/auditlog?entity=region_settings").get_data(as_text=True)
    assert "c@regio.nl" in filtered and "wijkteam@utrecht.nl" not in filtered
    assert client.get("/beheer/auditlog?date_from=gisteren").status_code == 400
    assert "Vul een geldige datum in" in client.get("/beheer/auditlog?date_from=gisteren").get_data(
        as_text=True
    )
    export = client.get("/beheer/auditlog.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Moment", "Wie", "Handeling", "Object", "Object-id", "Details"]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows[1:] for cell in row)
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)  # kept, neutralised
    admin = make_user("admin")
    admin_client = app.test_client()
    admin_client.post("/inloggen", data={"email": admin.email, "password": PASSWORD})
    assert "elders@amsterdam.nl" in admin_client.get("/beheer/auditlog").get_data(as_text=True)


def test_neutralise():
    from wijzer.services.auditlog_view import neutralise

    assert [neutralise(v) for v in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx", "gewoon", None)] == [
        "'=1+1",
        "'+31",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "gewoon",
        "",
    ]


# ---------------------------------------------------------------- self-registration
def test_referrer_self_registration_with_email_verification(app, client, session):
    region = session.get(Jeugdregio, "JZ22")
    region.referrer_domains = "|utrecht.nl|"
    session.commit()
    refused = client.post("/registreren", data={"email": "iemand@gmail.com"})
    assert refused.status_code == 400 and "zelf aanmelden niet mogelijk" in refused.get_data(as_text=True)
    sent = client.post("/registreren", data={"email": "Wijkteam@Utrecht.nl"})
    assert sent.status_code == 200 and "ontvangt u binnen enkele minuten" in sent.get_data(as_text=True)
    mails = _mails(session, "registration")
    assert len(mails) == 1 and mails[0].to == "wijkteam@utrecht.nl"
    again = client.post("/registreren", data={"email": "wijkteam@utrecht.nl"})
    assert again.status_code == 200 and len(_mails(session, "registration")) == 1  # no second mail
    link = _link(mails[0])
    assert session.exec(select(User)).first() is None  # nothing active before verification
    done = client.post(link, data={"name": "Wijkteam", "password": PASSWORD})
    assert done.status_code == 302
    user = session.exec(select(User)).one()
    assert (user.email, user.role, user.region_code) == ("wijkteam@utrecht.nl", "referrer", "JZ22")
    assert client.get(link).status_code == 404  # single use


# ---------------------------------------------------------------- providers in bulk
def _admin_client(app, make_user):
    admin = make_user("admin")
    c = app.test_client()
    c.post("/inloggen", data={"email": admin.email, "password": PASSWORD})
    return c


def _preview(client, data: bytes, name="aanbieders.csv"):
    return client.post(
        "/portaal/beheer/importeren",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _apply(client, preview_html: str):
    return client.post(
        "/portaal/beheer/importeren/toepassen",
        data={
            "file_hash": _hidden(preview_html, "file_hash"),
            "fingerprint": _hidden(preview_html, "fingerprint"),
            "filename": _hidden(preview_html, "filename"),
        },
    )


def _count(html: str, kind: str, status: str) -> int:
    return int(re.search(rf'data-kind="{kind}" data-status="{status}">(\d+)<', html).group(1))


def test_import_preview_then_apply_exactly_and_reimport_invites_nobody_twice(
    app, session, make_user, tmp_path
):
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path)
    client = _admin_client(app, make_user)
    preview = _preview(client, _file(ROW_A1, ROW_A2, ROW_AMS))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert (
        _count(html, "provider", "new"),
        _count(html, "location", "new"),
        _count(html, "offering", "new"),
        _count(html, "invitation", "new"),
    ) == (2, 2, 3, 2)
    assert session.exec(select(Provider)).first() is None  # the preview writes nothing
    applied = _apply(client, html)
    assert applied.status_code == 302
    assert len(session.exec(select(Offering)).all()) == 3
    invites = {i.email: i for i in session.exec(select(Invitation)).all()}
    assert set(invites) == {"staf1@zu.nl", "staf2@zu.nl"}
    assert invites["staf1@zu.nl"].provider_admin and not invites["staf2@zu.nl"].provider_admin
    assert len(_mails(session, "invitation")) == 2

    again = _preview(client, _file(ROW_A1, ROW_A2, ROW_AMS)).get_data(as_text=True)
    assert (
        _count(again, "provider", "unchanged"),
        _count(again, "offering", "unchanged"),
        _count(again, "invitation", "new"),
        _count(again, "invitation", "unchanged"),
    ) == (2, 3, 0, 2)
    assert _apply(client, again).status_code == 302
    assert len(session.exec(select(Invitation)).all()) == 2 and len(_mails(session, "invitation")) == 2

    changed_file = _file(ROW_A1.replace("Logeren", "Logeren in het weekend"), ROW_A2, ROW_AMS)
    changed = _preview(client, changed_file).get_data(as_text=True)
    assert _count(changed, "offering", "changed") == 1 and "Logeren in het weekend" in changed
    # the data changes between preview and "Importeren": ask again, apply nothing
    off = session.exec(select(Offering).where(Offering.offering_ref == "ZU-1")).one()
    off.description = "Intussen door de aanbieder aangepast"
    session.add(off)
    session.commit()
    conflict = _apply(client, changed)
    assert conflict.status_code == 409 and "sinds de controle gewijzigd" in conflict.get_data(as_text=True)
    session.expire_all()
    assert session.get(Offering, off.id).description == "Intussen door de aanbieder aangepast"
    assert _apply(client, conflict.get_data(as_text=True)).status_code == 302  # confirmed again: applied
    session.expire_all()
    assert session.get(Offering, off.id).description == "Logeren in het weekend"


def test_import_preview_lists_every_error_by_row_and_column(app, make_user, tmp_path):
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path)
    client = _admin_client(app, make_user)
    bad = _preview(
        client,
        _file(
            ROW_A1.replace("3511AB", "0000XX"),
            ROW_A2.replace("staf1@zu.nl", "geen-adres"),
            ROW_AMS.replace("logeeropvang", "zwemles"),
        ),
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "3 problemen" in html
    for row, column in ((2, "postcode"), (3, "staff_emails"), (4, "care_type")):
        assert re.search(rf"<td[^>]*>{row}</td><td[^>]*>{column}</td>", html), (row, column)
    assert _preview(client, b"").status_code == 400
    assert (
        client.post(
            "/portaal/beheer/importeren/toepassen", data={"file_hash": "../../etc/passwd"}
        ).status_code
        == 302
    )


def test_region_admin_imports_only_their_region(app, client, session, login, region_admin, tmp_path):
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path)
    login(region_admin)
    refused = _preview(client, _file(ROW_A1, ROW_AMS))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "ligt buiten JZ22" in html and "ZA-1" in html
    contracted = ROW_AMS.replace(",zin,,,", ",zin,JZ22,,")
    ok = _preview(client, _file(ROW_A1, contracted))
    assert ok.status_code == 200
    assert _apply(client, ok.get_data(as_text=True)).status_code == 302
    assert len(session.exec(select(Offering)).all()) == 2


def test_cli_import_invites_staff_once(runner, session, tmp_path):
    path = tmp_path / "lijst.csv"
    path.write_bytes(_file(ROW_A1))
    first = runner.invoke(args=["import", "providers", str(path)])
    assert first.exit_code == 0, first.output
    assert "2 uitnodigingen" in first.output
    second = runner.invoke(args=["import", "providers", str(path)])
    assert second.exit_code == 0 and "uitnodigingen" not in second.output
    assert len(_mails(session, "invitation")) == 2


# ---------------------------------------------------------------- capacity file for provider staff
def test_staff_download_capacity_file_and_upload_unchanged_confirms(
    app, client, session, login, make_user, make_provider, make_location, make_offering, report
):
    from datetime import timedelta

    from openpyxl import load_workbook

    from wijzer.timeutil import utcnow

    provider = make_provider(name="Eigen", kvk="44444444")
    loc = make_location(provider, postcode="3511")
    reported = make_offering(provider, loc, ref="E-1")
    never = make_offering(provider, loc, ref="E-2")
    report(
        reported, days_ago=10, free_places=3, wait_intake=2, intake_status="wachtlijst", note="=gevaarlijk"
    )
    staff = make_user("provider", provider=provider)
    login(staff)
    download = client.get("/portaal/capaciteit.xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(download.data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "kvk",
        "aanbodcode",
        "vrije plekken",
        "totaal plekken",
        "aanmeldingswachttijd",
        "behandelingswachttijd",
        "wachtlijst",
        "intakestatus",
        "status tot",
        "volgende vrije plek",
        "toelichting",
        "gemeld op",
    )
    assert (
        rows[1][:8] == ("44444444", "E-1", 3, None, 2, None, None, "wachtlijst")
        and rows[1][10] == "=gevaarlijk"
    )
    assert ws.cell(row=2, column=11).data_type == "s"  # text, never a formula
    before = utcnow() - timedelta(seconds=1)
    upload = client.post(
        "/portaal/upload",
        data={"file": (io.BytesIO(download.data), "capaciteit.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_data(as_text=True)
    session.expire_all()
    confirmed = session.get(Offering, reported.id)
    assert confirmed.last_confirmed_at >= before and confirmed.cur_free_places == 3
    assert confirmed.cur_intake_status == "wachtlijst" and confirmed.cur_note == "=gevaarlijk"
    assert (
        session.get(Offering, never.id).last_reported_at is None
    )  # empty row of a never-reported offering skipped


def test_escalation_without_address_is_shown_on_the_operator_and_region_pages(
    app, client, session, login, make_user, make_provider, make_location, make_offering, report, region_admin
):
    from datetime import timedelta

    import time_machine

    from wijzer.jobs import run_job
    from wijzer.timeutil import utcnow

    provider = make_provider(name="Stil", email="info@stil.nl")
    report(make_offering(provider, make_location(provider, postcode="3511")), free_places=1)
    with time_machine.travel(utcnow() + timedelta(days=22), tick=False), app.app_context():
        assert run_job("reminders").status == "ok"
    login(region_admin)
    settings = client.get("/regio/JZ22/instellingen").get_data(as_text=True)
    assert "Escalaties zonder adres (1)" in settings
    admin_client = _admin_client(app, make_user)
    jobs = admin_client.get("/beheer/taken/").get_data(as_text=True)
    assert "Escalaties zonder adres (1)" in jobs and "Gelukt" in jobs
