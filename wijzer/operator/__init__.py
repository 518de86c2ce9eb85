from flask import Blueprint

bp = Blueprint("operator", __name__, url_prefix="/beheer/taken")

from wijzer.operator import routes  # noqa: E402,F401
