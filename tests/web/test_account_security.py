"""Issue 11 items 1-8: hostile users and hostile headers against accounts and sessions.

Each test here was written before its fix and failed on the code before it.
"""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import select

from wijzer import create_app
from wijzer.models import ApiToken, OutboxMail
from wijzer.services import accounts

PW = "Correct-Paard-Nietje-42"
NEW_PW = "Een-Heel-Nieuw-Wachtwoord"
BASE = "https://wijzer.example.nl"


def _mails(session, kind=None):
    session.expire_all()
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return session.exec(stmt).all()


def _link(body: str, marker: str) -> str:
    return next(word for word in body.split() if marker in word)


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def limited(database_url):
    def make(**config):
        values = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": BASE,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "10 per minute",
            "API_RATE_LIMIT": "5 per minute",
        }
        return create_app(values | config)

    return make


# ---------------------------------------------------------------- 1. links from BASE_URL, never from Host
def test_reset_link_is_built_from_base_url_not_the_host_header(app, client, session, make_user):
    app.config["BASE_URL"] = BASE
    make_user("referrer", email="slachtoffer@example.nl")
    response = client.post(
        "/wachtwoord-vergeten", data={"email": "slachtoffer@example.nl"}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 200
    (mail,) = _mails(session, "password_reset")
    assert "evil.example" not in mail.body and "evil.example" not in (mail.html or "")
    link = _link(mail.body, "/wachtwoord-herstellen/")
    assert link.startswith(f"{BASE}/wachtwoord-herstellen/")
    assert client.get(link.removeprefix(BASE)).status_code == 200


def test_invitation_and_share_links_ignore_the_host_header(
    app, client, session, make_user, make_provider, make_location, make_offering, login
):
    app.config["BASE_URL"] = BASE
    provider = make_provider()
    offering = make_offering(provider, make_location(provider))
    login(make_user("admin"))
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    page = client.post(
        f"/portaal/beheer/aanbieders/{provider.id}",
        data={"email": "nieuw@example.nl"},
        headers={"Host": "evil.example"},
    )
    assert page.status_code == 200
    (mail,) = _mails(session, "invitation")
    assert _link(mail.body, "/uitnodiging/").startswith(f"{BASE}/uitnodiging/") and "evil" not in mail.body
    assert "evil.example" not in _text(page)
    client.post(f"/lijst/{offering.id}", headers={"Host": "evil.example"})
    shared = client.get("/lijst", headers={"Host": "evil.example"})
    assert f"{BASE}/lijst/delen?ids={offering.id}" in _text(shared) and "evil.example" not in _text(shared)


def test_external_url_helper_uses_base_url_with_a_path_prefix(app):
    from wijzer.links import external_url

    app.config["BASE_URL"] = "https://example.org/wijzer/"
    with app.app_context():  # no request: jobs build links too
        assert (
            external_url("auth.reset_password", token="abc")
            == "https://example.org/wijzer/wachtwoord-herstellen/abc"
        )
    with app.test_request_context("/", base_url="http://evil.example"):
        assert external_url("search.home") == "https://example.org/wijzer/"


def test_production_refuses_to_start_without_base_url(monkeypatch, database_url):
    monkeypatch.setenv("WIJZER_ENV", "production")
    monkeypatch.setenv("WIJZER_SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.delenv("WIJZER_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="WIJZER_BASE_URL"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.setenv("WIJZER_BASE_URL", "niet-een-url")
    with pytest.raises(RuntimeError, match="WIJZER_BASE_URL"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.setenv("WIJZER_BASE_URL", "https://wijzer.example.nl")
    assert create_app({"DATABASE_URL": database_url}).config["BASE_URL"] == "https://wijzer.example.nl"


def test_proxy_headers_are_trusted_only_when_configured(limited):
    forged = limited(LOGIN_RATE_LIMIT="2 per minute").test_client()
    statuses = [
        forged.post(
            "/inloggen",
            data={"email": "x@example.nl", "password": "p"},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert statuses[-1] == 429  # without WIJZER_PROXY_FIX_X_FOR a forged header changes nothing
    proxied = limited(LOGIN_RATE_LIMIT="2 per minute", PROXY_FIX_X_FOR=1).test_client()
    statuses = [
        proxied.post(
            "/inloggen",
            data={"email": "x@example.nl", "password": "p"},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert 429 not in statuses  # behind a trusted proxy each client has its own budget


# ---------------------------------------------------------------- 2. rate-limit key
def test_thirty_logins_with_random_bearer_headers_are_throttled(limited):
    client = limited().test_client()
    statuses = [
        client.post(
            "/inloggen",
            data={"email": "x@example.nl", "password": "p"},
            headers={"Authorization": f"Bearer wz_{secrets.token_urlsafe(16)}"},
        ).status_code
        for _ in range(30)
    ]
    assert statuses.count(429) == 20


def test_random_bearer_headers_on_the_api_are_throttled_and_401(limited):
    client = limited().test_client()
    statuses = [
        client.get(
            "/api/v1/health", headers={"Authorization": f"Bearer wz_{secrets.token_urlsafe(8)}"}
        ).status_code
        for _ in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3


def test_a_verified_token_has_its_own_budget(limited, session, make_user):
    _, token = accounts.create_api_token(session, make_user("referrer"), "t")
    session.commit()
    client = limited().test_client()
    assert [client.get("/api/v1/health").status_code for _ in range(6)][-1] == 429  # this address is spent
    assert client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# ---------------------------------------------------------------- 3. lock-out
def test_lockout_answers_the_same_for_known_and_unknown_addresses(client, make_user):
    make_user("referrer", email="bekend@example.nl")
    answers = {}
    for email in ("bekend@example.nl", "onbekend@example.nl"):
        answers[email] = [
            (r.status_code, _text(r).split("<main")[1].split("</main>")[0].replace(email, "E"))
            for r in (
                client.post("/inloggen", data={"email": email, "password": "fout-fout-fout"})
                for _ in range(accounts.MAX_FAILED_LOGINS + 2)
            )
        ]
    assert answers["bekend@example.nl"] == answers["onbekend@example.nl"]
    assert "Te veel mislukte pogingen" in answers["onbekend@example.nl"][-1][1]


def test_a_stranger_cannot_lock_the_owner_out(app, make_user):
    user = make_user("referrer", email="eigenaar@example.nl")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(accounts.MAX_FAILED_LOGINS * 2):
        stranger.post("/inloggen", data={"email": user.email, "password": "gok-gok-gok"})
    refused = stranger.post("/inloggen", data={"email": user.email, "password": PW})
    assert refused.status_code == 401 and "Te veel mislukte pogingen" in _text(refused)
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert owner.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302


# ---------------------------------------------------------------- 4. logout ends the session server-side
def test_a_cookie_copied_before_logout_stops_working(app, client, make_user, login):
    login(make_user())
    copied = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    client.post("/uitloggen")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302


def test_logout_leaves_the_users_other_devices_logged_in(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        assert c.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302
    laptop.post("/uitloggen")
    assert phone.get("/account").status_code == 200


# ---------------------------------------------------------------- 5. a reset ends links, sessions, tokens
def test_reset_ends_other_reset_links_every_session_and_every_api_token(app, client, session, make_user):
    user = make_user("referrer", email="reset@example.nl")
    _, token = accounts.create_api_token(session, user, "koppeling")
    session.commit()
    other = app.test_client()
    assert other.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302
    for _ in range(2):
        client.post("/wachtwoord-vergeten", data={"email": user.email})
    first, second = (
        _link(m.body, "/wachtwoord-herstellen/").removeprefix("http://localhost")
        for m in _mails(session, "password_reset")
    )
    done = client.post(second, data={"password": NEW_PW}, follow_redirects=True)
    assert done.status_code == 200
    assert "1 API-sleutel" in _text(done) and "ingetrokken" in _text(done)
    assert client.get(first).status_code == 404  # the other link ended too
    assert other.get("/account").status_code == 302
    api = app.test_client().get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    session.expire_all()
    assert all(t.revoked_at is not None for t in session.exec(select(ApiToken)))
    assert [m.to for m in _mails(session, "password_changed")] == [user.email]


# ---------------------------------------------------------------- 6. password change counts like a login
def test_wrong_current_passwords_count_toward_the_login_rate_limit(limited, make_user):
    user = make_user()
    client = limited(LOGIN_RATE_LIMIT="4 per minute").test_client()
    assert client.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302
    statuses = [
        client.post("/account/wachtwoord", data={"current": "fout-fout-fout", "new": NEW_PW}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_wrong_current_passwords_count_toward_the_lockout(client, session, make_user, login):
    user = make_user()
    login(user)
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert (
            client.post("/account/wachtwoord", data={"current": "fout-fout-fout", "new": NEW_PW}).status_code
            == 400
        )
    locked = client.post("/account/wachtwoord", data={"current": PW, "new": NEW_PW})
    assert locked.status_code == 400 and "Te veel mislukte pogingen" in _text(locked)
    session.expire_all()
    assert accounts.authenticate(session, user.email, NEW_PW)[0] is None  # not changed


# ---------------------------------------------------------------- 7. only a valid token authenticates the API
CAPACITY = {"records": [{"kvk": "11111111", "offering_ref": "OA", "free_places": 2, "intake_status": "open"}]}


def test_cookie_session_plus_any_bearer_does_not_authenticate_api_writes(
    client, make_user, make_provider, make_location, make_offering, login
):
    provider = make_provider(kvk="11111111")
    make_offering(provider, make_location(provider), ref="OA")
    login(make_user("provider", provider=provider))
    for headers in ({"Authorization": "Bearer x"}, {"Authorization": "Bearer wz_bestaat-niet"}, {}):
        response = client.post("/api/v1/capacity", json=CAPACITY, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_cookie_session_does_not_authenticate_api_reads(client, make_user, login):
    login(make_user("auditor", region_code="JZ22"))
    assert client.get("/api/v1/regions/JZ22/audit").status_code == 401
    bad = client.get("/api/v1/search?postcode=3511", headers={"Authorization": "Bearer wz_fout"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"
    assert "invalid_token" in bad.headers["WWW-Authenticate"]


# ---------------------------------------------------------------- 8. CSRF renewal, no-store
def test_csrf_token_is_renewed_at_login(database_url, make_user):
    user = make_user()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    client = app.test_client()
    page = _text(client.get("/inloggen"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    with client.session_transaction() as s:
        before = s["csrf_token"]
    response = client.post("/inloggen", data={"email": user.email, "password": PW, "csrf_token": token})
    assert response.status_code == 302
    client.get("/account")
    with client.session_transaction() as s:
        assert s.get("csrf_token") and s["csrf_token"] != before


def test_pages_are_not_stored_when_logged_in(client, make_user, login):
    anonymous = client.get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    assert "no-store" in client.get("/inloggen").headers.get("Cache-Control", "")
    login(make_user())
    for path in ("/", "/account", "/lijst"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


# ---------------------------------------------------------------- accounts for issue 12 (rollout)
def test_a_disabled_user_cannot_log_in_and_loses_sessions_and_tokens(app, client, session, make_user, login):
    user = make_user("referrer")
    admin = make_user("admin")
    _, token = accounts.create_api_token(session, user, "t")
    session.commit()
    login(user)
    accounts.set_user_disabled(session, user, True, by=admin)
    session.commit()
    assert user.disabled_at is not None and not user.active
    assert client.get("/account").status_code == 302
    assert (
        app.test_client().get("/api/v1/health", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert client.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 401
    accounts.set_user_disabled(session, user, False, by=admin)
    session.commit()
    assert user.disabled_at is None and user.active
    assert client.post("/inloggen", data={"email": user.email, "password": PW}).status_code == 302


def test_api_documents_name_base_url_not_the_host_header(app, client):
    app.config["BASE_URL"] = BASE
    spec = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"] == [{"url": BASE}]
    info = client.get("/hsds/", headers={"Host": "evil.example"}).get_json()
    assert info["openapi_url"] == f"{BASE}/hsds/openapi.json"  # the official HSDS 3.1 description
    hsds_spec = client.get("/hsds/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert hsds_spec["servers"] == [{"url": f"{BASE}/hsds"}]
