from flask import Blueprint

bp = Blueprint("search", __name__)

from wijzer.search import routes  # noqa: E402,F401


@bp.app_template_filter("weken")
def weeks_nl(n) -> str:
    """1 -> '1 week', 3 -> '3 weken' (None -> 'onbekend')."""
    if n is None:
        return "onbekend"
    return "1 week" if n == 1 else f"{n} weken"


from wijzer.search import alerts  # noqa: E402,F401
