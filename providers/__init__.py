from flask import Blueprint

bp = Blueprint("providers", __name__, url_prefix="/portaal")

from providers import confirm, routes, upload  # noqa: E402,F401
