"""The call screen's one-row reads (issue 18) decide who sees what exactly as the queryset rules they replace:
the "saved" notice's call as calls_visible_to / call_detail, for every kind of user."""

import pytest
from django.http import Http404

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership, User
from huifang.accounts.selectors import memberships_of
from huifang.workbench import selectors, services

from ..factories import CustomerFactory, member
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db


def test_the_saved_notice_shows_a_call_to_whom_call_detail_shows_it(store, other_store, specialist, manager):
    colleague = member(store, Role.CARE_SPECIALIST, username="colleague")
    group_manager = member(other_store, Role.CARE_SPECIALIST, username="group_manager")
    Membership.objects.create(user=group_manager, role=Role.SERVICE_MANAGER, scope=Scope.GROUP, group=store.group)
    advisor_only = member(store, Role.SERVICE_ADVISOR, username="advisor_only")
    elsewhere = member(other_store, Role.CARE_SPECIALIST, username="elsewhere")
    root = User.objects.create_superuser(username="root", password="x-very-long-pass")
    calls = []
    for caller in (specialist, colleague):
        task = call_task(store, assigned_to=caller, customer=CustomerFactory(store=store))
        calls.append(services.call_record_save(task=task, actor=caller, now=NOW, outcome="refused", comment="<b>"))
    task = call_task(other_store, assigned_to=elsewhere, customer=CustomerFactory(store=other_store))
    calls.append(services.call_record_save(task=task, actor=elsewhere, now=NOW, outcome="refused"))
    seen = {}
    for user in (specialist, colleague, manager, group_manager, advisor_only, elsewhere, root):
        for call in calls:
            try:
                expected = selectors.call_detail(user=user, pk=call.pk)
            except Http404:
                expected = None
            for memberships in (None, memberships_of(user=user)):
                found = selectors.saved_call(user=user, call_id=call.pk, memberships=memberships)
                assert (found is not None) == (expected is not None), (user.username, call.pk)
                if found is not None:
                    shown, problems = found
                    assert (shown.pk, shown.customer.name, shown.outcome, shown.comment) == (
                        expected.pk, expected.customer.name, expected.outcome, expected.comment
                    )  # fmt: skip
                    assert problems == list(expected.problems.all())
            seen[(user.username, call.pk)] = expected is not None
    # the cases are really mixed
    assert seen[("specialist", calls[0].pk)] and not seen[("specialist", calls[1].pk)]
    assert seen[("manager", calls[1].pk)] and seen[("group_manager", calls[0].pk)]
    assert not seen[("advisor_only", calls[0].pk)] and not seen[("manager", calls[2].pk)]
    assert seen[("root", calls[2].pk)]
    # an id no row has, or beyond any row id
    assert selectors.saved_call(user=specialist, call_id=10**12) is None
    assert selectors.saved_call(user=specialist, call_id=2**70) is None


def test_a_saved_notice_with_an_odd_id_is_no_notice(client, specialist, store):
    from django.urls import reverse

    from ..factories import PASSWORD

    task = call_task(store, assigned_to=specialist)
    assert client.login(username=specialist.username, password=PASSWORD)
    for raw in ("²", "0", "-1", "9" * 30):
        response = client.get(reverse("workbench:task", args=[task.pk]) + f"?saved={raw}")
        assert response.status_code == 200 and 'id="wb-saved"' not in response.content.decode()
