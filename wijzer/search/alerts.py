"""Alerts on the web: "Houd me op de hoogte" on the results, the list under "Mijn account", and the
signed one-click links in the e-mails (GET shows what will happen, POST does it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.schemas import FILTER_KEYS
from wijzer.search import bp
from wijzer.services import alerts as svc
from wijzer.timeutil import utcnow


@bp.app_context_processor
def _account_alerts():
    def account_alerts():
        if not current_user.is_authenticated or current_user.role != "referrer":
            return None
        return svc.user_alerts(get_session(), current_user.id)

    return {"account_alerts": account_alerts}


@bp.route("/meldingen", methods=["POST"])
@role_required("referrer")
def alert_create():
    query = request.form.get("q", "")[:2000]
    params: dict[str, Any] = {k: ",".join(v) for k, v in parse_qs(query).items() if k in FILTER_KEYS}
    session = get_session()
    try:
        alert = svc.create_alert(session, current_user, params, utcnow())
    except svc.AlertError as exc:
        flash(f"De melding is niet bewaard: {exc}", "error")
        return redirect(url_for("search.home", **params))
    session.commit()
    flash(
        f'U krijgt een e-mail zodra aanbod voor "{alert.label}" een plek krijgt (90 dagen; beheer onder Mijn account).',
        "ok",
    )
    return redirect(url_for("search.home", **params))


def _own(alert_id: int):
    session = get_session()
    alert = svc.own_alert(session, current_user.id, alert_id)
    if alert is None:
        abort(404)
    return session, alert


@bp.route("/meldingen/<int:alert_id>/pauzeren", methods=["POST"])
@login_required
def alert_pause(alert_id: int):
    session, alert = _own(alert_id)
    pause = request.form.get("pauze", "1") == "1"
    svc.set_paused(session, alert, pause, utcnow())
    session.commit()
    flash("De melding is gepauzeerd." if pause else "De melding loopt weer.", "ok")
    return redirect(url_for("auth.account") + "#meldingen")


@bp.route("/meldingen/<int:alert_id>/verwijderen", methods=["POST"])
@login_required
def alert_delete(alert_id: int):
    session, alert = _own(alert_id)
    svc.delete_alert(session, alert)
    session.commit()
    flash("De melding is verwijderd.", "ok")
    return redirect(url_for("auth.account") + "#meldingen")


def _signed_link(token: str, action: str, when_ended: str, act):
    """A one-click link from an alert mail: GET shows what will happen, POST does it (``act``)."""
    session = get_session()
    alert = svc.read_token(session, current_app.config, token, action)
    if alert is None:
        return render_template("search/alert_link.html", state="invalid", action=action), 404
    if alert.ended_at is not None:
        return render_template("search/alert_link.html", state=when_ended, action=action, alert=alert)
    if request.method == "POST":
        act(session, alert, utcnow())
        session.commit()
        return render_template("search/alert_link.html", state="done", action=action, alert=alert)
    return render_template("search/alert_link.html", state="confirm", action=action, alert=alert)


@bp.route("/meldingen/afmelden/<token>", methods=["GET", "POST"])
def alert_unsubscribe(token: str):
    return _signed_link(token, "stop", "done", svc.end_alert)


@bp.route("/meldingen/verlengen/<token>", methods=["GET", "POST"])
def alert_extend(token: str):
    return _signed_link(token, "extend", "ended", svc.extend_alert)
