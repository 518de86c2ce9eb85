"""CLI `users create` / `users token`, and a CLI-made token authenticating against portal and account pages."""

from sqlmodel import select

from wijzer.models import ApiToken, User


def test_users_create_provider_staff_and_token_reads_own_portal(
    app, runner, session, make_provider, make_location, make_offering
):
    own, other = make_provider(name="Eigen Zorg"), make_provider(name="Andere Zorg")
    make_offering(own, make_location(own, postcode="3511AB"), ref="EIGEN-1")
    make_offering(other, make_location(other, postcode="1012"), ref="ANDER-1")
    session.commit()

    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Staf@Eigen.nl",
            "--password-file",
            "-",
            "--role",
            "provider",
            "--provider",
            own.kvk,
            "--name",
            "Staf",
        ],
        input="Lang-Genoeg-Wachtwoord-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "Account aangemaakt: staf@eigen.nl (provider)" in result.output
    session.expire_all()
    user = session.exec(select(User).where(User.email == "staf@eigen.nl")).one()
    assert user.role == "provider" and user.provider_id == own.id

    token_run = runner.invoke(args=["users", "token", "--email", "staf@eigen.nl"])
    assert token_run.exit_code == 0, token_run.output
    token = token_run.output.strip()
    assert token.startswith("wz_")
    stored = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert (
        len(stored.token_hash) == 64 and token not in stored.token_hash
    )  # stored hashed, never in plain text

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page = client.get("/portaal/", headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Eigen Zorg" in html and "EIGEN-1" in html
    assert "ANDER-1" not in html and "Andere Zorg" not in html
    account = client.get("/account", headers=headers)
    assert account.status_code == 200 and "staf@eigen.nl" in account.get_data(as_text=True)
    # a wrong token is not a login
    assert client.get("/portaal/", headers={"Authorization": "Bearer wz_niet-geldig"}).status_code in (
        302,
        401,
    )


def test_users_create_auditor_with_region_and_errors(runner, session):
    ok = runner.invoke(
        args=["users", "create", "--email", "regio@example.nl", "--role", "auditor", "--region", "jz22"],
        input="Lang-Genoeg-Wachtwoord-1\nLang-Genoeg-Wachtwoord-1\n",
    )  # the prompt
    assert ok.exit_code == 0, ok.output
    session.expire_all()
    assert session.exec(select(User).where(User.email == "regio@example.nl")).one().region_code == "JZ22"

    missing = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.nl",
            "--password-file",
            "-",
            "--role",
            "provider",
            "--provider",
            "99999999",
        ],
        input="Lang-Genoeg-Wachtwoord-1\n",
    )
    assert missing.exit_code != 0 and "Geen zorgaanbieder met KvK-nummer 99999999" in missing.output
    assert runner.invoke(args=["users", "token", "--email", "niemand@example.nl"]).exit_code != 0
    admin = runner.invoke(
        args=["users", "create", "--email", "beheer@example.nl", "--password-file", "-", "--role", "admin"],
        input="Lang-Genoeg-Wachtwoord-1\n",
    )
    assert admin.exit_code == 0, admin.output
    session.expire_all()
    assert session.exec(select(User).where(User.role == "admin")).one().email == "beheer@example.nl"
    # the password is never taken from argv alone
    argv = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "y@example.nl",
            "--password",
            "Lang-Genoeg-Wachtwoord-1",
            "--role",
            "referrer",
        ]
    )
    assert argv.exit_code != 0 and "No such option" in argv.output


def test_upload_route_is_provider_only(app, make_user, make_provider):
    """The capacity upload lives in the portal too: same role rules as every other portal route."""
    anon = app.test_client().get("/portaal/upload")
    assert anon.status_code == 302 and "/inloggen" in anon.headers["Location"]
    for role, extra in (("referrer", {}), ("auditor", {"region_code": "JZ22"}), ("admin", {})):
        user = make_user(role, **extra)
        client = app.test_client()
        client.post("/inloggen", data={"email": user.email, "password": "Correct-Paard-Nietje-42"})
        assert client.get("/portaal/upload").status_code == 403
        assert client.post("/portaal/upload").status_code == 403
    staff = make_user("provider", provider=make_provider(name="Upload Zorg"))
    client = app.test_client()
    client.post("/inloggen", data={"email": staff.email, "password": "Correct-Paard-Nietje-42"})
    assert client.get("/portaal/upload").status_code == 200


def test_invitation_link_is_shown_to_the_admin_but_never_logged(
    client, session, login, make_user, make_provider, caplog
):
    provider = make_provider(name="Log Zorg")
    login(make_user("admin"))
    with caplog.at_level("INFO"):
        page = client.post(f"/portaal/beheer/aanbieders/{provider.id}", data={"email": "nieuw@logzorg.nl"})
    html = page.get_data(as_text=True)
    link = html.split('id="invite-link">')[1].split("<")[0]
    assert "/uitnodiging/" in link
    assert 'value="nieuw@logzorg.nl"' not in html  # the e-mail field is empty again for the next colleague
    assert not any(
        link.rsplit("/", 1)[1] in r.getMessage() for r in caplog.records
    )  # no live token in the log
    # the link opens the sign-up page for the invitee (single use is covered in tests/web/test_auth.py)
    anon = client.application.test_client()
    path = link.split("localhost", 1)[-1]
    assert anon.get(path).status_code == 200
