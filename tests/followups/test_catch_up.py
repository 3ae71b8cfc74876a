"""Catch-up (soak finding): an order whose 72 h call window passed while no sweep ran is still called, late.

Hand-computed at NOW = Wed 25 Nov 2026 10:00 Shanghai, post-service rule with the defaults (delay 0, 72 h,
catch-up 7 days): an order delivered 20 Nov 10:00 (5 days before) was due 20 Nov 10:00 and had to be called by
23 Nov 10:00; one delivered 16 Nov 10:00 (9 days before) is past the 7-day limit."""

from datetime import date, timedelta

import pytest

from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.offering import call_tasks_offerable
from huifang.followups.services import attempt_record, rule_update, rules_ensure_defaults
from huifang.followups.sweeps import FREQUENT_KINDS, sweep_run
from huifang.reports.choices import Kpi
from huifang.reports.figures import followup_kpis
from huifang.workbench.selectors import bucket_of

from ..factories import RepairOrderFactory
from .conftest import NOW, at

pytestmark = pytest.mark.django_db


def delivered(store, when, advisor):
    return RepairOrderFactory(
        vehicle__customer__store=store, opened_at=when - timedelta(hours=4), delivered_at=when, advisor=advisor
    )


def test_an_order_whose_window_passed_unswept_is_called_late_once(store, advisor):
    # given the worker was down: one order delivered 5 days ago, one 9 days ago, none swept yet
    late = delivered(store, at(2026, 11, 20, 10), advisor)
    too_old = delivered(store, at(2026, 11, 16, 10), advisor)
    # when the 5-minute sweep runs at NOW
    first = sweep_run(store=store, now=NOW, kinds=FREQUENT_KINDS)
    # then only the 5-day-old order gets its call, with the due time and window it always had
    assert first == {RuleKind.POST_SERVICE_CALL: 1}
    task = FollowUpTask.objects.get(repair_order=late)
    assert (task.occurrence_key, task.due_at, task.window_end) == (
        f"ro{late.pk}",
        at(2026, 11, 20, 10),
        at(2026, 11, 23, 10),
    )
    assert (task.status, task.assigned_to) == (TaskStatus.OPEN, advisor)
    assert not FollowUpTask.objects.filter(repair_order=too_old).exists()
    # and a second run (and one an hour later) creates nothing more
    assert sweep_run(store=store, now=NOW, kinds=FREQUENT_KINDS) == {RuleKind.POST_SERVICE_CALL: 0}
    assert sweep_run(store=store, now=NOW + timedelta(hours=1), kinds=FREQUENT_KINDS)[RuleKind.POST_SERVICE_CALL] == 0
    assert FollowUpTask.objects.count() == 1


def test_the_late_call_is_offered_as_overdue_and_counts_as_not_on_time(store, advisor):
    # given the late task of an order delivered 5 days before the first sweep
    late = delivered(store, at(2026, 11, 20, 10), advisor)
    sweep_run(store=store, now=NOW, kinds=FREQUENT_KINDS)
    task = FollowUpTask.objects.get(repair_order=late)
    # then the advisor is offered it, in the overdue bucket (逾期), not closed as missed
    assert list(call_tasks_offerable(stores=[store], now=NOW, assigned_to=advisor)) == [task]
    assert bucket_of(task, now=NOW, day_end=at(2026, 11, 26)) == "overdue"
    # when the advisor completes the call at NOW
    attempt_record(task=task, actor=advisor, now=NOW, outcome=AttemptOutcome.COMPLETED)
    # then the month's KPI counts it due and called, but not within the 72 h window
    row = followup_kpis(stores=[store], month=date(2026, 11, 1))["total"]
    assert (row["due"], row["attempted"], row["within"]) == (1, 1, 0)
    assert row[Kpi.WITHIN_WINDOW] == 0


def test_a_store_can_switch_the_catch_up_off(store, advisor):
    # given the store sets the catch-up limit to 0 (off)
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
    assert rule.catch_up_days == 7  # the default
    rule_update(rule=rule, actor=None, now=NOW, catch_up_days=0)
    delivered(store, at(2026, 11, 20, 10), advisor)
    in_window = delivered(store, at(2026, 11, 24, 10), advisor)
    # when the sweep runs
    sweep_run(store=store, now=NOW, kinds=FREQUENT_KINDS)
    # then only the order still inside its window is called
    assert list(FollowUpTask.objects.values_list("repair_order", flat=True)) == [in_window.pk]


def test_a_catch_up_limit_beyond_a_month_is_refused(store):
    from django.core.exceptions import ValidationError

    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
    with pytest.raises(ValidationError) as raised:
        rule_update(rule=rule, actor=None, now=NOW, catch_up_days=31)
    assert "catch_up_days" in raised.value.message_dict
    rule.refresh_from_db()
    assert rule.catch_up_days == 7


def test_the_director_sets_the_catch_up_limit_on_the_post_service_rule_only(client, store):
    from django.urls import reverse

    from huifang.accounts.choices import Role

    from ..factories import member
    from .test_views import rule_audits, rule_post

    client.force_login(member(store, Role.CARE_DIRECTOR, username="catch-up-director"))
    rules_ensure_defaults(store=store)
    post = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
    insurance = FollowUpRule.objects.get(store=store, kind=RuleKind.INSURANCE_RENEWAL)
    # when the director lowers the limit to 3 days, and sends one with the insurance rule too
    url = reverse("followups:rule_edit", args=[store.pk, post.pk])
    assert client.post(url, rule_post(post, catch_up_days=3)).status_code == 302
    client.post(reverse("followups:rule_edit", args=[store.pk, insurance.pk]), rule_post(insurance, catch_up_days=1))
    # then the post-service rule keeps 3 (audited), the insurance rule has no such setting and is unchanged
    post.refresh_from_db()
    insurance.refresh_from_db()
    assert (post.catch_up_days, insurance.catch_up_days) == (3, 7)
    assert rule_audits(post).filter(changes__has_key="catch_up_days").exists()
    # and a limit above 30 days is refused on the form
    response = client.post(url, rule_post(post, catch_up_days=31))
    assert response.status_code == 422
    assert "catch_up_days" in response.context["form"].errors
