"""Queue buckets by hand-computed times, quiet hours and best-time marks, the next task, pre-call flags."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.choices import ContactRole, CustomerKind
from huifang.archive.models import Contact
from huifang.complaints import services as complaint_services
from huifang.complaints.models import Complaint
from huifang.followups.models import FollowUpTask
from huifang.messaging.services import policy_for
from huifang.workbench import selectors

from ..factories import CustomerFactory, StoreFactory, member
from .factories import NOW, at, call_task


@pytest.fixture
def queue(store, specialist):
    """Tasks at NOW = Wed 25 Nov 10:00 Shanghai, with their windows of 72 h."""

    def make(due, **kwargs):
        return call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store), due_at=due, **kwargs)

    return {
        # due 21 Nov 09:00 + 72 h = 24 Nov 09:00, before NOW: overdue
        "overdue": make(at(2026, 11, 21, 9)),
        # due 24 Nov 15:00, window to 27 Nov 15:00: due now
        "due_now": make(at(2026, 11, 24, 15)),
        # due at NOW exactly: due now
        "due_at_now": make(NOW),
        # due 25 Nov 23:59: today; due 26 Nov 00:00 (the next local day): later
        "today": make(at(2026, 11, 25, 23, 59)),
        "later": make(at(2026, 11, 26, 0, 0)),
    }


def ids(rows):
    return [t.pk for t in rows]


def test_buckets_are_computed_in_the_store_time_zone(specialist, queue):
    result = selectors.queue_for(user=specialist, now=NOW)
    assert ids(result["overdue"]) == [queue["overdue"].pk]
    assert set(ids(result["due_now"])) == {queue["due_now"].pk, queue["due_at_now"].pk}
    assert ids(result["today"]) == [queue["today"].pk]
    assert ids(result["later"]) == [queue["later"].pk]
    assert result["counts"] == {"overdue": 1, "due_now": 2, "today": 1, "later": 1, "total": 5}


def test_rows_carry_attempts_masks_and_marks(store, specialist, queue):
    # given the overdue customer prefers evenings and the due one was called twice
    customer = queue["overdue"].customer
    customer.best_contact_time = "晚上"
    customer.save()
    for _ in range(2):
        queue["due_now"].attempts.create(at=NOW - timedelta(hours=1), outcome="no_answer")
    # when the queue is read at 12:30, the lunch rest of the default quiet hours
    result = selectors.queue_for(user=specialist, now=at(2026, 11, 25, 12, 30))
    rows = {t.pk: t for bucket in ("overdue", "due_now", "today", "later") for t in result[bucket]}
    # then every row is marked quiet, the evening customer is marked, attempts are counted
    assert all(t.quiet for t in rows.values())
    assert rows[queue["overdue"].pk].not_best_time is True
    assert rows[queue["due_now"].pk].not_best_time is False
    assert rows[queue["due_now"].pk].attempts_count == 2
    assert "****" in rows[queue["later"].pk].phone_masked
    # and at 10:00 nobody is in quiet hours
    assert not any(t.quiet for t in selectors.queue_for(user=specialist, now=NOW)["due_now"])


def test_queue_query_count_does_not_grow_with_rows(store, specialist, queue, django_assert_num_queries):
    policy_for(store=store)
    # (two of the queries read the store calendar: a closed day is quiet for calls)
    with django_assert_num_queries(6):
        selectors.queue_for(user=specialist, now=NOW)
    for n in range(5):
        call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store), key=f"more{n}")
    with django_assert_num_queries(6):
        result = selectors.queue_for(user=specialist, now=NOW)
    assert result["counts"]["total"] == 10


def test_filters_by_kind_and_advisor(store, specialist, advisor):
    post = call_task(store, assigned_to=specialist, advisor=advisor)
    call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store))  # another advisor's RO
    reminder = call_task(store, assigned_to=specialist, kind="maintenance_reminder", due_at=at(2026, 11, 24, 9))
    by_advisor = selectors.queue_for(user=specialist, now=NOW, advisor_id=advisor.pk)
    assert by_advisor["counts"]["total"] == 1 and ids(by_advisor["due_now"]) == [post.pk]
    by_kind = selectors.queue_for(user=specialist, now=NOW, kind="maintenance_reminder")
    assert ids(by_kind["due_now"]) == [reminder.pk]


def test_team_queue_and_who_is_behind(store, specialist, manager, advisor, queue):
    call_task(store, assigned_to=advisor, customer=CustomerFactory(store=store), due_at=at(2026, 11, 20, 9))
    team = selectors.queue_for(user=manager, now=NOW, team=True)
    assert team["counts"]["overdue"] == 2 and team["counts"]["total"] == 6
    only_advisor = selectors.queue_for(user=manager, now=NOW, team=True, assignee_id=advisor.pk)
    assert only_advisor["counts"]["total"] == 1
    assert selectors.queue_for(user=manager, now=NOW)["counts"]["total"] == 0  # "mine" is empty
    behind = selectors.team_behind(store=store, now=NOW)
    assert {row["assigned_to"]: row["overdue"] for row in behind} == {specialist.pk: 1, advisor.pk: 1}


def test_next_task_is_the_oldest_overdue_and_skips_quiet_hours_and_callbacks(store, specialist, queue):
    assert selectors.next_task_for(user=specialist, now=NOW) == queue["overdue"]
    FollowUpTask.objects.filter(pk=queue["overdue"].pk).update(next_call_at=NOW + timedelta(hours=3))
    assert selectors.next_task_for(user=specialist, now=NOW) == queue["due_now"]
    assert selectors.next_task_for(user=specialist, now=at(2026, 11, 25, 12, 30)) is None
    # the next after the due ones is the task due at NOW (window ending 28 Nov 10:00)
    FollowUpTask.objects.filter(pk=queue["due_now"].pk).update(window_end=F("window_end") + timedelta(days=5))
    assert selectors.next_task_for(user=specialist, now=NOW) == queue["due_at_now"]


def test_precall_flags_and_company_contacts(store, specialist, manager, advisor, django_assert_num_queries):
    # given a company customer, a journalist's firm, with a major complaint and an 8,000 RMB repeat repair
    customer = CustomerFactory(
        store=store, name="深圳日报社", kind=CustomerKind.COMPANY, occupation="报社记者", best_contact_time="下午"
    )
    Contact.objects.create(customer=customer, role=ContactRole.DRIVER, name="李司机", phone="+8613900001111")
    Contact.objects.create(customer=customer, role=ContactRole.FLEET_MANAGER, name="赵主任", extension="8001")
    task = call_task(store, assigned_to=specialist, customer=customer, advisor=advisor, amount=Decimal("8000.00"))
    task.repair_order.is_repeat_repair = True
    task.repair_order.fault_description = "变速箱异响"
    task.repair_order.save()
    complaint, _ = complaint_services.complaint_intake(
        store=store, actor=manager, now=NOW - timedelta(days=40), channel="phone", category="SA", content="异响",
        customer=customer,
    )  # fmt: skip
    Complaint.objects.filter(pk=complaint.pk).update(is_major=True)
    # when the specialist opens the call at 10:00
    selectors.precall_for(task=task, user=specialist, now=NOW)  # the store's defaults are created once
    # The store's settings (policies, calendar, quiet hours, scripts, questionnaire) are kept per process: one
    # query for the store's settings token instead of eight reads (workbench.store_settings).
    with django_assert_num_queries(6):
        data = selectors.precall_for(task=task, user=specialist, now=NOW)
        questions = list(data["questionnaire"].questions.all())
    # then
    codes = {f["code"]: f for f in data["flags"]}
    assert {"major_complaint", "open_complaint", "high_amount", "sensitive_occupation", "not_best_time",
            "repeat_repair"} <= set(codes)  # fmt: skip
    assert "quiet_hours" not in codes
    assert codes["high_amount"]["detail"] == "¥8,000.00 ≥ ¥5,000"
    assert "报社" in codes["sensitive_occupation"]["detail"]
    assert "李司机" in codes["company_car"]["detail"] and "赵主任 分机8001" in codes["company_car"]["detail"]
    assert data["scenario"] == "company_car" and len(questions) == 9
    assert [c.name for c in data["contacts"]] == ["李司机", "赵主任"]
    assert [line.description for line in data["lines"]] == ["定期保养", "机油滤清器"]
    owner = next(s for s in data["scripts"] if s["scenario"] == "company_car")
    assert "粤B12345" in owner["steps"][0]["text"]


def test_script_names_are_filled_in(store, specialist, advisor):
    task = call_task(store, assigned_to=specialist, advisor=advisor)
    data = selectors.precall_for(task=task, user=specialist, now=NOW)
    owner = next(s for s in data["scripts"] if s["scenario"] == "owner")
    text = " ".join(step["text"] for step in owner["steps"])
    assert "张三先生" in text and store.name in text and "王顾问" in text
    assert "定期保养、机油滤清器" in text and "680.00" in text and "11月23日" in text and "15000公里" in text
    assert all(step["missing"] == [] for step in owner["steps"])
    assert {f["code"] for f in data["flags"]} == set()


def test_an_outsider_sees_no_task(outsider, queue):
    assert not selectors.tasks_visible_to(user=outsider).exists()
    assert selectors.queue_for(user=outsider, now=NOW)["counts"]["total"] == 0


def test_calls_show_on_the_customer_timeline(store, specialist):
    from huifang.archive.selectors import customer_timeline
    from huifang.workbench import services

    task = call_task(store, assigned_to=specialist)
    services.call_record_save(task=task, actor=specialist, now=NOW, outcome="refused")
    events = [e for e in customer_timeline(task.customer) if e.kind == "call"]
    assert len(events) == 1 and events[0].at == NOW
    assert "修后回访" in events[0].title


def test_today_ends_at_midnight_of_the_store_time_zone(store, specialist):
    # given a store in Urumqi (UTC+6): NOW is 08:00 there, and 26 Nov 01:00 Shanghai is 25 Nov 23:00 there
    store.time_zone = "Asia/Urumqi"
    store.save()
    task = call_task(store, assigned_to=specialist, due_at=at(2026, 11, 26, 1))
    # then the task is due later today, not tomorrow
    result = selectors.queue_for(user=specialist, now=NOW)
    assert ids(result["today"]) == [task.pk] and result["counts"]["today"] == 1 and result["counts"]["later"] == 0


def test_workbench_stores_mark_where_the_user_leads_the_team(store, other_store, django_assert_num_queries):
    # given a care specialist in one store who manages a second store's whole dealer group
    StoreFactory(code="SZ09", group=other_store.group)
    user = member(store, Role.CARE_SPECIALIST)
    Membership.objects.create(user=user, role=Role.SERVICE_MANAGER, scope=Scope.GROUP, group=other_store.group)
    # when the queue reads the stores
    with django_assert_num_queries(1):
        stores = selectors.workbench_stores_marked(user=user)
    # then all three, by code, and the team only where the manager role reaches (the group's stores)
    assert [(s.code, s.leads_team) for s in stores] == [("GZ02", True), ("SZ01", False), ("SZ09", True)]
    assert {s.pk for s in stores if s.leads_team} == set(
        selectors.team_stores_for(user=user).values_list("pk", flat=True)
    )


def test_workbench_stores_from_the_requests_memberships_match_the_query(store, other_store, manager):
    """The queue and "next" answer the stores from the memberships the request read (one plain query): the
    same stores and team marks as the membership subqueries, through a store, a group and a region."""
    from huifang.accounts.models import Region
    from huifang.accounts.selectors import memberships_of

    region = Region.objects.create(code="SOUTH", name="华南")
    far = StoreFactory(code="XM01", region=region)
    specialist = member(store, Role.CARE_SPECIALIST)
    Membership.objects.create(user=specialist, role=Role.SERVICE_MANAGER, scope=Scope.GROUP, group=other_store.group)
    Membership.objects.create(user=specialist, role=Role.CARE_SPECIALIST, scope=Scope.REGION, region=region)
    seller = member(store, Role.SALES_MANAGER)  # no workbench role
    for user in (specialist, manager, seller):
        memberships = memberships_of(user=user)
        from_memberships = selectors.workbench_stores_marked(user=user, memberships=memberships)
        queried = selectors.workbench_stores_marked(user=user)
        assert [(s.pk, s.leads_team) for s in from_memberships] == [(s.pk, s.leads_team) for s in queried]
    assert far.pk in {
        s.pk for s in selectors.workbench_stores_marked(user=specialist, memberships=memberships_of(user=specialist))
    }


def test_next_reads_the_stores_and_their_settings_tokens_in_one_statement(
    store, other_store, manager, django_assert_num_queries
):
    """workbench_stores_and_tokens ("next"): the stores workbench_stores_marked gives, and the tokens the
    settings keep read apart (a store never asked for its settings has none), in one query."""
    from huifang.accounts.models import Region
    from huifang.accounts.selectors import memberships_of
    from huifang.workbench import store_settings

    region = Region.objects.create(code="SOUTH", name="华南")
    StoreFactory(code="XM01", region=region)  # no settings token yet
    specialist = member(store, Role.CARE_SPECIALIST)
    Membership.objects.create(user=specialist, role=Role.SERVICE_MANAGER, scope=Scope.GROUP, group=other_store.group)
    Membership.objects.create(user=specialist, role=Role.CARE_SPECIALIST, scope=Scope.REGION, region=region)
    store_settings.settings_for(store=store)  # gives the store its token
    seller = member(store, Role.SALES_MANAGER)  # no workbench role
    for user in (specialist, manager, seller):
        memberships = memberships_of(user=user)
        expected = selectors.workbench_stores_marked(user=user, memberships=memberships)
        with django_assert_num_queries(1 if expected else 0):
            stores, tokens = selectors.workbench_stores_and_tokens(user=user, memberships=memberships)
        assert [(s.pk, s.code, s.name, s.leads_team) for s in stores] == [
            (s.pk, s.code, s.name, s.leads_team) for s in expected
        ]
        assert tokens == store_settings._tokens(expected)
    assert len(selectors.workbench_stores_and_tokens(user=specialist, memberships=memberships_of(user=specialist))[1])
    # without the request's memberships: the stores as before, the tokens left to quiet_rules_kept
    assert selectors.workbench_stores_and_tokens(user=specialist)[1] is None


def test_task_workable_decides_as_tasks_workable_by(store, other_store, specialist, manager, django_assert_num_queries):
    """The call screen's one-row access check (issue 18) against the queryset rule, for every kind of user and
    task: own, a colleague's, another store's, held by a "next" hand-out, and roles through a group or region."""
    from django.http import Http404

    from huifang.accounts.models import User
    from huifang.accounts.selectors import memberships_of, roles_in_store

    colleague = member(store, Role.CARE_SPECIALIST, username="colleague")
    group_manager = member(other_store, Role.CARE_SPECIALIST, username="group_manager")
    Membership.objects.create(user=group_manager, role=Role.SERVICE_MANAGER, scope=Scope.GROUP, group=store.group)
    regional = member(other_store, Role.CARE_SPECIALIST, username="regional")
    Membership.objects.create(user=regional, role=Role.CARE_SPECIALIST, scope=Scope.REGION, region=store.region)
    advisor_only = member(store, Role.SERVICE_ADVISOR, username="advisor_only")
    root = User.objects.create_superuser(username="root", password="x-very-long-pass")
    tasks = [
        call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store)),
        call_task(store, assigned_to=colleague, customer=CustomerFactory(store=store)),
        call_task(store, assigned_to=None, customer=CustomerFactory(store=store)),
        call_task(store, assigned_to=regional, customer=CustomerFactory(store=store)),
        call_task(other_store, assigned_to=specialist, customer=CustomerFactory(store=other_store)),
    ]
    # A colleague's task that "next" handed to the specialist (held), and one whose hold has run out.
    held, expired = call_task(store, assigned_to=colleague, customer=CustomerFactory(store=store)), tasks[2]
    FollowUpTask.objects.filter(pk=held.pk).update(claimed_by=specialist, claimed_until=NOW + timedelta(minutes=5))
    FollowUpTask.objects.filter(pk=expired.pk).update(claimed_by=specialist, claimed_until=NOW - timedelta(minutes=1))
    tasks.append(held)
    outcomes = {}
    for user in (specialist, colleague, manager, group_manager, regional, advisor_only, root):
        allowed = set(selectors.tasks_workable_by(user=user, now=NOW).values_list("pk", flat=True))
        for task in tasks:
            try:
                found, roles = selectors.task_workable(user=user, task_id=task.pk, now=NOW)
                assert roles == roles_in_store(user=user, store=task.store)
            except Http404:
                found = None
            # the same from the memberships a request has read once (core.permissions.request_memberships)
            try:
                again, kept = selectors.task_workable(
                    user=user, task_id=task.pk, now=NOW, memberships=memberships_of(user=user)
                )
                assert kept == roles_in_store(user=user, store=task.store)
            except Http404:
                again = None
            assert again == found
            assert (found is not None) == (task.pk in allowed), (user.username, task.pk)
            outcomes[(user.username, task.pk)] = found is not None
    # the cases are really mixed: some allowed, some refused, for the specialist both held and not
    assert outcomes[("specialist", held.pk)] and not outcomes[("specialist", expired.pk)]
    assert outcomes[("group_manager", tasks[1].pk)] and outcomes[("regional", tasks[3].pk)]
    assert not outcomes[("regional", tasks[0].pk)] and not outcomes[("advisor_only", tasks[0].pk)]
    assert outcomes[("root", tasks[4].pk)] and not outcomes[("specialist", tasks[4].pk)]
    # and it reads two rows: the task and the user's roles in its store (one when the request has them)
    with django_assert_num_queries(2):
        selectors.task_workable(user=specialist, task_id=tasks[0].pk, now=NOW)
    memberships = memberships_of(user=specialist)
    with django_assert_num_queries(1):
        selectors.task_workable(user=specialist, task_id=tasks[0].pk, now=NOW, memberships=memberships)
