"""Views of the account pages: parse the form, call ``wijzer.services.accounts``, commit, render."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from providers.forms import apply_errors
from wijzer.auth import bp, home_for, safe_next, sessions
from wijzer.auth.forms import AcceptInviteForm, ForgotForm, LoginForm, PasswordForm, ResetForm, TokenForm
from wijzer.db import get_session
from wijzer.extensions import limiter
from wijzer.services import accounts
from wijzer.services.catalogue import RuleError

# Login and the current-password check of a password change share one budget per client.
login_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="login", methods=["POST"]
)

INVALID = "E-mailadres of wachtwoord klopt niet."
LOCKED = (
    f"Te veel mislukte pogingen vanaf dit apparaat. Probeer het over {accounts.LOCKOUT_MINUTES} minuten "
    "opnieuw, of kies een nieuw wachtwoord via 'Wachtwoord vergeten?'."
)
RESET_SENT = (
    "Als er een account is voor dit e-mailadres, ontvangt u binnen enkele minuten een e-mail met een "
    "link om een nieuw wachtwoord te kiezen. De link is een uur geldig."
)


@bp.route("/inloggen", methods=["GET", "POST"])
@login_limit
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = get_session()
        user, reason = accounts.authenticate(
            session, form.email.data or "", form.password.data or "", client=sessions.client_address()
        )
        if user is not None:
            sessions.start(user)
            session.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        session.commit()  # the failure counts
        # The same answers for unknown and known addresses (no user enumeration).
        error = LOCKED if reason == "locked" else INVALID
    return render_template("auth/login.html", form=form, error=error), (200 if error is None else 401)


@bp.route("/uitloggen", methods=["POST"])
def logout():
    sessions.end()
    get_session().commit()
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
            user = accounts.accept_invitation(
                session, inv, name=form.name.data or "", password=form.password.data or ""
            )
        except RuleError as exc:
            apply_errors(form, {exc.field if exc.field in ("name", "password") else "password": str(exc)})
        else:
            sessions.start(user)
            session.commit()
            flash("Welkom! Uw account is aangemaakt.", "ok")
            return redirect(home_for(user))
    return render_template("auth/accept_invite.html", form=form, invitation=inv)


def _account_page(password_form=None, token_form=None, new_token=None, status=200):
    tokens = accounts.api_tokens(get_session(), current_user)
    return render_template(
        "auth/account.html",
        tokens=tokens,
        token_form=token_form or TokenForm(),
        password_form=password_form or PasswordForm(),
        new_token=new_token,
    ), status


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return _account_page()


@bp.route("/account/wachtwoord", methods=["POST"])
@login_required
@login_limit
def change_password():
    form = PasswordForm()
    session = get_session()
    if form.validate_on_submit():
        # A wrong current password counts toward the same limits as a failed login.
        user, reason = accounts.authenticate(
            session, current_user.email, form.current.data or "", client=sessions.client_address()
        )
        if user is None:
            session.commit()  # keep the failure count
            apply_errors(
                form, {"current": LOCKED if reason == "locked" else "Het huidige wachtwoord klopt niet."}
            )
        else:
            try:
                accounts.set_password(session, user, form.new.data or "", keep_session=sessions.current_sid())
            except RuleError as exc:
                session.rollback()
                apply_errors(form, {"new": str(exc)})
            else:
                session.commit()
                sessions.login_again(user)
                flash("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd.", "ok")
                return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=400)


@bp.route("/account/sleutels", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    session = get_session()
    if not form.validate_on_submit():
        abort(400)
    _, plain = accounts.create_api_token(session, current_user, form.name.data or "")
    session.commit()
    return _account_page(
        password_form=PasswordForm(formdata=None), token_form=TokenForm(formdata=None), new_token=plain
    )


@bp.route("/account/sleutels/<int:token_id>/intrekken", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    session = get_session()
    if not accounts.revoke_api_token(session, current_user, token_id):
        abort(404)
    session.commit()
    flash("De API-sleutel is ingetrokken.", "ok")
    return redirect(url_for("auth.account"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotForm()
    sent = False
    if form.validate_on_submit():
        session = get_session()
        accounts.send_password_reset(session, form.email.data or "")  # queued; sent after the commit
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
            _, revoked = accounts.complete_password_reset(session, reset, form.password.data or "")
        except RuleError as exc:
            apply_errors(form, {"password": str(exc)})
        else:
            session.commit()
            if current_user.is_authenticated:
                sessions.end()
            message = "Uw wachtwoord is gewijzigd. Al uw sessies zijn beëindigd."
            if revoked:
                message += (
                    f" Ook uw {revoked} API-sleutel{'s zijn' if revoked > 1 else ' is'} ingetrokken: "
                    "systemen die een sleutel gebruikten, krijgen geen toegang meer. Maak na het inloggen "
                    "nieuwe sleutels aan op uw accountpagina."
                )
            flash(message + " Log in met uw nieuwe wachtwoord.", "ok")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
