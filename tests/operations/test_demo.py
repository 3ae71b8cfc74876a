import pytest

from huifang.operations.demo import operations_demo_seed
from huifang.operations.models import ClubEvent, LoungeChecklist

from ..factories import CustomerFactory
from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_a_fortnight_with_two_gaps_and_is_idempotent(store, specialist):
    CustomerFactory.create_batch(4, store=store)
    first = operations_demo_seed(store=store, now=NOW)
    again = operations_demo_seed(store=store, now=NOW)
    assert first == {"checklists": 12, "members": 4, "events": 1}
    assert again == {"checklists": 0, "members": 0, "events": 0}
    assert LoungeChecklist.objects.filter(store=store, signed_at__isnull=False).count() == 12
    assert ClubEvent.objects.get(store=store).signups.count() == 3
