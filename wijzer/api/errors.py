"""The API's one error shape: ``{"error": {"code", "message", "field"}}`` with a status code."""

from __future__ import annotations

from flask import Response, jsonify


def api_error(
    status: int, code: str, message: str, field: str | None = None, **extra
) -> tuple[Response, int]:
    body = {"error": {"code": code, "message": message, "field": field}} | extra
    return jsonify(body), status
