from flask import Blueprint

bp = Blueprint("providers", __name__, url_prefix="/portaal")

from providers import admin, admin_import, confirm, portal, preview, upload  # noqa: E402,F401
