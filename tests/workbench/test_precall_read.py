"""workbench.precall_read: the call screen's one statement gives the lines, people, earlier calls and
complaints selectors.precall_for reads as model instances, value for value and in the same order, and the same
flags, scripts and page from them."""

from datetime import timedelta
from decimal import Decimal

import pytest

from huifang.archive.choices import ContactRole, CustomerKind
from huifang.archive.models import Contact, RepairOrderLine
from huifang.complaints import services as complaint_services
from huifang.complaints.models import Complaint
from huifang.followups.models import ContactAttempt
from huifang.workbench import selectors
from huifang.workbench.models import CallRecord

from ..factories import CustomerFactory
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

FIELDS = {
    "lines": ("pk", "kind", "description", "quantity", "amount"),
    "contacts": ("pk", "role", "name", "phone", "department", "extension"),
    "calls": ("pk", "outcome", "comment", "score", "ended_at"),
    "complaints": ("pk", "number", "status", "content", "received_at", "is_major"),
}


@pytest.fixture
def busy_task(store, specialist, manager):
    """A company car's task with odd amounts, people, more calls than the screen shows (some at the same
    instant) and complaints received at the same instant."""
    company = CustomerFactory(store=store, name="物流", kind=CustomerKind.COMPANY)
    task = call_task(store, assigned_to=specialist, customer=company, amount=Decimal("12345.60"))
    for position, quantity, amount in ((3, Decimal("0"), Decimal("-1.5")), (3, Decimal("2.5"), Decimal("0.1"))):
        RepairOrderLine.objects.create(
            repair_order=task.repair_order, position=position, kind="part", description="<x>", quantity=quantity,
            amount=amount,
        )  # fmt: skip
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘", phone="+8613800138000", extension="8")
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="Li", department="车队")
    Contact.objects.create(customer=company, role=ContactRole.FLEET_MANAGER, name="陈", phone="+862012345")
    for i in range(selectors.EARLIER_CALLS + 3):
        attempt = ContactAttempt.objects.create(task=task, at=NOW, outcome="completed")
        CallRecord.objects.create(
            store=store, task=task, attempt=attempt, customer=company, outcome="with_issue" if i % 3 else "satisfied",
            ended_at=NOW - timedelta(days=i // 3, microseconds=250 if i == 1 else 0), score=Decimal(i) / 3 if i % 4 else None,
            comment="c" * i,
        )  # fmt: skip
    for major in (True, False, True):
        complaint, _ = complaint_services.complaint_intake(
            store=store, actor=manager, now=NOW - timedelta(days=2), channel="phone", category="SA",
            content="严重<问题>", customer=company,
        )  # fmt: skip
        Complaint.objects.filter(pk=complaint.pk).update(is_major=major)
    return task


def _values(rows, fields):
    """Each row's values by their repr: a decimal's places and a time's zone count too."""
    return [tuple(repr(getattr(row, f)) for f in fields) for row in rows]


def test_the_rows_are_the_instances_values(busy_task, specialist):
    # when
    plain = selectors.precall_for(task=busy_task, user=specialist, now=NOW, answers=False, plain=True)
    instances = selectors.precall_for(task=busy_task, user=specialist, now=NOW, answers=False)
    # then every value, in the same order; and what is made from them
    for key, fields in FIELDS.items():
        assert _values(plain[key], fields) == _values(instances[key], fields), key
    assert [len(plain[k]) for k in FIELDS] == [4, 3, selectors.EARLIER_CALLS, 3]
    assert plain["calls"][0].ended_at.tzinfo is not None and plain["lines"][2].amount == Decimal("-1.50")
    for key in ("labour_lines", "part_lines"):
        assert _values(plain[key], FIELDS["lines"]) == _values(instances[key], FIELDS["lines"]), key
    for key in ("flags", "scripts", "scenario", "script_context"):
        assert plain[key] == instances[key], key
    assert [c.get_role_display() for c in plain["contacts"]] == [c.get_role_display() for c in instances["contacts"]]
    assert [c.get_status_display() for c in plain["complaints"]] == [
        c.get_status_display() for c in instances["complaints"]
    ]


def test_a_task_without_an_order_or_history_has_no_rows(store, specialist):
    task = call_task(store, assigned_to=specialist, kind="maintenance_reminder")
    plain = selectors.precall_for(task=task, user=specialist, now=NOW, answers=False, plain=True)
    assert [plain[k] for k in FIELDS] == [[], [], [], []]
    assert plain["flags"] == selectors.precall_for(task=task, user=specialist, now=NOW)["flags"]


def test_the_rows_say_whether_the_task_has_a_survey_link(busy_task, store, specialist):
    from huifang.surveys import services as survey_services

    other = call_task(store, assigned_to=specialist)
    survey_services.link_create(task=other, actor=None, now=NOW)
    assert selectors.precall_for(task=busy_task, user=specialist, now=NOW, plain=True)["survey_link"] is False
    assert selectors.precall_for(task=other, user=specialist, now=NOW, plain=True)["survey_link"] is True
    survey_services.link_create(task=busy_task, actor=None, now=NOW)
    assert selectors.precall_for(task=busy_task, user=specialist, now=NOW, plain=True)["survey_link"] is True
    assert selectors.precall_for(task=busy_task, user=specialist, now=NOW)["survey_link"] is None


def test_the_saved_call_read_with_the_rows_is_saved_calls(
    busy_task, store, other_store, specialist, manager, director, outsider
):
    from huifang.accounts.selectors import memberships_of
    from huifang.workbench.models import Problem

    # given a call by the specialist with a complaint, reasons and problem records, one nobody made, and one of
    # another store
    mine = CallRecord.objects.filter(task=busy_task).order_by("id").first()
    complaint = Complaint.objects.filter(customer=busy_task.customer).first()
    CallRecord.objects.filter(pk=mine.pk).update(caller=specialist, complaint=complaint, issue_reasons=["<a>", "b"])
    for description in ("一", "二 <x>"):
        Problem.objects.create(store=store, call=mine, customer=mine.customer, description=description, created_at=NOW)
    nobodys = CallRecord.objects.filter(task=busy_task, caller=None).order_by("id").first()
    elsewhere_task = call_task(other_store, assigned_to=outsider)
    attempt = ContactAttempt.objects.create(task=elsewhere_task, at=NOW, outcome="completed")
    elsewhere = CallRecord.objects.create(
        store=other_store, task=elsewhere_task, attempt=attempt, customer=elsewhere_task.customer, caller=outsider,
        outcome="satisfied", ended_at=NOW, score=Decimal("90.5"),
    )  # fmt: skip
    seen = 0
    for user in (specialist, manager, director, outsider):
        for call_id in (mine.pk, nobodys.pk, elsewhere.pk, 987654):
            # when
            p = selectors.precall_for(task=busy_task, user=user, now=NOW, plain=True, saved_call_id=call_id)
            got = selectors.saved_call_of_rows(
                user=user, memberships=memberships_of(user=user), call=p["saved_call"], problems=p["saved_problems"]
            )
            expected = selectors.saved_call(user=user, call_id=call_id)
            # then the same call is shown to the same people, with the same values
            assert (got is None) == (expected is None), (user, call_id)
            if got is None:
                continue
            seen += 1
            (call, problems), (model, model_problems) = got, expected
            for attr in ("pk", "outcome", "issue_reasons", "caller_id"):
                assert getattr(call, attr) == getattr(model, attr)
            assert repr(call.score) == repr(model.score) and call.customer.name == model.customer.name
            assert (
                str(call.complaint) == str(model.complaint)
                and call.get_outcome_display() == model.get_outcome_display()
            )
            assert [(x.pk, x.description) for x in problems] == [(x.pk, x.description) for x in model_problems]
    assert (
        seen == 6
    )  # the specialist their own call; the manager and the director both of their store; the outsider theirs
