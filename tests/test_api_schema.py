"""Schemathesis against the app's own OpenAPI document: every operation, positive and negative
examples, no 5xx, every response as documented (status, content type, headers, body).

One test walks all operations (schemathesis' pytest plugin does not run under pytest 9).
API_FUZZ_EXAMPLES sets the examples per operation and mode (default 10, reproducible).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bundler.enums import Role
from tests.api_helpers import make_token
from tests.package_helpers import build, make_story

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    # Shrinking a failure takes minutes; the failing request is reported either way.
    phases=[Phase.explicit, Phase.generate],
)
# Rules no JSON Schema can state (what an answer's status needs, which addresses a callback
# may have) refuse some schema-valid requests with 400 and invalidParams, on purpose.
DOMAIN_RULES = {"PUT /api/v1/wishes/{reference}/answer", "POST /api/v1/subscriptions"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The per-token limit would answer 429 once the examples pile up: fuzz the operations.
    return {**app_config, "API_RATE_LIMIT": "100000 per minute"}


def test_every_operation_positive_and_negative_answers_as_documented(app, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    assert build(app, "JenV") is not None
    headers = {"Authorization": "Bearer " + make_token(app, Role.MINISTRY, ministry="JenV")}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            excluded = [positive_data_acceptance] if operation.label in DOMAIN_RULES else []
            run = _runner(operation.as_strategy(generation_mode=mode), headers, excluded)
            try:
                run()
            except Unsatisfiable:
                # No parameters and no body: nothing to make invalid (a negative run is moot).
                assert mode is GenerationMode.NEGATIVE and not _has_input(operation)
            except Exception as failure:  # collect every operation's failure, then report
                failures.append(f"{operation.label} [{mode.value}]: {failure}"[:3000])
    assert not failures, "\n\n".join(failures)


def _runner(strategy: Any, headers: dict[str, str], excluded: list[Any]) -> Any:
    @SETTINGS
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500
        assert response.headers.get("api-version") == ["1.0.0"]

    return run


def _has_input(operation: Any) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))
