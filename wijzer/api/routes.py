"""JSON API."""
from flask import jsonify
from sqlalchemy import text

from wijzer.api import bp
from wijzer.db import get_session


@bp.get("/health")
def health():
    get_session().exec(text("SELECT 1"))
    return jsonify({"status": "ok"})
