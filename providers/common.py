"""View helpers shared by the portal and the admin pages of the providers blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from providers.forms import ProviderForm, VersionedForm, apply_errors
from wijzer.db import get_session
from wijzer.models import Provider
from wijzer.schemas import ProviderInput, validate
from wijzer.services import catalogue
from wijzer.services.catalogue import RuleError, StaleEdit

T = TypeVar("T")


def stale_response(
    exc: StaleEdit, typed_form: VersionedForm, fresh_form: VersionedForm, template: str, **context: Any
) -> ResponseReturnValue:
    """A save based on an old version: show who changed it, the new values in the form, and what this user
    typed (so nothing is lost), with 409 Conflict."""
    changed = {}
    for name, fld in typed_form._fields.items():
        if name in ("csrf_token", "version"):
            continue
        new = getattr(fresh_form, name).data
        if fld.data != new and (fld.data or new):
            changed[fld.label.text] = fld.data if not isinstance(fld.data, list) else ", ".join(fld.data)
    fresh_form.version.data = str(getattr(next(iter(context.values())), "row_version", ""))
    get_session().rollback()
    return render_template(template, form=fresh_form, stale=exc, typed=changed, **context), 409


@dataclass
class Attempt(Generic[T]):
    """The outcome of ``attempt_save``: saved (``ok``), a 409 page for a stale edit, or the rule's problem."""

    saved: T | None = None
    conflict: ResponseReturnValue | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.conflict is None and not self.problems


def attempt_save(
    save: Callable[[], T],
    typed_form: VersionedForm,
    fresh_form: Callable[[], VersionedForm],
    template: str,
    **context: Any,
) -> Attempt[T]:
    """Run a service's save (which may raise ``StaleEdit`` or ``RuleError``) for an edit form: the saved object;
    or, when someone else saved first, the 409 page of ``stale_response`` with ``fresh_form()``; or the broken
    rule as a problem for the form. The caller commits when ``ok``."""
    try:
        return Attempt(saved=save())
    except StaleEdit as exc:
        return Attempt(conflict=stale_response(exc, typed_form, fresh_form(), template, **context))
    except RuleError as exc:
        return Attempt(problems={exc.field: str(exc)})


def provider_form_page(
    provider: Provider, template: str, *, may_change_kvk: bool, saved_message: str, saved_url: str
) -> ResponseReturnValue:
    """The provider's details form, for the provider itself (its profile, KvK fixed) and for the admin (KvK
    changeable, audit-logged): shows, saves with the row version, or shows the 409 of a stale edit.
    ``saved_message`` may name the saved provider as ``{name}``."""
    session = get_session()
    form = ProviderForm(obj=provider)
    if request.method == "GET":
        form.version.data = str(provider.row_version)
    if form.validate_on_submit():
        data, problems = validate(ProviderInput, form.data)
        if data is not None:
            attempt = attempt_save(
                partial(
                    catalogue.save_provider,
                    session,
                    data,
                    provider,
                    user=current_user,
                    may_change_kvk=may_change_kvk,
                    expected_version=form.expected_version(),
                ),
                form,
                lambda: ProviderForm(formdata=None, obj=provider),
                template,
                provider=provider,
            )
            if attempt.conflict is not None:
                return attempt.conflict
            if attempt.ok:
                session.commit()
                flash(saved_message.format(name=provider.name), "ok")
                return redirect(saved_url)
            problems = attempt.problems
        apply_errors(form, problems)
    return render_template(template, form=form, provider=provider), 400 if form.errors else 200
