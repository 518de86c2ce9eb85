"""The app's JSON is written by orjson (wijzer/jsonio.py) and means exactly what Flask's own JSON meant."""

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import jsonify, render_template_string
from flask.json.provider import DefaultJSONProvider

from wijzer.jsonio import OrjsonProvider


@dataclasses.dataclass
class _Point:
    lat: float
    lon: float


VALUE = {
    "zorg": "Logeeropvang in Utrecht — café ‘De Linde’",
    "b": [1, 2.5, 1e-05, 1e16, None, True],
    "a": {"z": 1, "y": {"x": [], "w": {}}},
    "date": date(2026, 12, 7),
    "at": datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC),
    "naive": datetime(2026, 12, 7, 6, 30),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": Decimal("12.50"),
    "point": _Point(52.09, 5.12),
}


def test_the_app_writes_json_with_orjson(app):
    assert isinstance(app.json, OrjsonProvider)


def test_the_same_json_as_flasks_own_provider(app):
    ours, flasks = app.json, DefaultJSONProvider(app)
    with app.app_context():
        for value in (VALUE, [VALUE, VALUE], {3: "numbers as keys", 1: "x"}, "tekst", 12, None, [], {}):
            assert json.loads(ours.dumps(value)) == json.loads(flasks.dumps(value))
        # keys sorted as Flask sorts them (its sort_keys), dates as Flask writes them (HTTP dates)
        assert json.loads(ours.dumps({"b": 1, "a": 2})) == {"a": 2, "b": 1}
        assert ours.dumps({"b": 1, "a": 2}) == '{"a":2,"b":1}'
        assert json.loads(ours.dumps(date(2026, 12, 7))) == "Mon, 07 Dec 2026 00:00:00 GMT"
        # arguments orjson has no option for go to the standard library, as before
        assert ours.dumps({"a": float("nan")}, allow_nan=True) == flasks.dumps(
            {"a": float("nan")}, allow_nan=True
        )
        assert ours.dumps({"a": 1}, indent=4) == flasks.dumps({"a": 1}, indent=4)
        assert ours.dumps({"a": [1]}, separators=(", ", ": ")) == flasks.dumps(
            {"a": [1]}, separators=(", ", ": ")
        )


def test_responses_are_utf8_json_with_a_trailing_newline(app):
    with app.test_request_context():
        response = jsonify(VALUE)
        assert response.mimetype == "application/json"
        body = response.get_data()
        assert body.endswith(b"}\n")
        assert "café ‘De Linde’".encode() in body  # UTF-8, not \\u escapes
        with app.app_context():
            assert json.loads(body) == json.loads(DefaultJSONProvider(app).dumps(VALUE))


def test_debug_mode_pretty_prints_as_flask_does(app):
    app.debug = True
    try:
        with app.test_request_context():
            body = jsonify({"b": 1, "a": [1]}).get_data(as_text=True)
    finally:
        app.debug = False
    assert body == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_tojson_in_templates_stays_html_safe(app):
    with app.test_request_context():
        html = render_template_string(
            "<script type=application/json>{{ data|tojson }}</script>",
            data={"naam": "</script><script>alert('x')</script> & café"},
        )
    assert "</script><script>" not in html
    assert html.count("</script>") == 1
    inner = html.removeprefix("<script type=application/json>").removesuffix("</script>")
    assert json.loads(inner) == {"naam": "</script><script>alert('x')</script> & café"}


def test_what_orjson_refuses_is_written_as_before(app):
    """A lone surrogate (``request.get_json`` reads one from ``"\\ud800"`` and an API error may echo it back), an
    integer beyond 64 bits, a namedtuple: the standard library writes them, so the app does too (no 500)."""
    from collections import namedtuple

    ours, flasks = app.json, DefaultJSONProvider(app)
    pair = namedtuple("pair", "a b")
    with app.app_context():
        for value in ({"sleutel": "\ud800"}, {"n": 2**70}, {"p": pair(1, 2)}):
            assert ours.dumps(value) == flasks.dumps(value)
    with app.test_request_context():
        assert jsonify({"sleutel": "\ud800"}).get_data() == b'{"sleutel":"\\ud800"}\n'


def test_an_api_error_that_echoes_a_lone_surrogate_is_a_400(client, session, make_user):
    """Regression: orjson refused the lone surrogate that the alerts API echoes as an unknown field (a 500)."""
    from wijzer.services import accounts

    _, token = accounts.create_api_token(session, make_user("referrer"), "t")
    session.commit()
    response = client.post(
        "/api/v1/alerts",
        data='{"\\ud800": 1}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"]
