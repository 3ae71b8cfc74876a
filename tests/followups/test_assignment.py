"""Who gets new tasks (the RO's advisor, else the least loaded care specialist) and moving work off absent staff."""

from collections import Counter

from huifang.accounts.choices import Role
from huifang.audit.models import AuditEntry
from huifang.followups import rules
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.followups.services import tasks_reassign
from huifang.followups.sweeps import sweep_run

from ..factories import CustomerFactory, RepairOrderFactory, UserFactory, VehicleFactory, member
from .conftest import NOW, at, make_task


def open_counts(store):
    return Counter(
        FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN).values_list("assigned_to", flat=True)
    )


def deliver(store, advisor=None):
    return RepairOrderFactory(
        vehicle__customer__store=store,
        opened_at=at(2026, 11, 24, 8),
        delivered_at=at(2026, 11, 24, 17),
        advisor=advisor,
    )


def insurance_due(store, n):
    for _ in range(n):
        VehicleFactory(customer__store=store, insurance_expiry=at(2026, 12, 24).date())


def test_post_service_call_goes_to_the_orders_advisor(store, specialist):
    # given an order whose advisor is at work
    advisor = member(store, Role.SERVICE_ADVISOR, username="adv")
    order = deliver(store, advisor)
    # when the sweep runs
    sweep_run(store=store, now=NOW)
    # then the call is the advisor's
    assert FollowUpTask.objects.get(repair_order=order).assigned_to == advisor


def test_an_advisor_on_leave_gets_nothing_and_the_care_team_takes_it(store, specialist):
    advisor = member(store, Role.SERVICE_ADVISOR, username="adv", on_leave=True)
    order = deliver(store, advisor)
    sweep_run(store=store, now=NOW)
    assert FollowUpTask.objects.get(repair_order=order).assigned_to == specialist


def test_an_order_without_advisor_goes_to_the_care_team(store, specialist):
    order = deliver(store)
    sweep_run(store=store, now=NOW)
    assert FollowUpTask.objects.get(repair_order=order).assigned_to == specialist


def test_care_team_work_is_balanced_by_open_tasks(store):
    # given two specialists, the first already holding 2 open tasks (and a done one that does not count)
    busy = member(store, Role.CARE_SPECIALIST, username="busy")
    free = member(store, Role.CARE_SPECIALIST, username="free")
    make_task(store, assigned_to=busy)
    make_task(store, assigned_to=busy)
    make_task(store, assigned_to=busy, status=TaskStatus.DONE)
    # when 4 insurance renewals fall due
    insurance_due(store, 4)
    sweep_run(store=store, now=NOW)
    # then they end up level: 3 open each
    assert open_counts(store) == {busy.pk: 3, free.pk: 3}


def test_staff_on_leave_and_other_stores_staff_get_no_new_work(store, other_store, specialist, outsider):
    # given a specialist on leave and one of another store
    away = member(store, Role.CARE_SPECIALIST, username="away", on_leave=True)
    insurance_due(store, 3)
    sweep_run(store=store, now=NOW)
    # then everything went to the one specialist at work here
    assert open_counts(store) == {specialist.pk: 3}
    assert not FollowUpTask.objects.filter(assigned_to__in=[away, outsider]).exists()


def test_automatic_greetings_have_no_assignee(store, specialist):
    CustomerFactory(store=store, birthday=at(1980, 11, 25).date(), marketing_consent=True)
    sweep_run(store=store, now=NOW)
    task = FollowUpTask.objects.get(kind=RuleKind.BIRTHDAY_GREETING)
    assert task.assigned_to is None


def test_absent_persons_open_tasks_move_to_a_colleague_audited(store, specialist, director):
    # given an absent specialist with 3 open and 1 done task
    absent = member(store, Role.CARE_SPECIALIST, username="absent")
    for _ in range(3):
        make_task(store, assigned_to=absent)
    done = make_task(store, assigned_to=absent, status=TaskStatus.DONE)
    # when the director moves them to the specialist
    moved = tasks_reassign(from_user=absent, to_user=specialist, store=store, actor=director, now=NOW)
    # then the open ones moved, the done one stayed, and each move is in the audit trail
    assert moved == 3
    assert open_counts(store) == {specialist.pk: 3}
    done.refresh_from_db()
    assert done.assigned_to == absent
    assert AuditEntry.objects.filter(actor=director, source="followups").count() == 3


def test_rebalancing_spreads_the_absent_persons_tasks_over_the_least_loaded(store, director):
    # given an absent specialist with 4 open tasks, and two colleagues holding 2 and 0
    absent = member(store, Role.CARE_SPECIALIST, username="absent")
    a = member(store, Role.CARE_SPECIALIST, username="a")
    b = member(store, Role.CARE_SPECIALIST, username="b")
    for _ in range(4):
        make_task(store, assigned_to=absent)
    make_task(store, assigned_to=a)
    make_task(store, assigned_to=a)
    # when the absent person's work is rebalanced
    tasks_reassign(from_user=absent, to_user=None, store=store, actor=director, now=NOW)
    # then the two colleagues end level at 3 each, and the absent person holds none
    assert open_counts(store) == {a.pk: 3, b.pk: 3}


def test_reassigning_only_moves_the_given_stores_tasks(store, other_store, specialist, director):
    absent = UserFactory(username="both")
    make_task(store, assigned_to=absent)
    theirs = make_task(other_store, assigned_to=absent)
    assert tasks_reassign(from_user=absent, to_user=specialist, store=store, actor=director, now=NOW) == 1
    theirs.refresh_from_db()
    assert theirs.assigned_to == absent


def test_the_sweeps_one_statement_hands_out_in_the_balancers_order(store):
    # given three specialists holding 3, 0 and 1 open tasks
    a = member(store, Role.CARE_SPECIALIST, username="a")
    b = member(store, Role.CARE_SPECIALIST, username="b")
    c = member(store, Role.CARE_SPECIALIST, username="c")
    for user, n in ((a, 3), (c, 1)):
        for _ in range(n):
            make_task(store, assigned_to=user)
    # when 7 insurance renewals, due the same morning, are swept (one INSERT … SELECT)
    insurance_due(store, 7)
    sweep_run(store=store, now=NOW, kinds=(RuleKind.INSURANCE_RENEWAL,))
    # then, in hand-out order (due time, customer), each went where the one-by-one balancer sends it
    made = FollowUpTask.objects.filter(vehicle__isnull=False).order_by("due_at", "customer_id")
    assert [t.assigned_to_id for t in made] == rules.balanced_assignees({a.pk: 3, b.pk: 0, c.pk: 1}, 7)
    assert open_counts(store) == {a.pk: 4, b.pk: 4, c.pk: 3}


def test_the_advisors_calls_take_no_turn_from_the_care_team(store):
    # given two level specialists and three delivered orders, the middle one with its advisor at work
    first = member(store, Role.CARE_SPECIALIST, username="first")
    second = member(store, Role.CARE_SPECIALIST, username="second")
    advisor = member(store, Role.SERVICE_ADVISOR, username="adv")
    orders = [deliver(store), deliver(store, advisor), deliver(store)]
    # when the post-service sweep runs
    sweep_run(store=store, now=NOW, kinds=(RuleKind.POST_SERVICE_CALL,))
    # then the advisor keeps theirs and the two others go one to each specialist
    owners = {t.repair_order_id: t.assigned_to for t in FollowUpTask.objects.all()}
    assert owners[orders[1].pk] == advisor
    assert {owners[orders[0].pk], owners[orders[2].pk]} == {first, second}


def test_without_specialists_the_care_teams_tasks_are_made_unassigned(store):
    insurance_due(store, 2)
    assert sweep_run(store=store, now=NOW, kinds=(RuleKind.INSURANCE_RENEWAL,)) == {RuleKind.INSURANCE_RENEWAL: 2}
    assert list(FollowUpTask.objects.values_list("assigned_to", flat=True)) == [None, None]
