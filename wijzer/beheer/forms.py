"""Forms of the rollout pages. The rules live in the services (Dutch messages come back per field)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional


def _select(label: str, choices=None) -> SelectField:
    return SelectField(label, choices=choices or [], validate_choice=False)


class RegionSettingsForm(FlaskForm):
    contact_emails = TextAreaField("Contactadressen voor escalaties (één per regel)")
    fresh_days = StringField("Actueel tot (dagen na de laatste bevestiging)")
    stale_days = StringField("Verouderd na (dagen)")
    norm_intake_weeks = StringField("Norm aanmeldingswachttijd (weken)")
    norm_treatment_weeks = StringField("Norm behandelingswachttijd (weken)")
    travel_km = StringField("Reisafstand voor de dekking (km)")
    referrer_domains = TextAreaField(
        "E-maildomeinen waarmee verwijzers zich zelf mogen aanmelden (één per regel)"
    )


class InviteUserForm(FlaskForm):
    email = EmailField("Werk-e-mailadres")
    role = _select("Rol")
    region = _select("Jeugdregio")
    provider_kvk = StringField(
        "KvK-nummer van de zorgaanbieder (alleen voor medewerkers van een zorgaanbieder)"
    )
    provider_admin = BooleanField(
        "Mag collega's uitnodigen en verwijderen (beheerder van de aanbieder)", validators=[Optional()]
    )


class RoleForm(FlaskForm):
    role = _select("Rol")
    region = _select("Jeugdregio")
    provider_kvk = StringField("KvK-nummer van de zorgaanbieder")
    provider_admin = BooleanField("Beheerder van de aanbieder", validators=[Optional()])


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Zoek op naam of e-mail")
    role = _select("Rol")
    status = _select("Status", [("", "Alle"), ("actief", "Actief"), ("geblokkeerd", "Geblokkeerd")])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    person = StringField("Wie (e-mail, 'cli', 'import')")
    entity = _select("Soort object")
    entity_id = StringField("Object-id")
    date_from = StringField("Vanaf (JJJJ-MM-DD)")
    date_to = StringField("Tot en met (JJJJ-MM-DD)")


class RegisterForm(FlaskForm):
    email = EmailField("Uw werk-e-mailadres")
