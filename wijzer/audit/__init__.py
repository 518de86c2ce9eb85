from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/regio")

from wijzer.audit import routes  # noqa: E402,F401
