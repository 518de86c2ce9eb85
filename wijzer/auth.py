"""Login, logout, invitations, own account (password, API tokens), and role checks."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from wijzer.db import get_session
from wijzer.extensions import limiter
from wijzer.models import ApiToken
from wijzer.services import accounts
from wijzer.services.catalogue import RuleError

bp = Blueprint("auth", __name__)


def role_required(*roles: str):
    """Allow only logged-in users with one of ``roles`` (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def safe_next(target: str | None, default: str) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def home_for(user) -> str:
    if user.role == "region_admin":
        return url_for("audit.dashboard", code=user.region_code)
    return {"provider": url_for("providers.weekly"), "admin": url_for("providers.admin_home")}.get(
        user.role, url_for("search.home"))


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Email("Vul een geldig e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in.")])
    new = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een nieuw wachtwoord in.")])


class AcceptInviteForm(FlaskForm):
    name = StringField("Uw naam", validators=[DataRequired("Vul uw naam in."), Length(max=200)])
    password = PasswordField("Kies een wachtwoord (minstens 12 tekens)", validators=[DataRequired("Kies een wachtwoord.")])


class ForgotForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Email("Vul een geldig e-mailadres in.")])


class ResetForm(FlaskForm):
    password = PasswordField("Nieuw wachtwoord (minstens 12 tekens)", validators=[DataRequired("Kies een wachtwoord.")])


class TokenForm(FlaskForm):
    name = StringField("Naam van de sleutel (bijvoorbeeld het systeem dat hem gebruikt)", validators=[Length(max=100)])


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = get_session()
        user, reason = accounts.authenticate(session, form.email.data, form.password.data)
        session.commit()
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        # Same message for unknown e-mail and wrong password (no user enumeration).
        error = ("Dit account is tijdelijk geblokkeerd na te veel mislukte pogingen. Probeer het over "
                 "15 minuten opnieuw." if reason == "locked" else "E-mailadres of wachtwoord klopt niet.")
    return render_template("auth/login.html", form=form, error=error), (200 if error is None else 401)


@bp.route("/uitloggen", methods=["POST"])
def logout():
    logout_user()
    flash("U bent uitgelogd.", "ok")
    return redirect(url_for("search.home"))


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    session = get_session()
    inv = accounts.invitation_for(session, token)
    if inv is None:
        return render_template("auth/invite_invalid.html"), 404
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(session, inv, name=form.name.data, password=form.password.data)
        except RuleError as exc:
            getattr(form, exc.field if exc.field in ("name", "password") else "password").errors.append(str(exc))
        else:
            session.commit()
            login_user(user)
            flash("Welkom! Uw account is aangemaakt.", "ok")
            return redirect(home_for(user))
    return render_template("auth/accept_invite.html", form=form, invitation=inv)


@bp.route("/account", methods=["GET"])
@login_required
def account():
    tokens = get_session().exec(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.created_at.desc())).all()
    return render_template("auth/account.html", tokens=tokens, token_form=TokenForm(),
                           password_form=PasswordForm(), new_token=None)


@bp.route("/account/wachtwoord", methods=["POST"])
@login_required
def change_password():
    form = PasswordForm()
    session = get_session()
    if form.validate_on_submit():
        user, _ = accounts.authenticate(session, current_user.email, form.current.data)
        if user is None:
            form.current.errors.append("Het huidige wachtwoord klopt niet.")
        else:
            try:
                accounts.set_password(session, user, form.new.data)
            except RuleError as exc:
                form.new.errors.append(str(exc))
            else:
                session.commit()
                login_user(user)  # keep this session; all others end (session_version bumped)
                flash("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd.", "ok")
                return redirect(url_for("auth.account"))
    session.rollback()
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == current_user.id)).all()
    return render_template("auth/account.html", tokens=tokens, token_form=TokenForm(), password_form=form,
                           new_token=None), 400


@bp.route("/account/sleutels", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    session = get_session()
    if not form.validate_on_submit():
        abort(400)
    _, plain = accounts.create_api_token(session, current_user, form.name.data or "")
    session.commit()
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == current_user.id)
                          .order_by(ApiToken.created_at.desc())).all()
    return render_template("auth/account.html", tokens=tokens, token_form=TokenForm(formdata=None),
                           password_form=PasswordForm(formdata=None), new_token=plain)


@bp.route("/account/sleutels/<int:token_id>/intrekken", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    session = get_session()
    if not accounts.revoke_api_token(session, current_user, token_id):
        abort(404)
    session.commit()
    flash("De API-sleutel is ingetrokken.", "ok")
    return redirect(url_for("auth.account"))


RESET_SENT = ("Als er een account is voor dit e-mailadres, ontvangt u binnen enkele minuten een e-mail met een "
              "link om een nieuw wachtwoord te kiezen. De link is een uur geldig.")


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotForm()
    sent = False
    if form.validate_on_submit():
        from wijzer.services.mail import MailError, send_mail

        session = get_session()
        found = accounts.request_password_reset(session, form.email.data)
        if found is not None:
            user, token = found
            link = url_for("auth.reset_password", token=token, _external=True)
            try:
                send_mail(session, user.email, "Nieuw wachtwoord voor de Beschikbaarheidswijzer",
                          f"Beste {user.name or 'collega'},\n\nKies een nieuw wachtwoord via deze link (een uur geldig, "
                          f"eenmalig te gebruiken):\n{link}\n\nHeeft u dit niet gevraagd? Dan kunt u deze e-mail negeren.",
                          kind="password_reset")
            except MailError:
                current_app.logger.warning("password reset mail for user %s could not be sent", user.id)
        session.commit()
        sent = True  # the same answer whether or not the address has an account
    return render_template("auth/forgot.html", form=form, sent=sent, message=RESET_SENT)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    reset = accounts.password_reset_for(session, token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            accounts.complete_password_reset(session, reset, form.password.data)
        except RuleError as exc:
            form.password.errors.append(str(exc))
        else:
            session.commit()
            flash("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord.", "ok")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
