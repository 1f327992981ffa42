"""Schemathesis over the OpenAPI spec: whatever the input, no endpoint answers 5xx.

Driven through Hypothesis directly: schemathesis's pytest plugin does not run under
pytest 9 yet. Each operation gets generated cases, signed in as a registered
participant of a real event, so the paths and bodies reach the business rules.
"""

from __future__ import annotations

import schemathesis

# Imported here, at collection, rather than lazily inside the test: pytest rewrites
# schemathesis's modules as it imports them (it is a pytest plugin), and CPython 3.11's
# AST constructor can fail ("recursion depth mismatch") when that happens deep in a stack.
import schemathesis.specs.openapi.schemas
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from tests.factories import create_event, create_user
from tests.server.conftest import api_headers, iris_problem, join

EXAMPLES_PER_OPERATION = 20


def test_no_endpoint_answers_a_server_error(app: FastAPI, session: Session) -> None:
    event = create_event(session, name="fuzz", problem=iris_problem(session))
    user = create_user(session, username="fuzzer")
    join(session, event, user)
    headers = api_headers(session, user)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                case.body,
                response.text[:300],
            )

        check()
