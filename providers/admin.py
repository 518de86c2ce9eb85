"""Admin pages of the providers blueprint (/portaal/beheer): the provider list, a new provider, editing a
provider (the KvK number too) and inviting its staff. The bulk import is in ``admin_import``.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from providers import bp
from providers.common import provider_form_page
from providers.forms import AdminProviderSearch, InviteForm, ProviderForm, apply_errors
from wijzer.auth import role_required
from wijzer.db import get_session, saved_id
from wijzer.models import Provider
from wijzer.pagination import BadNumber, page_of, parse_page
from wijzer.schemas import ProviderInput, validate
from wijzer.services import catalogue, portal, provider_admin
from wijzer.services.catalogue import RuleError
from wijzer.timeutil import utcnow

PAGE_SIZE = 50


@bp.route("/beheer")
@role_required("admin")
def admin_home() -> ResponseReturnValue:
    session = get_session()
    search = AdminProviderSearch(request.args)
    try:
        number = parse_page(request.args.get("pagina"))
    except BadNumber as exc:
        return render_template("errors/error.html", title="Ongeldige invoer", text=str(exc)), 400
    q = (search.q.data or "").strip()
    total = provider_admin.count_providers(session, q)
    page = page_of(number, PAGE_SIZE, total)
    if page.beyond_last:
        return render_template(
            "errors/error.html",
            title="Pagina bestaat niet",
            text=f"Pagina {number} bestaat niet; er zijn {page.pages} pagina's.",
        ), 404
    providers = provider_admin.providers_page(session, q, page.offset, PAGE_SIZE)
    counts = provider_admin.offering_counts(session, [saved_id(p) for p in providers])
    return render_template(
        "providers/admin_home.html",
        providers=providers,
        counts=counts,
        search=search,
        page=page.number,
        pages=page.pages,
        total=total,
        q=q,
    )


@bp.route("/beheer/aanbieders/nieuw", methods=["GET", "POST"])
@role_required("admin")
def admin_provider_new() -> ResponseReturnValue:
    session = get_session()
    form = ProviderForm()
    if form.validate_on_submit():
        data, problems = validate(ProviderInput, form.data)
        if data is not None:
            try:
                provider = catalogue.save_provider(session, data, user=current_user)
            except RuleError as exc:
                problems = {exc.field: str(exc)}
            else:
                session.commit()
                flash(f"Zorgaanbieder '{provider.name}' is aangemaakt. Nodig nu een medewerker uit.", "ok")
                return redirect(url_for("providers.admin_provider", provider_id=provider.id))
        apply_errors(form, problems)
    return render_template("providers/admin_provider_form.html", form=form), 400 if form.errors else 200


@bp.route("/beheer/aanbieders/<int:provider_id>/bewerken", methods=["GET", "POST"])
@role_required("admin")
def admin_provider_edit(provider_id: int) -> ResponseReturnValue:
    """The admin edits a provider's details, including the KvK number (audit-logged with old and new)."""
    provider = get_session().get(Provider, provider_id)
    if provider is None:
        abort(404)
    return provider_form_page(
        provider,
        "providers/admin_provider_form.html",
        may_change_kvk=True,
        saved_message="Zorgaanbieder '{name}' is opgeslagen.",
        saved_url=url_for("providers.admin_provider", provider_id=provider_id),
    )


@bp.route("/beheer/aanbieders/<int:provider_id>", methods=["GET", "POST"])
@role_required("admin")
def admin_provider(provider_id: int) -> ResponseReturnValue:
    session = get_session()
    provider = session.get(Provider, provider_id)
    if provider is None:
        abort(404)
    form = InviteForm()
    invite_link = None
    if form.validate_on_submit():
        from wijzer.services import onboarding

        try:
            inv, invite_link = onboarding.invite(
                session,
                current_user,
                email=form.email.data or "",
                role="provider",
                config=current_app.config,
                provider_id=provider.id,
                provider_admin=bool(form.provider_admin.data),
            )
        except RuleError as exc:
            session.rollback()
            form.email.errors = [str(exc)]
        else:
            session.commit()
            # From BASE_URL, never the Host header; the admin sees the link on screen, the mail is queued in
            # this transaction and sent after the commit (no live token in the log).
            flash(f"Uitnodiging verstuurd naar {inv.email}.", "ok")
            form.email.data = ""  # ready for the next colleague
            form.provider_admin.data = False
    pairs = portal.offerings_with_locations(session, saved_id(provider), active_only=False)
    staff = provider_admin.staff(session, saved_id(provider))
    invites = provider_admin.open_invitations(session, saved_id(provider))
    return render_template(
        "providers/admin_provider.html",
        provider=provider,
        pairs=pairs,
        staff=staff,
        invites=invites,
        form=form,
        invite_link=invite_link,
        now=utcnow(),
    ), 400 if form.errors else 200


@bp.route("/beheer/gebruikers")
@role_required("admin")
def admin_users() -> ResponseReturnValue:
    """Moved: the users page with filters, blocking and invitations is /beheer/gebruikers."""
    return redirect(url_for("beheer.users"))
