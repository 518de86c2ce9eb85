import pytest

from wijzer import create_app


@pytest.fixture
def limited_app(app, database_url):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3 per minute",
            "API_RATE_LIMIT": "5 per minute",
        }
    )


def test_login_attempts_are_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post("/inloggen", data={"email": "x@example.nl", "password": "p"}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    page = client.post("/inloggen", data={"email": "x@example.nl", "password": "p"})
    assert "Te veel verzoeken" in page.get_data(as_text=True)
    assert client.get("/inloggen").status_code == 200  # viewing the form is not limited


def test_api_is_rate_limited_with_json_error(limited_app, session, make_user):
    from wijzer.services import accounts

    _, token = accounts.create_api_token(session, make_user("referrer"), "t")
    session.commit()
    client = limited_app.test_client()
    statuses = [client.get("/api/v1/health").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    body = client.get("/api/v1/health").get_json()
    assert body["error"]["code"] == "rate_limited"
    # A verified token has its own budget (a made-up one does not: tests/web/test_account_security.py).
    other = client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 200
