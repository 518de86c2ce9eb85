"""Plaatsingsverzoek pages: referrers under /verzoeken, providers under /portaal/verzoeken, region
figures under /regio/<code>/plaatsingsverzoeken."""

from flask import Blueprint

bp = Blueprint("placement", __name__)

from wijzer.placement import routes  # noqa: E402,F401
