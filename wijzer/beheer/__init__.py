"""Rollout pages: region settings, accounts (invitations, users, self-registration) and the audit log."""

from flask import Blueprint

bp = Blueprint("beheer", __name__)

from wijzer.beheer import routes  # noqa: E402,F401
