"""Every operation of the admin API fuzzed from its own OpenAPI schema (schemathesis' pytest integration).

The app is the one the composition root builds (`root.api`), reached in-process over ASGI with the admin token,
on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL). Checks: no 5xx, every status code
documented, every body of the documented content type and matching its schema. Data is seeded first and path
ids are drawn from it as well as at random, so the routes reach their real code paths, not only 404s.

`API_FUZZ_EXAMPLES` raises the number of generated examples per operation for a deeper (slower) run.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.root import build_root
from core.settings import Settings
from tests.api.fuzz_host import HostedRoot
from tests.conftest import ADMIN_TOKEN

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# answers given before a route's use case runs: the token, the method, the shape of the input
AT_THE_DOOR = {401, 405, 413, 415, 422}

settings.register_profile("api-fuzz", max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)

# POST /kb/import takes a zip of the Markdown export as well: sent as the raw bytes generated
schemathesis.serializer.alias("application/zip", "application/octet-stream")

# operation label ("GET /api/v1/tickets/{ticket_id}") -> status codes answered, filled by the fuzz test
CALLS: dict[str, Counter[int]] = defaultdict(Counter)


def _schema_app() -> FastAPI:
    """The root's API as the composition root builds it; only its schema is read (no database is opened)."""
    placeholder = build_root(Settings(database_url="sqlite+aiosqlite:///:memory:", admin_api_token=ADMIN_TOKEN,
                                      bot_token=None, kb_meaning=False, _env_file=None), with_bot=False)
    assert placeholder.api is not None
    return placeholder.api


SCHEMA_APP = _schema_app()
schema = schemathesis.openapi.from_dict(SCHEMA_APP.openapi())


@pytest.fixture(scope="module")
def hosted(database_url: str) -> Iterator[HostedRoot]:
    """The root on the suite's database, started (migrations, seed) by the first request on schemathesis' loop."""
    app = HostedRoot(Settings(database_url=database_url, admin_api_token=ADMIN_TOKEN, bot_token=None,
                              kb_seed_sample=False, _env_file=None))
    app.draw_ids_from_seed(schema)
    yield app
    asgi.shutdown_lifespans()  # the root's teardown: tables emptied, engine disposed


@schema.parametrize()
@settings(settings.get_profile("api-fuzz"))
def test_no_server_error_and_every_answer_documented(case: schemathesis.Case, hosted: HostedRoot) -> None:
    response = case.call_and_validate(app=hosted, headers=AUTH, checks=CHECKS)
    CALLS[case.operation.label][response.status_code] += 1


def test_every_operation_of_the_schema_was_exercised(hosted: HostedRoot) -> None:
    """Runs after the fuzz test (file order): every operation of the schema was called and
    got past the door (auth, method, body parsing) into its use case at least once."""
    assert hosted.api.openapi() == SCHEMA_APP.openapi()  # the fuzzed schema is the served one
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    assert len(operations) > 40
    assert set(CALLS) == operations, sorted(operations ^ set(CALLS))
    print(f"\n{len(operations)} operations, {sum(sum(c.values()) for c in CALLS.values())} requests")
    for label, codes in sorted(CALLS.items()):
        print(label, dict(sorted(codes.items())))
    only_refused = sorted(label for label, codes in CALLS.items() if not set(codes) - AT_THE_DOOR)
    assert not only_refused, only_refused
