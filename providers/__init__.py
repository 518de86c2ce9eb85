from flask import Blueprint

bp = Blueprint("providers", __name__, url_prefix="/portaal")

from providers import admin_import, confirm, preview, routes, upload  # noqa: E402,F401
