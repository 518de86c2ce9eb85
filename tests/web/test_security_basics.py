import pytest

from wijzer import create_app


@pytest.fixture
def csrf_app(app, database_url):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )


def test_forms_refuse_posts_without_csrf_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/inloggen", data={"email": "a@example.nl", "password": "x"})
    assert response.status_code == 400 and "formulier is verlopen" in response.get_data(as_text=True)
    page = client.get("/inloggen").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_security_headers_and_strict_csp(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_flags(make_user, client):
    user = make_user()
    response = client.post("/inloggen", data={"email": user.email, "password": "Correct-Paard-Nietje-42"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_secret_and_secure_cookies(monkeypatch, database_url):
    monkeypatch.setenv("WIJZER_ENV", "production")
    with pytest.raises(RuntimeError, match="WIJZER_SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})
    monkeypatch.setenv("WIJZER_SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("WIJZER_BASE_URL", "https://wijzer.example.nl")
    app = create_app({"DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["WIJZER_ENV"] == "production"
