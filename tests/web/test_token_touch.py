"""The Bearer token's last_used_at touch is committed by the request's entry point, never by the loaders."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from sqlmodel import Session, select

from wijzer.db import get_session
from wijzer.models import ApiToken, AuditLog
from wijzer.services import accounts, auditlog


def _token(session: Session, make_user) -> tuple[ApiToken, str]:
    token, plain = accounts.create_api_token(session, make_user("referrer"), "koppeling")
    session.commit()
    assert token.last_used_at is None  # the first use will move it on
    return token, plain


def test_the_token_loader_never_commits_a_views_half_done_transaction(app: Flask, session, make_user):
    """Before the fix, Flask-Login's request loader committed the request's session when it touched the
    token, so a view that wrote, then used ``current_user`` for the first time and then failed, kept its
    half-done writes."""
    _, plain = _token(session, make_user)

    @app.route("/_test/half-done")
    def half_done() -> tuple[str, int]:
        auditlog.record(get_session(), action="half_done", entity="test", actor="test")
        get_session().flush()
        assert current_user.is_authenticated  # the first use: the request loader verifies the token
        return "niet opgeslagen", 500  # the view never commits

    response = app.test_client().get("/_test/half-done", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 500
    assert session.exec(select(AuditLog).where(AuditLog.action == "half_done")).first() is None


def test_an_api_call_still_records_when_the_token_was_last_used(app: Flask, session, make_user):
    token, plain = _token(session, make_user)
    response = app.test_client().get("/api/v1/health", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    session.refresh(token)
    assert token.last_used_at is not None


def test_a_token_used_on_a_page_is_recorded_even_when_the_page_commits_nothing(
    app: Flask, session, make_user
):
    token, plain = _token(session, make_user)
    response = app.test_client().get("/", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    session.refresh(token)
    assert token.last_used_at is not None
