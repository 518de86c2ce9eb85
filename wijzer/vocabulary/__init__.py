"""Admin page for the extendable vocabularies (/beheer/vocabulaires) and the refresh of the
``wijzer.domain`` dicts from the table (see ``wijzer.services.vocabulary``)."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, current_app

bp = Blueprint("vocabulary", __name__, url_prefix="/beheer/vocabulaires")


def _refresh_if_due(sender: Flask, **_: object) -> None:
    """When an app context is pushed (every request, every CLI command, every job): the first time for an
    app, then at most every VOCABULARY_REFRESH_SECONDS."""
    from sqlalchemy.exc import SQLAlchemyError

    from wijzer.db import get_session
    from wijzer.services.vocabulary import refresh_domain

    if sender is not current_app._get_current_object():  # type: ignore[attr-defined]
        return
    state = current_app.extensions.setdefault("wijzer_vocabulary", {"loaded_at": None})
    now = time.monotonic()
    interval = current_app.config.get("VOCABULARY_REFRESH_SECONDS", 60)
    if state["loaded_at"] is not None and now - state["loaded_at"] < interval:
        return
    state["loaded_at"] = now
    session = get_session()
    try:
        refresh_domain(session)
    except SQLAlchemyError as exc:  # no table yet (before setup) or database down: keep the current terms
        session.rollback()
        current_app.logger.info("vocabularies not refreshed: %s", type(exc).__name__)


def init_app(app: Flask) -> None:
    from flask import appcontext_pushed

    from wijzer.vocabulary.cli import vocabulary_cli

    appcontext_pushed.connect(_refresh_if_due, app)
    app.register_blueprint(bp)
    app.cli.add_command(vocabulary_cli)


from wijzer.vocabulary import routes  # noqa: E402,F401
