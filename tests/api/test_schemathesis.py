"""Property-based test of the whole read API from its own OpenAPI schema:
whatever schemathesis generates (within the schema and beyond it, a bounded
number of examples per operation), no request gives a server error."""

import pytest
import schemathesis
from django.contrib.gis.geos import Point
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from registry.services import camera_create, load_reference_data

pytestmark = pytest.mark.django_db


EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI app; like Django's test client, keep
    it from closing the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, keep_test_connection):
    load_reference_data()
    for n in range(3):
        camera_create(
            location=Point(-87.6 + n / 100, 41.9, srid=4326),
            actor=None,
            kind="ALPR",
            vendor_raw="Flock Safety",
            directions=[float(n * 90)],
        )
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


def test_no_request_gives_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            case.call_and_validate(checks=[not_a_server_error])

        no_server_error()

    assert len(operations) >= 12
