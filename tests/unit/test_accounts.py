from datetime import timedelta

import pytest

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


def test_authenticate_and_lockout(session, make_user):
    user = make_user("referrer", email="r@example.nl")
    assert accounts.authenticate(session, "R@example.nl", PW)[0].id == user.id
    assert accounts.authenticate(session, "nobody@example.nl", PW) == (None, "invalid")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert accounts.authenticate(session, "r@example.nl", "wrong") == (None, "invalid")
    assert accounts.authenticate(session, "r@example.nl", PW) == (None, "locked")
    user.locked_until = utcnow() - timedelta(seconds=1)
    assert accounts.authenticate(session, "r@example.nl", PW)[0] is not None


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
    inv, plain = accounts.create_invitation(session, email="new@example.nl", role="provider", provider_id=p.id)
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
