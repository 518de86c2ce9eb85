"""Region settings (/regio/<code>/instellingen), accounts (/beheer/gebruikers, invitations), the audit
log (/beheer/auditlog) and the self-registration of referrers (/registreren).

Thin views: parse the form, call wijzer.services.regions_admin / onboarding / auditlog_view, commit,
render. Who may do what is decided in the services (``onboarding.may_manage``); a view only maps
NotAllowed to 403 and objects outside the user's scope to 404.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from wijzer.auth import role_required
from wijzer.beheer import bp
from wijzer.beheer.forms import (
    AuditFilterForm,
    InviteUserForm,
    RegionSettingsForm,
    RegisterForm,
    RoleForm,
    UserFilterForm,
)
from wijzer.db import get_session
from wijzer.domain import ROLES
from wijzer.extensions import limiter
from wijzer.models import Jeugdregio, Provider, User
from wijzer.services import onboarding, regions_admin
from wijzer.services.auditlog_view import ENTITIES, PAGE_SIZE, AuditFilter, audit_csv, audit_page
from wijzer.services.catalogue import RuleError, provider_by_kvk
from wijzer.timeutil import utcnow


def _manager_required():
    if not onboarding.is_manager(current_user):
        abort(403)


def _regions():
    return get_session().exec(select(Jeugdregio).order_by(Jeugdregio.code)).all()


# ---------------------------------------------------------------- region settings
@bp.route("/regio/<code>/instellingen", methods=["GET", "POST"])
@role_required("admin", "region_admin")
def region_settings(code: str):
    session = get_session()
    region = regions_admin.region_or_none(session, code)
    if region is None:
        abort(404)
    if current_user.role == "region_admin" and current_user.region_code != region.code:
        abort(403)
    config = current_app.config
    current = regions_admin.settings_of(region, config)
    form = RegionSettingsForm(
        data=None
        if request.method == "POST"
        else {
            "contact_emails": "\n".join(current.contact_emails),
            "referrer_domains": "\n".join(current.referrer_domains),
            **{
                f: "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
                for f, v in current.overrides.items()
            },
        }
    )
    if form.validate_on_submit():
        changes = {f: getattr(form, f).data for f in regions_admin.FIELDS}
        try:
            diff = regions_admin.update_region_settings(
                session, region, changes, config=config, user=current_user
            )
        except regions_admin.SettingsError as exc:
            session.rollback()
            for field, message in exc.errors.items():
                getattr(form, field).errors = [message]
        else:
            session.commit()
            flash("De instellingen zijn opgeslagen." if diff else "Er was niets gewijzigd.", "ok")
            return redirect(url_for("beheer.region_settings", code=region.code))
    return render_template(
        "beheer/region_settings.html",
        region=region,
        form=form,
        current=current,
        defaults={
            "fresh_days": config["FRESH_DAYS"],
            "stale_days": config["STALE_DAYS"],
            "norm_intake_weeks": config["NORM_INTAKE_WEEKS"],
            "norm_treatment_weeks": config["NORM_TREATMENT_WEEKS"],
            "travel_km": config["TRAVEL_KM"],
        },
        no_address=regions_admin.escalations_without_address(session, region.code),
        admin_email=bool(config.get("ADMIN_EMAIL")),
    ), 400 if form.errors else 200


# ---------------------------------------------------------------- users
def _user_filter() -> tuple[UserFilterForm, onboarding.UserFilter]:
    form = UserFilterForm(request.args)
    form.role.choices = [("", "Alle rollen"), *onboarding.roles_for(current_user).items()]
    return form, onboarding.UserFilter(
        q=form.q.data or "", role=form.role.data or "", status=form.status.data or ""
    )


@bp.route("/beheer/gebruikers")
@role_required("admin", "region_admin", "provider")
def users():
    _manager_required()
    session = get_session()
    filter_form, flt = _user_filter()
    rows = onboarding.users_in_scope(session, current_user, flt)
    invites = onboarding.open_invitations(session, current_user)
    return render_template(
        "beheer/users.html", rows=rows, invites=invites, filter_form=filter_form, roles=ROLES, now=utcnow()
    )


def _invite_form() -> InviteUserForm:
    form = InviteUserForm()
    form.role.choices = list(onboarding.roles_for(current_user).items())
    if current_user.role == "admin":
        form.region.choices = [("", "Geen")] + [(r.code, f"{r.code} {r.name}") for r in _regions()]
    elif current_user.role == "region_admin":
        form.region.choices = [(current_user.region_code, current_user.region_code)]
    else:
        form.region.choices = [("", "—")]
    return form


@bp.route("/beheer/gebruikers/uitnodigen", methods=["GET", "POST"])
@role_required("admin", "region_admin", "provider")
def invite_user():
    _manager_required()
    session = get_session()
    form = _invite_form()
    if form.validate_on_submit():
        provider_id = None
        kvk = (form.provider_kvk.data or "").strip()
        role = form.role.data if current_user.role != "provider" else "provider"
        try:
            if role == "provider" and current_user.role != "provider":
                provider = provider_by_kvk(session, kvk) if kvk else None
                if provider is None:
                    raise RuleError("Vul het KvK-nummer van een bekende zorgaanbieder in.", "provider_kvk")
                provider_id = provider.id
            inv, _ = onboarding.invite(
                session,
                current_user,
                email=form.email.data or "",
                role=role,
                config=current_app.config,
                provider_id=provider_id,
                region_code=form.region.data or None,
                provider_admin=bool(form.provider_admin.data),
            )
        except onboarding.NotAllowed as exc:
            session.rollback()
            form.role.errors = [str(exc)]
        except RuleError as exc:
            session.rollback()
            target = {"provider": "provider_kvk", "region": "region"}.get(exc.field, exc.field)
            getattr(form, target if hasattr(form, target) else "email").errors = [str(exc)]
        else:
            session.commit()  # the mail is queued in this transaction and sent after the commit
            flash(f"Uitnodiging verstuurd naar {inv.email}.", "ok")
            return redirect(url_for("beheer.users"))
    return render_template("beheer/invite.html", form=form), 400 if form.errors else 200


def _target(user_id: int) -> User:
    target = onboarding.user_in_scope(get_session(), current_user, user_id)
    if target is None:
        abort(404)
    return target


@bp.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@role_required("admin", "region_admin", "provider")
def user_detail(user_id: int):
    _manager_required()
    session = get_session()
    target = _target(user_id)
    form = RoleForm(
        data=None
        if request.method == "POST"
        else {
            "role": target.role,
            "region": target.region_code or "",
            "provider_admin": target.provider_admin,
        }
    )
    form.role.choices = list(ROLES.items())
    form.region.choices = [("", "Geen")] + [(r.code, f"{r.code} {r.name}") for r in _regions()]
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if form.validate_on_submit():
            kvk = (form.provider_kvk.data or "").strip()
            provider = provider_by_kvk(session, kvk) if kvk else None
            provider_id = provider.id if provider else (target.provider_id if not kvk else None)
            try:
                if kvk and provider is None:
                    raise RuleError(f"Geen zorgaanbieder met KvK-nummer {kvk}.", "provider")
                changes = onboarding.change_role(
                    session,
                    current_user,
                    target,
                    role=form.role.data,
                    provider_id=provider_id,
                    region_code=form.region.data or None,
                    provider_admin=bool(form.provider_admin.data),
                )
            except RuleError as exc:
                session.rollback()
                {"provider": form.provider_kvk, "region": form.region}.get(exc.field, form.role).errors = [
                    str(exc)
                ]
            else:
                session.commit()
                flash("De rol is gewijzigd." if changes else "Er was niets gewijzigd.", "ok")
                return redirect(url_for("beheer.user_detail", user_id=target.id))
    provider = session.get(Provider, target.provider_id) if target.provider_id else None
    return render_template(
        "beheer/user.html", target=target, form=form, provider=provider, roles=ROLES
    ), 400 if form.errors else 200


@bp.route("/beheer/gebruikers/<int:user_id>/blokkeren", methods=["POST"], defaults={"disable": True})
@bp.route("/beheer/gebruikers/<int:user_id>/deblokkeren", methods=["POST"], defaults={"disable": False})
@role_required("admin", "region_admin", "provider")
def user_disable(user_id: int, disable: bool):
    _manager_required()
    session = get_session()
    target = _target(user_id)
    try:
        if current_user.role == "provider":
            if disable:
                onboarding.remove_colleague(session, current_user, target)
            else:
                onboarding.set_disabled(session, current_user, target, False)
        else:
            onboarding.set_disabled(session, current_user, target, disable)
    except onboarding.NotAllowed:
        abort(403)
    except RuleError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("beheer.users"))
    session.commit()
    flash(
        f"{target.email} is {'geblokkeerd: inloggen kan niet meer, sessies en API-sleutels werken niet meer' if disable else 'weer actief'}.",
        "ok",
    )
    return redirect(
        request.form.get("terug", "")
        if request.form.get("terug", "").startswith("/beheer/")
        else url_for("beheer.users")
    )


def _invitation(invitation_id: int):
    inv = onboarding.invitation_in_scope(get_session(), current_user, invitation_id)
    if inv is None or inv.used_at is not None:
        abort(404)
    return inv


@bp.route("/beheer/uitnodigingen/<int:invitation_id>/opnieuw", methods=["POST"])
@role_required("admin", "region_admin", "provider")
def invitation_resend(invitation_id: int):
    _manager_required()
    session = get_session()
    inv = _invitation(invitation_id)
    try:
        onboarding.resend_invitation(session, current_user, inv, config=current_app.config)
    except onboarding.NotAllowed:
        abort(403)
    session.commit()
    flash(f"Uitnodiging opnieuw verstuurd naar {inv.email}; de vorige link werkt niet meer.", "ok")
    return redirect(url_for("beheer.users"))


@bp.route("/beheer/uitnodigingen/<int:invitation_id>/intrekken", methods=["POST"])
@role_required("admin", "region_admin", "provider")
def invitation_withdraw(invitation_id: int):
    _manager_required()
    session = get_session()
    inv = _invitation(invitation_id)
    try:
        onboarding.withdraw_invitation(session, current_user, inv)
    except onboarding.NotAllowed:
        abort(403)
    session.commit()
    flash(f"De uitnodiging voor {inv.email} is ingetrokken.", "ok")
    return redirect(url_for("beheer.users"))


# ---------------------------------------------------------------- audit log
def _audit_filter() -> tuple[AuditFilterForm, AuditFilter, list[str]]:
    form = AuditFilterForm(request.args)
    form.entity.choices = [("", "Alle"), *list(ENTITIES.items())]
    problems: list[str] = []
    dates: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        raw = (getattr(form, name).data or "").strip()
        dates[name] = None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                getattr(form, name).errors = ["Vul een geldige datum in (JJJJ-MM-DD)."]
                problems.append(name)
    flt = AuditFilter(
        person=form.person.data or "",
        entity=form.entity.data if form.entity.data in ENTITIES else "",
        entity_id=form.entity_id.data or "",
        **dates,
    )
    return form, flt, problems


@bp.route("/beheer/auditlog")
@role_required("admin", "region_admin")
def audit_log():
    form, flt, problems = _audit_filter()
    page = request.args.get("pagina", 1, type=int) or 1
    rows, total = audit_page(get_session(), current_user, flt, max(1, min(page, 10_000)))
    return render_template(
        "beheer/audit_log.html",
        form=form,
        rows=rows,
        total=total,
        page=max(1, page),
        pages=max(1, -(-total // PAGE_SIZE)),
        entities=ENTITIES,
        query={k: v for k, v in request.args.items() if k != "pagina"},
    ), 400 if problems else 200


@bp.route("/beheer/auditlog.csv")
@role_required("admin", "region_admin")
def audit_log_csv():
    _, flt, problems = _audit_filter()
    if problems:
        abort(400)
    name = "auditlog" + (f"-{current_user.region_code}" if current_user.role == "region_admin" else "")
    return Response(
        audit_csv(get_session(), current_user, flt),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# ---------------------------------------------------------------- self-registration
REGISTER_SENT = (
    "Als uw e-mailadres zich mag aanmelden, ontvangt u binnen enkele minuten een e-mail met een link. "
    "Bevestig daarmee uw adres en kies een wachtwoord; daarna is uw account actief."
)


@bp.route("/registreren", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("search.home"))
    form = RegisterForm()
    sent = False
    if form.validate_on_submit():
        session = get_session()
        try:
            onboarding.register_referrer(session, form.email.data or "", config=current_app.config)
        except RuleError as exc:
            session.rollback()
            form.email.errors = [str(exc)]
        else:
            session.commit()
            sent = True
    return render_template(
        "beheer/register.html", form=form, sent=sent, message=REGISTER_SENT
    ), 400 if form.errors else 200
