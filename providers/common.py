"""View helpers shared by the portal and the admin pages of the providers blueprint."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue

from providers.forms import VersionedForm
from wijzer.db import get_session
from wijzer.services.catalogue import StaleEdit


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
