from datetime import timedelta

import pytest
from sqlmodel import select

from wijzer.models import AuditLog, LoginThrottle
from wijzer.services import accounts
from wijzer.services.catalogue import RuleError
from wijzer.timeutil import utcnow

PW = "Correct-Paard-Nietje-42"


def test_create_user_rules(session, make_provider):
    with pytest.raises(RuleError):
        accounts.create_user(session, email="a@example.nl", password=PW, role="provider")  # no provider
    with pytest.raises(RuleError):
        accounts.create_user(session, email="a@example.nl", password=PW, role="auditor", region_code="JZ99")
    with pytest.raises(RuleError) as exc:
        accounts.create_user(session, email="a@example.nl", password="kort", role="referrer")
    assert "12 tekens" in str(exc.value)
    u = accounts.create_user(session, email=" A@Example.NL ", password=PW, role="referrer")
    assert u.email == "a@example.nl" and u.password_hash and PW not in u.password_hash
    with pytest.raises(RuleError):
        accounts.create_user(session, email="a@example.nl", password=PW, role="referrer")


def test_authenticate_and_lockout_per_address_and_client(session, make_user):
    user = make_user("referrer", email="r@example.nl")
    assert accounts.authenticate(session, "R@example.nl", PW, client="10.0.0.1")[0].id == user.id
    assert accounts.authenticate(session, "nobody@example.nl", PW, client="10.0.0.1") == (None, "invalid")
    for email in ("r@example.nl", "nobody@example.nl"):  # known and unknown addresses alike
        for _ in range(accounts.MAX_FAILED_LOGINS - (email == "nobody@example.nl")):
            assert accounts.authenticate(session, email, "wrong", client="10.0.0.1") == (None, "invalid")
        assert accounts.authenticate(session, email, PW, client="10.0.0.1") == (None, "locked")
    assert accounts.authenticate(session, "r@example.nl", PW, client="10.0.0.2")[0].id == user.id  # elsewhere
    key = accounts._throttle_key("r@example.nl", "10.0.0.1")
    throttle = session.exec(select(LoginThrottle).where(LoginThrottle.key_hash == key)).one()
    throttle.locked_until = utcnow() - timedelta(seconds=1)  # the lock-out has run out
    session.commit()
    assert accounts.authenticate(session, "r@example.nl", PW, client="10.0.0.1")[0].id == user.id
    assert accounts.authenticate(session, "nobody@example.nl", PW, client="10.0.0.1") == (None, "locked")


def test_set_user_disabled_ends_sessions_and_tokens(session, make_user):
    user, admin = make_user("referrer"), make_user("admin")
    _, plain = accounts.create_api_token(session, user, "t")
    sid = accounts.start_login_session(session, user)
    session.commit()
    version = user.session_version
    assert accounts.user_for_login_session(session, user.id, version, sid).id == user.id
    accounts.set_user_disabled(session, user, True, by=admin)
    session.commit()
    assert accounts.user_for_token(session, plain) is None
    assert accounts.user_for_login_session(session, user.id, user.session_version, sid) is None
    assert accounts.authenticate(session, user.email, PW) == (None, "invalid")
    accounts.set_user_disabled(session, user, False, by=admin)
    session.commit()
    assert accounts.user_for_token(session, plain).id == user.id  # enabled again: tokens work again
    assert (
        accounts.user_for_login_session(session, user.id, user.session_version, sid) is None
    )  # sessions stay ended
    actions = session.exec(
        select(AuditLog.action).where(AuditLog.entity == "user", AuditLog.entity_id == str(user.id))
    ).all()
    assert "disable" in actions and "enable" in actions


def test_logout_ends_only_that_login_session(session, make_user):
    user = make_user()
    a, b = accounts.start_login_session(session, user), accounts.start_login_session(session, user)
    accounts.end_login_session(session, a)
    session.commit()
    assert accounts.user_for_login_session(session, user.id, user.session_version, a) is None
    assert accounts.user_for_login_session(session, user.id, user.session_version, b).id == user.id
    assert accounts.user_for_login_session(session, user.id, user.session_version, None) is None


def test_tokens_hashed_and_revocable(session, make_user):
    user = make_user("referrer")
    token, plain = accounts.create_api_token(session, user, "test")
    assert plain.startswith("wz_") and token.token_hash != plain and plain not in token.token_hash
    assert accounts.user_for_token(session, plain).id == user.id
    assert accounts.user_for_token(session, plain + "x") is None
    assert accounts.user_for_token(session, "") is None
    assert accounts.revoke_api_token(session, user, token.id)
    assert accounts.user_for_token(session, plain) is None
    assert not accounts.revoke_api_token(session, user, token.id)


def test_invitation_single_use_and_expiring(session, make_provider):
    p = make_provider()
    inv, plain = accounts.create_invitation(
        session, email="new@example.nl", role="provider", provider_id=p.id
    )
    assert accounts.invitation_for(session, plain).id == inv.id
    user = accounts.accept_invitation(session, inv, name="Nieuw", password=PW)
    assert user.provider_id == p.id and user.role == "provider"
    assert accounts.invitation_for(session, plain) is None  # used
    inv2, plain2 = accounts.create_invitation(session, email="late@example.nl", role="referrer")
    inv2.expires_at = utcnow() - timedelta(minutes=1)
    assert accounts.invitation_for(session, plain2) is None  # expired
    with pytest.raises(RuleError):
        accounts.create_invitation(session, email="new@example.nl", role="referrer")  # has an account


def test_password_change_bumps_session_version(session, make_user):
    user = make_user()
    before = user.get_id()
    accounts.set_password(session, user, "Een-Nieuw-Lang-Wachtwoord")
    assert user.get_id() != before


def test_token_last_used_is_kept_to_five_minutes(session, make_user):
    user = make_user("referrer")
    token, plain = accounts.create_api_token(session, user, "t")
    accounts.user_for_token(session, plain)
    first = token.last_used_at
    accounts.user_for_token(session, plain)
    assert token.last_used_at == first and not session.dirty  # a second call within 5 minutes writes nothing
    token.last_used_at = first - timedelta(minutes=6)
    session.commit()
    accounts.user_for_token(session, plain)
    assert token.last_used_at > first
