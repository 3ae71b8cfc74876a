"""care_specialists_by_load, compiled once per process, lists who the ORM queryset lists, in its order and
with the same open-complaint counts: inactive, on leave, another store's specialists and complaints, closed
complaints, other roles and an excluded user all on the store."""

import pytest

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.complaints.choices import ComplaintStatus
from huifang.complaints.models import Complaint
from huifang.complaints.selectors import _specialists_by_load, care_specialists_by_load

from ..factories import member
from .conftest import intake

pytestmark = pytest.mark.django_db


def _orm(store, exclude=()):
    return list(_specialists_by_load(store_id=store.pk, load_store_id=store.pk, exclude=list(exclude)))


def _seen(users):
    return [(u.pk, u.username, u.open_complaints) for u in users]


def test_the_compiled_list_is_the_querysets(store, other_store, manager):
    busy, idle, spare = (member(store, Role.CARE_SPECIALIST, username=n) for n in ("busy", "idle", "spare"))
    member(store, Role.CARE_SPECIALIST, username="gone", is_active=False)
    member(store, Role.CARE_SPECIALIST, username="away", on_leave=True)
    both = member(other_store, Role.CARE_SPECIALIST, username="both")
    Membership.objects.create(user=both, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
    elsewhere = member(other_store, Role.CARE_SPECIALIST, username="elsewhere")
    for owner in (busy, busy, spare):
        intake(store, manager, owner=owner)
    closed = intake(store, manager, owner=idle)
    Complaint.objects.filter(pk=closed.pk).update(status=ComplaintStatus.CLOSED)
    intake(other_store, elsewhere, owner=elsewhere)
    intake(other_store, elsewhere, owner=both)  # open, but in the other store: not counted here
    mine = care_specialists_by_load(store=store)
    assert _seen(mine) == _seen(_orm(store))
    assert [u.username for u in mine] == ["idle", "both", "spare", "busy"]
    assert [u.open_complaints for u in mine] == [0, 0, 1, 2]
    assert _seen(care_specialists_by_load(store=other_store)) == _seen(_orm(other_store))
    assert _seen(care_specialists_by_load(store=store, exclude=[idle.pk])) == _seen(_orm(store, [idle.pk]))
    assert [u.username for u in care_specialists_by_load(store=store, exclude=[idle.pk])] == ["both", "spare", "busy"]
