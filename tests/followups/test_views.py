"""The follow-up screens: rules (care directors edit, managers read) and the overdue list with the team's backlog."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership
from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.followups.choices import OwnerRule, RuleKind, TaskChannel, TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults

from ..factories import CustomerFactory, VehicleFactory, member
from .conftest import NOW, at, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def rule_of(store, kind=RuleKind.INSURANCE_RENEWAL) -> FollowUpRule:
    rules_ensure_defaults(store=store)
    return FollowUpRule.objects.get(store=store, kind=kind)


def rule_post(rule: FollowUpRule, **changes) -> dict:
    """The edit form as the browser sends it: every current value, then the changes."""
    data = {
        "name": rule.name,
        "delay_hours": rule.delay_hours,
        "lead_days": rule.lead_days,
        "offsets": rule.offsets,
        "km_threshold": rule.km_threshold or "",
        "festivals": rule.festivals,
        "window_hours": rule.window_hours,
        "max_failed_attempts": rule.max_failed_attempts,
        "sample_percent": rule.sample_percent,
        "catch_up_days": rule.catch_up_days,
        "return_window_days": rule.return_window_days,
        "channel": rule.channel,
        "owner_rule": rule.owner_rule,
        "script": rule.script,
    }
    if rule.enabled:
        data["enabled"] = "on"
    if rule.marketing_only:
        data["marketing_only"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def rule_audits(rule):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(FollowUpRule), object_id=rule.pk)


# --- rules -----------------------------------------------------------------------------------------


def test_rule_list_seeds_the_defaults_and_shows_every_kind(client, manager, store):
    # given a store without rules
    client.force_login(manager)
    # when its manager opens the rules
    response = client.get(reverse("followups:rule_list", args=[store.pk]))
    # then every kind is listed with its window and channel, read-only for a manager
    html = response.content.decode()
    assert response.status_code == 200
    assert FollowUpRule.objects.filter(store=store).count() == len(RuleKind.values)
    assert "续保提醒" in html and "3d,1m,3m" in html
    assert "回访规则" in html and "完成时限" not in html and "168 小时" in html
    assert "/rules/" + str(rule_of(store).pk) + "/" not in html


def test_director_edits_a_rule_and_the_change_is_audited(client, director, store):
    # given
    rule = rule_of(store)
    client.force_login(director)
    # when the director sets 45 days lead time, a 10-day window and SMS
    response = client.post(
        reverse("followups:rule_edit", args=[store.pk, rule.pk]),
        rule_post(rule, lead_days=45, window_hours=240, channel=TaskChannel.SMS, owner_rule=OwnerRule.AUTOMATIC),
    )
    # then
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.lead_days, rule.window_hours, rule.channel) == (45, 240, TaskChannel.SMS)
    entry = rule_audits(rule).get()
    assert entry.actor == director
    assert entry.changes == {
        "lead_days": [30, 45],
        "window_hours": [168, 240],
        "channel": ["call", "sms"],
        "owner_rule": ["care_team", "automatic"],
    }
    assert "45" in client.get(reverse("followups:rule_list", args=[store.pk])).content.decode()


def test_saving_an_unchanged_rule_records_nothing(client, director, store):
    rule = rule_of(store)
    client.force_login(director)
    response = client.post(reverse("followups:rule_edit", args=[store.pk, rule.pk]), rule_post(rule))
    assert response.status_code == 302
    assert not rule_audits(rule).exists()


@pytest.mark.parametrize(
    ("kind", "changes", "field", "message"),
    [
        (RuleKind.FIRST_VISIT_SERIES, {"offsets": "3x,1m"}, "offsets", "3d,1m,3m"),
        (RuleKind.FIRST_VISIT_SERIES, {"offsets": ""}, "offsets", "至少需要一个间隔"),
        (RuleKind.FIRST_VISIT_SERIES, {"offsets": "0d"}, "offsets", "至少为 1 天或 1 个月"),
        (RuleKind.INSURANCE_RENEWAL, {"window_hours": 0}, "window_hours", "大于或等于1"),
        (RuleKind.INSURANCE_RENEWAL, {"lead_days": -3}, "lead_days", "大于或等于0"),
        (RuleKind.INSURANCE_RENEWAL, {"max_failed_attempts": 0}, "max_failed_attempts", "大于或等于1"),
        (RuleKind.HOLIDAY_GREETING, {"festivals": "spring_festival,christmas"}, "festivals", "未知节日"),
        (RuleKind.INSURANCE_RENEWAL, {"owner_rule": OwnerRule.AUTOMATIC}, "owner_rule", "电话回访需要有人负责"),
        (RuleKind.INSURANCE_RENEWAL, {"owner_rule": OwnerRule.RO_ADVISOR}, "owner_rule", "只有修后回访有维修工单"),
    ],
)
def test_a_bad_value_is_refused_with_the_field_error(client, director, store, kind, changes, field, message):
    # given
    rule = rule_of(store, kind)
    before = FollowUpRule.objects.filter(pk=rule.pk).values().get()
    client.force_login(director)
    # when
    response = client.post(reverse("followups:rule_edit", args=[store.pk, rule.pk]), rule_post(rule, **changes))
    # then
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert FollowUpRule.objects.filter(pk=rule.pk).values().get() == before
    assert not rule_audits(rule).exists()


def test_offsets_are_stored_in_the_form_the_sweeps_read(client, director, store):
    rule = rule_of(store, RuleKind.FIRST_VISIT_SERIES)
    client.force_login(director)
    client.post(reverse("followups:rule_edit", args=[store.pk, rule.pk]), rule_post(rule, offsets=" 7D, 2m ,14"))
    rule.refresh_from_db()
    assert rule.offsets == "7d,2m,14d"


@pytest.mark.parametrize("who", ["specialist", "manager"])
def test_only_directors_and_admins_may_edit_rules(client, store, request, who):
    # given
    rule = rule_of(store)
    client.force_login(request.getfixturevalue(who))
    url = reverse("followups:rule_edit", args=[store.pk, rule.pk])
    # when
    read, write = client.get(url), client.post(url, rule_post(rule, lead_days=1))
    # then
    assert (read.status_code, write.status_code) == (403, 403)
    rule.refresh_from_db()
    assert rule.lead_days == 30


def test_another_stores_rule_is_not_found(client, director, store, other_store):
    # given a director of `store` and a rule of another store
    theirs = rule_of(other_store)
    rule_of(store)
    client.force_login(director)
    # when the director asks for it under either store
    own_store = client.post(reverse("followups:rule_edit", args=[store.pk, theirs.pk]), rule_post(theirs, lead_days=1))
    their_store = client.get(reverse("followups:rule_list", args=[other_store.pk]))
    # then
    assert (own_store.status_code, their_store.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.lead_days == 30


def test_a_director_of_one_store_cannot_edit_where_he_only_manages(client, store, other_store):
    user = member(other_store, Role.CARE_DIRECTOR, username="twohats")
    Membership.objects.create(user=user, role=Role.SERVICE_MANAGER, store=store)
    rule = rule_of(store)
    client.force_login(user)
    assert client.get(reverse("followups:rule_list", args=[store.pk])).status_code == 200
    assert client.get(reverse("followups:rule_edit", args=[store.pk, rule.pk])).status_code == 403


# --- overdue and team ------------------------------------------------------------------------------


@pytest.fixture
def backlog(store, other_store):
    """Wang has 3 overdue tasks, Zhao 1 (and 1 still in its window), nobody has 1; another store has its own."""
    wang = member(store, Role.CARE_SPECIALIST, username="wang", display_name="王芳")
    zhao = member(store, Role.CARE_SPECIALIST, username="zhao", display_name="赵敏")
    old = at(2026, 11, 1, 9)  # insurance window 7 days: ran out 8 Nov
    zhang = CustomerFactory(store=store, name="张三", mobile="+8613812345678")
    car = VehicleFactory(customer=zhang, plate="粤B12345")
    tasks = [make_task(store, customer=zhang, assigned_to=wang, due_at=old) for _ in range(3)]
    FollowUpTask.objects.filter(pk=tasks[0].pk).update(vehicle=car)
    tasks.append(make_task(store, kind=RuleKind.LOST_CUSTOMER, assigned_to=zhao, due_at=old))
    tasks.append(make_task(store, assigned_to=zhao, due_at=NOW - timedelta(hours=1)))  # not yet overdue
    tasks.append(make_task(store, assigned_to=None, due_at=old))
    make_task(store, assigned_to=zhao, due_at=old, status=TaskStatus.DONE)
    theirs = CustomerFactory(store=other_store, name="别家客户")
    make_task(other_store, customer=theirs, due_at=old)
    return {"wang": wang, "zhao": zhao, "tasks": tasks}


def test_manager_sees_overdue_tasks_and_who_is_behind(client, manager, store, backlog):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("followups:overdue_list", args=[store.pk]))
    # then 5 overdue rows, Wang first with 3, then Zhao and nobody with 1
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="overdue-row"') == 5
    behind = [(row["name"], row["overdue"]) for row in response.context["behind"]]
    assert behind[0] == ("王芳", 3)
    assert sorted(behind[1:]) == [("", 1), ("赵敏", 1)]
    assert "张三" in html and "粤B12345" in html
    assert "138****5678" in html and "13812345678" not in html and "138 1234 5678" not in html
    assert "别家客户" not in html
    assert "谁有积压" in html and "逾期任务" in html


def test_overdue_list_filters_by_kind(client, manager, store, backlog):
    client.force_login(manager)
    response = client.get(reverse("followups:overdue_list", args=[store.pk]), {"kind": RuleKind.LOST_CUSTOMER})
    assert response.content.decode().count('class="overdue-row"') == 1
    assert [(row["name"], row["overdue"]) for row in response.context["behind"]] == [("赵敏", 1)]


def test_overdue_list_query_count_does_not_grow_with_rows(
    client, manager, store, backlog, django_assert_max_num_queries
):
    # given 30 more overdue tasks over 30 customers
    for _ in range(30):
        make_task(store, assigned_to=backlog["wang"], due_at=at(2026, 11, 2, 9))
    client.force_login(manager)
    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("followups:overdue_list", args=[store.pk]))
    assert response.content.decode().count('class="overdue-row"') == 35


def test_bulk_reassign_moves_every_open_task_to_a_colleague(client, manager, store, backlog):
    # given Wang goes on leave
    wang, zhao = backlog["wang"], backlog["zhao"]
    client.force_login(manager)
    # when the manager moves Wang's tasks to Zhao
    response = client.post(
        reverse("followups:tasks_reassign", args=[store.pk]), {"from_user": wang.pk, "to_user": zhao.pk}
    )
    # then
    assert response.status_code == 302
    assert not FollowUpTask.objects.filter(assigned_to=wang, status=TaskStatus.OPEN).exists()
    assert FollowUpTask.objects.filter(assigned_to=zhao, status=TaskStatus.OPEN).count() == 5
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(FollowUpTask))
    assert entries.count() == 3
    assert {tuple(e.changes["assigned_to"]) for e in entries} == {(wang.pk, zhao.pk)}
    assert {e.actor for e in entries} == {manager}


def test_rebalance_spreads_the_tasks_over_the_care_team(client, manager, store, backlog):
    # given a third specialist with no work
    li = member(store, Role.CARE_SPECIALIST, username="li")
    client.force_login(manager)
    # when
    client.post(
        reverse("followups:tasks_reassign", args=[store.pk]), {"from_user": backlog["wang"].pk, "rebalance": "on"}
    )
    # then Li (0 open) takes two, Zhao (2 open) one
    counts = {
        user.username: FollowUpTask.objects.filter(assigned_to=user, status=TaskStatus.OPEN).count()
        for user in (backlog["wang"], backlog["zhao"], li)
    }
    assert counts == {"wang": 0, "zhao": 3, "li": 2}


@pytest.mark.parametrize(
    "body",
    [
        {"from_user": "wang"},  # neither a colleague nor rebalance
        {"from_user": "wang", "to_user": "wang"},
        {"from_user": "wang", "to_user": "outsider"},  # someone of another store
    ],
)
def test_a_bad_reassignment_moves_nothing(client, manager, store, backlog, outsider, body):
    people = {"wang": backlog["wang"].pk, "outsider": outsider.pk}
    client.force_login(manager)
    response = client.post(
        reverse("followups:tasks_reassign", args=[store.pk]), {k: people[v] for k, v in body.items()}
    )
    assert response.status_code == 422
    assert FollowUpTask.objects.filter(assigned_to=backlog["wang"], status=TaskStatus.OPEN).count() == 3


def test_outsiders_and_specialists_get_nothing(client, store, backlog, outsider, specialist, other_store):
    overdue = reverse("followups:overdue_list", args=[store.pk])
    reassign = reverse("followups:tasks_reassign", args=[store.pk])
    move = {"from_user": backlog["wang"].pk, "to_user": backlog["zhao"].pk}
    # a specialist of the store may not use the team screen
    client.force_login(specialist)
    assert client.get(overdue).status_code == 403
    assert client.post(reverse("followups:tasks_reassign", args=[store.pk]), move).status_code == 403
    # a manager of another store does not find this store
    client.force_login(member(other_store, Role.SERVICE_MANAGER, username="theirs"))
    assert client.get(overdue).status_code == 404
    assert client.post(reassign, move).status_code == 404
    assert FollowUpTask.objects.filter(assigned_to=backlog["wang"], status=TaskStatus.OPEN).count() == 3


def test_index_lists_only_the_users_stores(client, manager, store, other_store):
    client.force_login(manager)
    response = client.get(reverse("followups:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("followups:rule_list", args=[store.pk])


def test_the_nav_link_is_shown_to_managers_only(client, manager, specialist):
    client.force_login(manager)
    assert reverse("followups:index") in client.get(reverse("archive:customer_search")).content.decode()
    client.force_login(specialist)
    assert reverse("followups:index") not in client.get(reverse("archive:customer_search")).content.decode()


def test_rule_list_query_count_is_fixed(client, director, store, django_assert_max_num_queries):
    # given the defaults already seeded
    rules_ensure_defaults(store=store)
    client.force_login(director)
    # when / then: session, user, roles, store, the seeding check and one query for all the rules
    with django_assert_max_num_queries(10):
        response = client.get(reverse("followups:rule_list", args=[store.pk]))
    assert response.content.decode().count('id="rule-') == len(RuleKind.values)


def test_the_share_of_new_customers_is_set_on_the_first_visit_rule_only(client, store):
    # given a care director on the rule screen
    from huifang.accounts.choices import Role

    from ..factories import member

    client.force_login(member(store, Role.CARE_DIRECTOR, username="share-director"))
    first_visit = rule_of(store, RuleKind.FIRST_VISIT_SERIES)
    insurance = rule_of(store, RuleKind.INSURANCE_RENEWAL)
    # when the director calls 30 % of new customers, and sends a share with the insurance rule too
    url = reverse("followups:rule_edit", args=[store.pk, first_visit.pk])
    assert client.post(url, rule_post(first_visit, sample_percent=30)).status_code == 302
    client.post(reverse("followups:rule_edit", args=[store.pk, insurance.pk]), rule_post(insurance, sample_percent=5))
    # then the first-visit rule samples 30 %, the insurance rule still reaches everyone
    first_visit.refresh_from_db()
    insurance.refresh_from_db()
    assert (first_visit.sample_percent, insurance.sample_percent) == (30, 100)
    # and a share above 100 % is refused with the field error
    response = client.post(url, rule_post(first_visit, sample_percent=150))
    assert response.status_code == 422
    assert "sample_percent" in response.context["form"].errors
