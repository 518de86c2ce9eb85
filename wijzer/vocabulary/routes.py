"""Admins list the vocabularies and add a term. Parse -> service -> commit -> refresh -> render."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.services import auditlog, vocabulary
from wijzer.vocabulary import bp
from wijzer.vocabulary.forms import TermForm


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    session = get_session()
    form = TermForm()
    if form.validate_on_submit():
        try:
            term = vocabulary.add_term(
                session, form.vocabulary.data or "", form.code.data or "", form.label.data or ""
            )
        except vocabulary.VocabularyError as exc:
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [exc.message]
            else:
                flash(exc.message, "error")
        else:
            auditlog.record(
                session,
                action="vocabulary.add",
                entity="vocabulary_term",
                entity_id=term.id,
                user=current_user,
                detail={"vocabulary": term.vocabulary, "code": term.code, "label": term.label},
            )
            session.commit()
            vocabulary.refresh_domain(session)
            flash(
                f"'{term.label}' ({term.code}) is toegevoegd aan {vocabulary.VOCABULARIES[term.vocabulary][0]}.",
                "success",
            )
            return redirect(url_for("vocabulary.index"))
    return render_template(
        "vocabulary/index.html",
        form=form,
        lists=vocabulary.terms(session),
        titles={k: v[0] for k, v in vocabulary.VOCABULARIES.items()},
    ), 200 if not form.errors else 400
