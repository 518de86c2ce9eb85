"""Schemathesis on POST /api/v1/capacity, with a provider's API key: generated records (from the
CapacityRecord component, itself generated from CapacityInput) never give a server error, and every answer
has a documented status and matches the documented body (CapacityResult or Error).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from wijzer import create_app
from wijzer.services import accounts

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False, "SECRET_KEY": "t"}),
)


@pytest.fixture
def capacity_auth(
    app: Any, session: Any, make_provider: Any, make_location: Any, make_offering: Any, make_user: Any
) -> dict[str, str]:
    p = make_provider(kvk="11111111")
    make_offering(p, make_location(p), ref="A-1")
    _, plain = accounts.create_api_token(session, make_user("provider", provider=p), "fuzz")
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


@schema.include(path="/api/v1/capacity", method="POST").parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_capacity_post_conforms_to_its_document(case: Any, app: Any, capacity_auth: dict[str, str]) -> None:
    response = case.call(app=app, headers=capacity_auth)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=CHECKS)
