from sqlmodel import select

from wijzer.models import ApiToken

PW = "Correct-Paard-Nietje-42"


def test_home_is_dutch_with_login_link(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="nl">' in html and 'href="/inloggen"' in html
    assert "Content-Security-Policy" in page.headers


def test_login_page_and_wrong_password_same_message(client, make_user):
    make_user("referrer", email="r@example.nl")
    assert client.get("/inloggen").status_code == 200
    wrong = client.post("/inloggen", data={"email": "r@example.nl", "password": "verkeerd-wachtwoord"})
    unknown = client.post(
        "/inloggen", data={"email": "niemand@example.nl", "password": "verkeerd-wachtwoord"}
    )
    assert wrong.status_code == unknown.status_code == 401
    msg = "E-mailadres of wachtwoord klopt niet."
    assert msg in wrong.get_data(as_text=True) and msg in unknown.get_data(as_text=True)
    assert 'value="r@example.nl"' in wrong.get_data(as_text=True)  # keeps what was typed


def test_login_redirects_by_role_and_next(client, make_user, make_provider):
    p = make_provider()
    staff = make_user("provider", provider=p)
    response = client.post("/inloggen", data={"email": staff.email, "password": PW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/portaal/")
    client.post("/uitloggen")
    ref = make_user("referrer")
    response = client.post("/inloggen?next=/account", data={"email": ref.email, "password": PW})
    assert response.headers["Location"].endswith("/account")
    client.post("/uitloggen")
    response = client.post("/inloggen?next=https://evil.example/x", data={"email": ref.email, "password": PW})
    assert "evil" not in response.headers["Location"]


def test_logout_requires_post_and_ends_session(client, make_user, login):
    login(make_user())
    assert client.get("/account").status_code == 200
    assert client.get("/uitloggen").status_code == 405
    client.post("/uitloggen")
    assert client.get("/account").status_code == 302


def test_account_tokens_shown_once_and_bearer_auth(client, session, make_user, login):
    user = make_user("referrer", email="tok@example.nl")
    login(user)
    page = client.post("/account/sleutels", data={"name": "mijn systeem"})
    html = page.get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("wz_")
    assert token not in client.get("/account").get_data(as_text=True)
    client.post("/uitloggen")
    other = client.get("/account", headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 200 and "tok@example.nl" in other.get_data(as_text=True)
    tok = session.exec(select(ApiToken)).one()
    assert client.get("/account", headers={"Authorization": "Bearer wz_fout"}).status_code == 302
    login(user)
    client.post(f"/account/sleutels/{tok.id}/intrekken")
    client.post("/uitloggen")
    assert client.get("/account", headers={"Authorization": f"Bearer {token}"}).status_code == 302


def test_password_change_ends_other_sessions(app, make_user, login):
    user = make_user()
    a, b = app.test_client(), app.test_client()
    for c in (a, b):
        assert c.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302
    bad = a.post("/account/wachtwoord", data={"current": PW, "new": "kort"})
    assert bad.status_code == 400 and "12 tekens" in bad.get_data(as_text=True)
    ok = a.post("/account/wachtwoord", data={"current": PW, "new": "Een-Nieuw-Lang-Wachtwoord"})
    assert ok.status_code == 302
    assert a.get("/account").status_code == 200
    assert b.get("/account").status_code == 302  # the other session ended


def test_invitation_flow(client, session, make_provider):
    from wijzer.services import accounts

    p = make_provider()
    _, plain = accounts.create_invitation(
        session, email="nieuw@example.nl", role="provider", provider_id=p.id
    )
    session.commit()
    assert client.get(f"/uitnodiging/{plain}").status_code == 200
    bad = client.post(f"/uitnodiging/{plain}", data={"name": "Nieuw", "password": "kort"})
    assert "12 tekens" in bad.get_data(as_text=True) and 'value="Nieuw"' in bad.get_data(as_text=True)
    ok = client.post(f"/uitnodiging/{plain}", data={"name": "Nieuw", "password": PW})
    assert ok.status_code == 302
    client.post("/uitloggen")
    assert client.get(f"/uitnodiging/{plain}").status_code == 404
    assert client.get("/uitnodiging/onzin").status_code == 404


def test_errors_are_dutch_html_and_json(client):
    page = client.get("/bestaat-niet")
    assert page.status_code == 404 and "Niet gevonden" in page.get_data(as_text=True)
    api = client.get("/api/v1/bestaat-niet")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_password_reset_without_user_enumeration(app, client, session, make_user):
    from sqlmodel import select

    from wijzer.models import OutboxMail

    user = make_user("referrer", email="poh@example.nl")
    other = app.test_client()
    assert other.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302
    known = client.post("/wachtwoord-vergeten", data={"email": "poh@example.nl"})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@example.nl"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.get_data(as_text=True).split("<main")[1].split("</main>")[0]  # noqa: E731
    assert strip(known) == strip(unknown) and "Als er een account is" in strip(known)
    mails = session.exec(select(OutboxMail)).all()
    assert [m.to for m in mails] == ["poh@example.nl"]
    link = mails[0].body.split("\n")[3].strip()
    path = link.replace("http://localhost", "")
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"password": "kort"})
    assert weak.status_code == 400 and "12 tekens" in weak.get_data(as_text=True)
    assert client.post(path, data={"password": "Een-Heel-Nieuw-Wachtwoord"}).status_code == 302
    assert client.get(path).status_code == 404  # single use
    assert other.get("/account").status_code == 302  # the old session ended
    assert (
        client.post(
            "/inloggen", data={"email": user.email, "password": "Een-Heel-Nieuw-Wachtwoord"}
        ).status_code
        == 302
    )


def test_password_reset_link_expires(client, session, make_user):
    from datetime import timedelta

    from wijzer.services import accounts
    from wijzer.timeutil import utcnow

    user = make_user("referrer")
    _, token = accounts.request_password_reset(session, user.email)
    session.commit()
    reset = accounts.password_reset_for(session, token)
    reset.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert client.get(f"/wachtwoord-herstellen/{token}").status_code == 404
    assert client.get("/wachtwoord-herstellen/onzin").status_code == 404
