"""schemathesis against the OpenAPI schema: generated requests (valid and invalid) never get a 5xx, and every
answer matches the documented status codes, content types and schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from engine.messages import has_chinese, leaks

schema = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@pytest.fixture(scope="session")
def api_schema(app, keys):
    # A reindex rebuilds the shared test index (a minute of work): it has its own test.
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/v1/admin/reindex")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, keys):
    response = case.call_and_validate(headers={"X-API-Key": keys["staff"]}, checks=CHECKS)
    if 400 <= response.status_code < 500:  # every error a person may read is Chinese and names no server path
        error = response.json()["error"]
        for message in [error["message"], *error.get("details", [])]:
            assert has_chinese(message) and not leaks(message), (case.method, case.path, error)
