"""View helpers shared by the portal and the admin pages of the providers blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import render_template
from flask.typing import ResponseReturnValue

from providers.forms import VersionedForm
from wijzer.db import get_session
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
