"""Schemathesis against a live `rag serve --api-key` (the hash embedder and the prompt-reading fake
model of tests/server_harness.py; its accounts in SQLite, then in PostgreSQL): requests generated
from the server's own OpenAPI schema, for every `/v1` route, with the key. Whatever they hold, no
answer is a 5xx, and every answer matches the schema. The run is bounded (FUZZ_EXAMPLES a route) so that `make test` stays short; raise it
to search longer with new examples: `make fuzz` (RAG_FUZZ_EXAMPLES=1000 a route)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from server_harness import fake_models, live_server

KEY = "fuzz-键"  # not ASCII: the key check must hold for any text
HEADERS = {"Authorization": f"Bearer {KEY}".encode().decode("latin-1")}  # the key's UTF-8 bytes, as sent
FUZZ_EXAMPLES = int(os.environ.get("RAG_FUZZ_EXAMPLES", "50"))
SENT: list[str] = []  # every request's operation, to show the run covered the routes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """The server keeping its accounts in SQLite, then in PostgreSQL, which is stricter (it
    enforces column lengths and refuses NUL characters)."""
    url = request.getfixturevalue("new_postgres_database")() if request.param == "postgresql" else ""
    root = tmp_path_factory.mktemp("fuzz")
    with fake_models(), live_server(root, api_key=KEY, max_file_mb=0.5, database_url=url) as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(server.url + "/openapi.json").include(path_regex="^/v1/")


def fuzz(operation) -> None:
    """FUZZ_EXAMPLES generated requests to one operation (hypothesis shrinks a failure to the
    smallest request that shows it). Driven here rather than by schemathesis' pytest plugin,
    which does not load under pytest 9."""

    @given(case=operation.as_strategy())
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        SENT.append(f"{case.method.upper()} {case.path}")
        case.call_and_validate(headers=HEADERS, timeout=60, checks=[not_a_server_error, response_schema_conformance])

    run()


def test_no_generated_request_gets_a_server_error_or_an_answer_off_the_schema(api_schema):
    SENT.clear()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        fuzz(operation)
    routes = {f"{op.method.upper()} {op.path}" for op in operations}
    assert len(routes) >= 10 and routes == set(SENT)  # every /v1 route was tried
    assert len(SENT) >= 200, f"only {len(SENT)} requests were generated"
    print(f"\n{len(SENT)} generated requests to {len(routes)} routes: no 5xx, every answer on the schema")
