"""Forms of the account pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul uw e-mailadres in."), Email("Vul een geldig e-mailadres in.")],
    )
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in.")])
    new = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een nieuw wachtwoord in.")])


class AcceptInviteForm(FlaskForm):
    name = StringField("Uw naam", validators=[DataRequired("Vul uw naam in."), Length(max=200)])
    password = PasswordField(
        "Kies een wachtwoord (minstens 12 tekens)", validators=[DataRequired("Kies een wachtwoord.")]
    )


class ForgotForm(FlaskForm):
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul uw e-mailadres in."), Email("Vul een geldig e-mailadres in.")],
    )


class ResetForm(FlaskForm):
    password = PasswordField(
        "Nieuw wachtwoord (minstens 12 tekens)", validators=[DataRequired("Kies een wachtwoord.")]
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Naam van de sleutel (bijvoorbeeld het systeem dat hem gebruikt)", validators=[Length(max=100)]
    )
