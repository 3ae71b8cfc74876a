from datetime import timedelta

import pytest
from django.core.cache import cache

from huifang.accounts.choices import Role
from huifang.followups.choices import TaskStatus
from huifang.followups.models import FollowUpTask

from ..factories import CustomerFactory, member
from ..workbench.factories import NOW, call_task


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # The locmem cache outlives a test, and the frozen clock keeps every test in one rate-limit window.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="advisor", display_name="王顾问")


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="张三", mobile="+8613800138000", email="zhang@example.com")


def unreachable_task(store, *, customer=None, advisor=None, closed_at=NOW, key=None):
    """A post-service call closed as unreachable at `closed_at` (as the sweep finds it)."""
    task = call_task(store, customer=customer, advisor=advisor, key=key)
    FollowUpTask.objects.filter(pk=task.pk).update(status=TaskStatus.UNREACHABLE, closed_at=closed_at)
    task.refresh_from_db()
    return task


@pytest.fixture
def task(store, customer, advisor):
    return unreachable_task(store, customer=customer, advisor=advisor, closed_at=NOW - timedelta(hours=1))
