"""core.compiled: a queryset compiled once per process must give the rows, values and related objects its own
iteration gives, for any id, on odd data (missing related rows, nulls, annotations, deferred columns)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count

from huifang.archive.models import Contact, RepairOrderLine
from huifang.core.compiled import CompiledQuery
from huifang.followups.models import FollowUpTask
from huifang.workbench import selectors
from huifang.workbench.models import StoreSettingsVersion

from ..factories import CustomerFactory
from ..workbench.factories import NOW, call_task

pytestmark = pytest.mark.django_db

RELATED = ("store", "customer", "vehicle", "repair_order", "repair_order__advisor", "assigned_to")


def values(obj) -> dict:
    """Every concrete column of an instance, as loaded."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def same(compiled_rows, orm_rows, related=()):
    assert [type(r) for r in compiled_rows] == [type(r) for r in orm_rows]
    assert [values(r) for r in compiled_rows] == [values(r) for r in orm_rows]
    for a, b in zip(compiled_rows, orm_rows, strict=True):
        for path in related:
            x, y = a, b
            for name in path.split("__"):
                x, y = getattr(x, name) if x is not None else None, getattr(y, name) if y is not None else None
            assert (None if x is None else values(x)) == (None if y is None else values(y)), path


@pytest.fixture
def tasks(store, specialist, advisor_user):
    with_everything = call_task(store, assigned_to=specialist, advisor=advisor_user)
    # no vehicle, no repair order, nobody assigned, a call-back time, odd text
    bare = call_task(store, kind="complaint_follow_up", customer=CustomerFactory(store=store, name="<b>&'\"</b>"))
    FollowUpTask.objects.filter(pk=bare.pk).update(next_call_at=NOW + timedelta(hours=1), subject="带\n换行")
    return [with_everything, bare]


@pytest.fixture
def advisor_user(store):
    from huifang.accounts.choices import Role

    from ..factories import member

    return member(store, Role.SERVICE_ADVISOR, username="advisor_w")


def test_select_related_and_annotations_come_out_as_the_queryset_gives_them(tasks, django_assert_num_queries):
    def build(task_id):
        return FollowUpTask.objects.select_related(*RELATED).annotate(n=Count("attempts")).filter(pk=task_id)

    compiled = CompiledQuery(build, "task_id")
    for task in tasks:
        expected = list(build(task.pk))
        # one query, and the related objects are set as select_related sets them: none to read them
        with django_assert_num_queries(1):
            rows = compiled(task_id=task.pk)
            same(rows, expected, related=RELATED)
        assert rows[0].n == expected[0].n == 0
    assert compiled(task_id=10**12) == []


def test_the_call_screen_task_is_task_workable_with_its_settings_token(tasks, specialist, django_assert_num_queries):
    for task in tasks:
        task.refresh_from_db()
        FollowUpTask.objects.filter(pk=task.pk).update(assigned_to=specialist)
        expected, roles = selectors.task_workable(
            user=specialist, task_id=task.pk, now=NOW, related=RELATED, attempts=True
        )
        with django_assert_num_queries(2):  # the row, and the user's roles in its store
            found, found_roles = selectors.task_for_call(user=specialist, task_id=task.pk, now=NOW)
            same([found], [expected], related=RELATED)
        assert found_roles == roles and found.attempts_count == expected.attempts_count
        token = StoreSettingsVersion.objects.filter(store_id=task.store_id).values_list("token", flat=True).first()
        assert found.settings_token == token


def test_ordering_slices_and_nulls(store):
    customer = CustomerFactory(store=store)
    Contact.objects.create(customer=customer, role="driver", name="乙", phone="")
    Contact.objects.create(customer=customer, role="driver", name="甲", phone="+8613900001111", extension="8")
    Contact.objects.create(customer=customer, role="fleet_manager", name="丙")
    other = CustomerFactory(store=store)
    Contact.objects.create(customer=other, role="driver", name="丁")

    def build(customer_id):
        return Contact.objects.filter(customer_id=customer_id).order_by("role", "name", "id")[:2]

    compiled = CompiledQuery(build, "customer_id")
    for c in (customer, other):
        same(compiled(customer_id=c.pk), list(build(c.pk)))
    assert [c.name for c in compiled(customer_id=customer.pk)] == [c.name for c in build(customer.pk)]


def test_decimals_dates_and_deferred_columns(store, specialist):
    task = call_task(store, assigned_to=specialist, amount=Decimal("1234.56"))

    def lines(ro_id):
        return RepairOrderLine.objects.filter(repair_order_id=ro_id).order_by("-position")

    same(CompiledQuery(lines, "ro_id")(ro_id=task.repair_order_id), list(lines(task.repair_order_id)))

    def deferred(task_id):
        return (
            FollowUpTask.objects.select_related("rule")
            .only("id", "due_at", "rule__max_failed_attempts")
            .filter(pk=task_id)
        )

    with transaction.atomic():
        row = CompiledQuery(deferred, "task_id")(task_id=task.pk)[0]
    expected = deferred(task.pk).get()
    assert row.get_deferred_fields() == expected.get_deferred_fields()
    assert (row.due_at, row.rule.max_failed_attempts) == (expected.due_at, expected.rule.max_failed_attempts)


def test_an_id_that_is_not_a_parameter_is_refused(store):
    with pytest.raises(ValueError):
        CompiledQuery(lambda task_id: FollowUpTask.objects.filter(pk__gt=0), "task_id")(task_id=1)
    with pytest.raises(TypeError):
        CompiledQuery(lambda task_id: FollowUpTask.objects.filter(pk=task_id), "task_id")(other=1)
