"""Absolute links for e-mails and share links, built from config ``BASE_URL`` (``WIJZER_BASE_URL``) and
never from the request's ``Host`` header, so nobody can make the app mail a link to another host.
Works with or without a request (jobs build links too)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, *, config=None, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL under BASE_URL (which may carry a path prefix)."""
    base = urlsplit((config or current_app.config)["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
