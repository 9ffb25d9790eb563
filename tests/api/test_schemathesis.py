"""Schemathesis runs cases generated from the served OpenAPI schema: none is a server error.

The WSGI app runs in-process on the test database, so the data made here is what it reads.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.api import api
from portfolio.models import Alignment, CouncilGoal
from portfolio.wsgi import application
from tests.api.conftest import make_token
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative, make_update


@pytest.fixture
def keep_connection():
    """Called as a WSGI app, Django closes the database connection around each request (on
    PostgreSQL that ends the test's transaction); Django's test client disconnects the same."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(keep_connection, office, head, own_department, other_department, settings):
    # The test client of schemathesis calls the app as http://localhost.
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    goal = CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1)
    CouncilGoal.objects.create(title="Klimat", weight=Decimal("0"), order=2)
    for n, department in enumerate([own_department, other_department] * 3):
        initiative = make_initiative(
            department, ref=f"DIG-2026-{n:03d}", budget=n * 100_000, stage="pilot"
        )
        make_update(initiative, head, health="amber")
        Alignment.objects.create(initiative=initiative, goal=goal, score=n % 6)
        benefit = make_benefit(initiative, valued_at_hourly_rate=n % 2 == 0)
        measure(benefit, TODAY - dt.timedelta(days=n + 1), n * 10, head)
    make_initiative(own_department, ref="OLD-1", archived_at="2026-01-01T00:00Z")
    return make_token(office)


def test_the_served_schema_is_the_apis(api_as, executive):
    served = api_as(executive).get("/api/v1/openapi.json").json()
    assert served == json.loads(json.dumps(api.get_openapi_schema()))


# schemathesis.pytest.from_fixture would be the natural fit, but schemathesis 4.32 reads
# request.node._nodeid, which pytest 9 no longer has; so the test drives Hypothesis itself with
# each operation's strategy, positive (valid per the schema) and negative (invalid) cases alike.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_is_a_server_error(token, mode):
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        if (
            mode == GenerationMode.NEGATIVE
            and not operation.query
            and not operation.path_parameters
        ):
            continue  # nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        run()
