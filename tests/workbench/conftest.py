import pytest

from huifang.accounts.choices import Role

from ..factories import member


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="advisor", display_name="王顾问")
