"""The app's JSON (``jsonify``, ``app.json``, the ``tojson`` filter) written by orjson instead of the standard library.

A search's answer of 20 results is ~20 KB of JSON: the standard library's encoder took ~0.15 ms of each search
request for it (with the sorted keys Flask asks for), orjson ~0.02 ms. The output means the same JSON as before:
the same keys in the same (sorted) order, the same values; dates and datetimes, dataclasses and the other types
orjson would write its own way go through Flask's own ``default`` as before (``date`` as an HTTP date). Only the
spelling differs where JSON allows two: text is UTF-8 instead of ``\\uXXXX`` escapes, exponents are written
``1e-5`` instead of ``1e-05``; and a float that is not a number is written ``null``, where the standard library
wrote ``NaN``, which is no JSON at all. What orjson cannot write goes to the standard library (``_dump_bytes``).
Reading JSON (``request.get_json``) is the standard library's, unchanged, so the API's messages about malformed
bodies stay as they are.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

_ALWAYS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# Arguments of json.dumps that orjson's options cover; any other (cls=, allow_nan= …) goes to the standard library.
_COVERED = frozenset({"default", "ensure_ascii", "sort_keys", "indent", "separators"})


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default JSON provider with orjson writing (its ``default``, ``sort_keys`` and ``compact`` apply)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._dump_bytes(obj, kwargs).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        pretty = self.compact is False or (self.compact is None and self._app.debug)
        body = self._dump_bytes(obj, {"indent": 2} if pretty else {"separators": (",", ":")})
        response_class = cast("type[Response]", self._app.response_class)  # typed as the sansio base class
        return response_class(body + b"\n", mimetype=self.mimetype)

    def _dump_bytes(self, obj: Any, kwargs: dict[str, Any]) -> bytes:
        if (
            not _COVERED.issuperset(kwargs)
            or kwargs.get("indent") not in (None, 2)
            or kwargs.get("separators") not in (None, (",", ":"))
        ):
            return super().dumps(obj, **kwargs).encode()
        option = _ALWAYS
        if kwargs.get("sort_keys", self.sort_keys):
            option |= orjson.OPT_SORT_KEYS
        if kwargs.get("indent") == 2:
            option |= orjson.OPT_INDENT_2
        try:
            return orjson.dumps(obj, default=kwargs.get("default", self.default), option=option)
        except orjson.JSONEncodeError:
            # what orjson refuses and the standard library writes: a lone surrogate in text (it can come in through
            # request.get_json and be echoed in an error), integers beyond 64 bits, tuple or float subclasses,
            # very deep nesting
            return super().dumps(obj, **kwargs).encode()


def init_app(app: Flask) -> None:
    """Before anything renders a template: Flask hands ``app.json.dumps`` to Jinja's ``tojson`` when it makes the
    template environment, on first use."""
    app.json = OrjsonProvider(app)
