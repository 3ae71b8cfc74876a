"""Schemathesis fuzzes every operation of the OpenAPI API in-process: no input may cause a server error.

Issue 8 §8. Runs over the WSGI app as a signed-in care director with a bearer token, a few examples per
operation so the whole API takes well under a minute.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from huifang.accounts.choices import Role
from huifang.accounts.models import ApiToken
from huifang.wsgi import application

from ..factories import CustomerFactory, StoreFactory, member

# The coverage phase alone sends dozens of boundary cases per operation (minutes in all); the fuzzing
# phase with a few examples each, valid and invalid, keeps the run short.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)
EXAMPLES_PER_OPERATION = 4


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, which would end the test's
    transaction on PostgreSQL; Django's own test client disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db):
    store = StoreFactory(code="SZ01", name="深圳测试斯柯达4S店")
    director = member(store, Role.CARE_DIRECTOR, username="fuzz-director")
    CustomerFactory.create_batch(2, store=store)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=director, name="schemathesis", key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return {"Authorization": f"Bearer {key}"}


def test_openapi_schema_lists_the_api():
    operations = list(schema.get_all_operations())
    assert len(operations) > 40


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_has_no_server_errors(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
