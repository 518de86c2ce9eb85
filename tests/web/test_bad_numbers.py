"""Issue 10 item 7: every integer that reaches a query is bounded. The test walks the whole URL map and
sends huge, negative, empty and non-numeric values to every integer path parameter and to every query
parameter the app reads as a number: 4xx (or a page with a message), never 5xx. New routes are covered
automatically; a new numeric query parameter belongs in NUMERIC_PARAMS."""

from __future__ import annotations

import pytest

BAD = ("99999999999999999999999", "-1", "abc")
# Every query parameter that some view or API reads as a number (or a list of numbers).
NUMERIC_PARAMS = (
    "pagina",
    "page",
    "per_page",
    "ids",
    "limit",
    "offset",
    "age",
    "radius_km",
    "max_wait_weeks",
    "van",
    "tot",
    "from",
    "to",
    "dry_run",
)
SAMPLE = {
    "code": "JZ22",
    "token": "ongeldig",
    "service_id": "x",
    "table": "naleving",
    "fmt": "csv",
    "path:filename": None,
}


def _paths(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        ints = [
            a
            for a, conv in rule._converters.items()
            if type(conv).__name__ in ("IntegerConverter", "BoundedIntConverter")
        ]
        values = {a: "1" for a in rule.arguments}
        values.update({a: SAMPLE.get(a, "x") for a in rule.arguments if a not in ints})
        yield rule, methods, ints, values


def _status(client, url, method="GET", **kwargs) -> str | int:
    """The status code, or the exception (the test app propagates exceptions instead of answering 500)."""
    try:
        return client.open(url, method=method, **kwargs).status_code
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


def _bad(status) -> bool:
    return not isinstance(status, int) or status >= 500


def _url(rule, values) -> str:
    url = rule.rule
    for name, value in values.items():
        for conv in ("int:", "path:", ""):
            url = url.replace(f"<{conv}{name}>", str(value))
    return url


@pytest.fixture
def clients(app, make_user):
    admin = make_user("admin")
    anonymous, logged_in = app.test_client(), app.test_client()
    assert (
        logged_in.post(
            "/inloggen", data={"email": admin.email, "password": "Correct-Paard-Nietje-42"}
        ).status_code
        == 302
    )
    return {"anonymous": anonymous, "admin": logged_in}


def test_integer_path_parameters_never_give_a_server_error(app, clients):
    failures = []
    for rule, methods, ints, values in _paths(app):
        for arg in ints:
            for bad in ("99999999999999999999999", "2147483648", "9223372036854775808"):
                url = _url(rule, values | {arg: bad})
                for method in methods:
                    for who, client in clients.items():
                        status = _status(client, url, method)
                        if _bad(status):
                            failures.append(f"{method} {url} as {who}: {status}")
    assert not failures, "\n".join(failures)


def test_numeric_query_parameters_never_give_a_server_error(app, clients):
    failures = []
    for rule, methods, _ints, values in _paths(app):
        if "GET" not in methods:
            continue
        base = _url(rule, values)
        for param in NUMERIC_PARAMS:
            for bad in BAD:
                status = _status(
                    clients["admin"], base, query_string={param: bad}
                )  # admin reaches every page
                if _bad(status):
                    failures.append(f"GET {base}?{param}={bad}: {status}")
    assert not failures, "\n".join(failures)


def test_out_of_range_values_get_a_clear_message(client):
    html = client.get("/?postcode=3511&radius_km=0.5").get_data(as_text=True)
    assert "tussen 1 en 250 km" in html
    api = client.get("/api/v1/search", query_string={"postcode": "3511", "radius_km": "0.5"})
    assert api.status_code == 400 and api.get_json()["error"]["field"] == "radius_km"
    shared = client.get("/lijst/delen?ids=99999999999999999999999")
    assert shared.status_code == 400


def test_page_beyond_the_last_says_so(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/portaal/beheer?pagina=999")
    assert page.status_code == 404 and "pagina" in page.get_data(as_text=True).lower()
