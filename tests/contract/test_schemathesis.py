"""schemathesis against a live gunicorn, from the OpenAPI document it serves: for every operation,
valid and invalid requests; no answer is a 5xx, and every answer conforms to the document (status,
content type, headers, body).

Driven through schemathesis's Python API rather than its pytest plugin (`from_fixture`), which does
not run under pytest 9. `CONTRACT_EXAMPLES` sets the examples per operation and mode (CI: 25).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]


def _fuzz(operation: Any, mode: GenerationMode, check: Callable[[Any], None]) -> int:
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run: a failure can be replayed
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        sent.append(case)
        check(case)

    run()
    return len(sent)


def test_valid_requests_get_documented_answers_and_no_5xx(api_schema, auth, server):
    cases = 0
    for operation in _operations(api_schema):
        cases += _fuzz(
            operation,
            GenerationMode.POSITIVE,
            lambda case: case.call_and_validate(headers=auth, checks=CHECKS),
        )
    print(f"schemathesis: {cases} valid cases")
    assert cases >= EXAMPLES  # every operation was exercised


def test_invalid_requests_are_refused_with_a_documented_4xx(api_schema, auth, server):
    """Malformed bodies, parameters and types: a 4xx in the error shape, never a 5xx or a 2xx."""
    cases, unsatisfiable = 0, []
    for operation in _operations(api_schema):
        if not (operation.body or operation.query or operation.path_parameters):
            continue  # nothing a client can get wrong
        try:
            cases += _fuzz(
                operation,
                GenerationMode.NEGATIVE,
                lambda case: case.call_and_validate(
                    headers=auth, checks=[*CHECKS, negative_data_rejection]
                ),
            )
        except Unsatisfiable:  # e.g. a lone string path parameter: no value of it is invalid
            unsatisfiable.append(f"{operation.method.upper()} {operation.path}")
    print(f"schemathesis: {cases} invalid cases (none possible for {unsatisfiable})")
    assert cases >= EXAMPLES


def test_requests_without_a_key_are_refused(api_schema, auth, server):
    """With a key configured, every /v1 operation answers 401 to a request without one."""
    for operation in _operations(api_schema):
        if not operation.path.startswith("/v1/"):
            continue

        def refused(case: Any) -> None:
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code == 401, (case.method, case.formatted_path)

        _fuzz(operation, GenerationMode.POSITIVE, refused)
