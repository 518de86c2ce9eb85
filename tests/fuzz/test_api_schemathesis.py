"""Schemathesis against /api/v1/openapi.json: no 5xx and no response that breaks the documented schema.

Checked: no server error, responses (status, content type, headers, body) as documented, and the Allow
header on 405. Not checked: that every schema-valid request is accepted, because some are refused for
what they mean rather than their form (a well-formed but unknown postcode is a documented 400).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wijzer import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    allow_header_conformance,
]


@pytest.fixture
def api_app(app, session, make_provider, make_location, make_offering, report):
    p = make_provider(kvk="11111111")
    for ref, pc in (("A", "3511"), ("B", "1012")):
        report(
            make_offering(p, make_location(p, postcode=pc), ref=ref),
            free_places=1,
            wait_intake=2,
            intake_status="open",
        )
    return app


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False, "SECRET_KEY": "t"}),
)


@schema.include(method="GET").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, api_app):
    response = case.call(app=api_app)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
