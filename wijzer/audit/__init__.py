from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/regio")


@bp.app_template_global()
def provider_trust_hint():
    """The portal's quiet trust hint for the logged-in provider (templates/providers/_trust_hint.html)."""
    from flask import current_app
    from flask_login import current_user

    from wijzer.db import get_session
    from wijzer.services.trends import provider_trust_hint as hint
    from wijzer.timeutil import utcnow

    if not getattr(current_user, "is_authenticated", False) or not getattr(current_user, "provider_id", None):
        return None
    return hint(
        get_session(),
        current_user.provider_id,
        utcnow(),
        current_app.config,
        current_app.extensions.setdefault("wijzer_trust_hints", {}),
    )


from wijzer.audit import routes  # noqa: E402,F401
