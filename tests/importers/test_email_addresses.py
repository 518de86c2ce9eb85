"""Issue 11 item 16: e-mail addresses are validated as addresses (email-validator), wherever one is
accepted: provider contact (portal form, provider file), invitations, accounts.

The provider address ends up in a ``mailto:`` link on the detail page; ``?bcc=`` or ``body=`` in it
would add recipients or text to the referrer's mail."""

import pytest
from test_importers import GOOD_ROW, HEADER, csv_bytes  # noqa: F401

from importers.providers import import_providers
from importers.validation import ImportRejected
from wijzer.schemas import ProviderInput, normalise_email, validate
from wijzer.services import accounts
from wijzer.services.catalogue import RuleError

HOSTILE = [
    "info@aanbieder.nl?body=Bel%20ons%20niet",
    "info@aanbieder.nl?bcc=meelezer%40elders.nl",
    "info@aanbieder.nl&cc=x",
    "mailto:info@aanbieder.nl",
    "info@aanbieder.nl%0Abcc:x",
    "info@aanbieder",
    "info@localhost",
    "twee woorden@aanbieder.nl",
    "a@b@aanbieder.nl",
    "<info@aanbieder.nl>",
    "info@aanbieder.nl, ander@aanbieder.nl",
    "x" * 250 + "@aanbieder.nl",
]


@pytest.mark.parametrize("address", HOSTILE)
def test_provider_email_rule_refuses_non_addresses(address):
    obj, errors = validate(ProviderInput, {"name": "A", "kvk": "12345678", "email": address})
    assert obj is None and errors == {"email": "Vul een geldig e-mailadres in."}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Info@Aanbieder.NL", "info@aanbieder.nl"),
        (" aanmelden+jeugd@zorg-aanbieder.nl ", "aanmelden+jeugd@zorg-aanbieder.nl"),
        ("post@gemeente.frl", "post@gemeente.frl"),
    ],
)
def test_provider_email_rule_accepts_and_normalises_addresses(given, stored):
    obj, errors = validate(ProviderInput, {"name": "A", "kvk": "12345678", "email": given})
    assert errors == {} and obj.email == stored
    assert normalise_email(given) == stored


def test_provider_file_with_mailto_tricks_is_refused(session):
    row = GOOD_ROW.replace("info@test.nl", "info@test.nl?body=hallo")
    with pytest.raises(ImportRejected) as exc:
        import_providers(session, csv_bytes(row), "p.csv")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "email")]


@pytest.mark.parametrize(
    "address", ["collega@aanbieder.nl?bcc=x%40y.nl", "collega@aanbieder.nl?body=x", "collega"]
)
def test_invitations_and_accounts_refuse_non_addresses(session, address):
    with pytest.raises(RuleError):
        accounts.create_invitation(session, email=address, role="referrer")
    with pytest.raises(RuleError):
        accounts.create_user(session, email=address, password="Correct-Paard-Nietje-42", role="referrer")
    session.rollback()


def test_invitation_address_is_normalised(session):
    inv, _ = accounts.create_invitation(session, email="  Collega@Aanbieder.NL ", role="referrer")
    assert inv.email == "collega@aanbieder.nl"
    session.rollback()
