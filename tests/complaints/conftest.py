from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership

from ..factories import UserFactory, member

SH = ZoneInfo("Asia/Shanghai")
# Complaint tests run from Wednesday 25 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="advisor")


@pytest.fixture
def oem(store):
    """The manufacturer's regional manager of the store's region."""
    user = UserFactory(username="oem", email="oem@example.com")
    Membership.objects.create(user=user, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    return user


def intake(store, actor, now=NOW, **kwargs):
    from huifang.complaints.services import complaint_intake

    values = {"channel": "phone", "category": "SA", "content": "保养后车辆有异响", "customer_name": "王五"}
    values.update(kwargs)
    complaint, _created = complaint_intake(store=store, actor=actor, now=now, **values)
    return complaint
