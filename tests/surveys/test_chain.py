"""The fallback chain: unreachable call -> SMS link -> e-mail two days later; stops at the first answer."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.followups.services import attempt_record
from huifang.messaging.choices import MessageChannel, MessageStatus, TemplateKind
from huifang.messaging.models import OutboxMessage
from huifang.messaging.services import optout_record
from huifang.surveys import services
from huifang.surveys.models import SurveyLink, SurveyPolicy
from huifang.workbench.choices import CallOutcome
from huifang.workbench.services import call_record_save

from ..factories import CustomerFactory
from ..workbench.factories import NOW, call_task, full_answers
from .conftest import unreachable_task

pytestmark = pytest.mark.django_db


def survey_messages(customer, channel=None):
    rows = OutboxMessage.objects.filter(customer=customer, template__kind=TemplateKind.SURVEY_LINK)
    return rows.filter(channel=channel) if channel else rows


def test_three_unreachable_attempts_send_the_link_by_sms_instead_of_the_repair_sms(store, customer, specialist):
    # given an open post-service call
    task = call_task(store, customer=customer, assigned_to=specialist)
    # when it fails three times
    for hour in (0, 2, 32.5):  # 10:00, 12:00, next day 18:30 (retry spacing)
        attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=hour), outcome=AttemptOutcome.NO_ANSWER)
    # then the task is unreachable and the survey link went by SMS, once, with the link in it
    assert task.status == TaskStatus.UNREACHABLE
    link = SurveyLink.objects.get(task=task)
    sms = survey_messages(customer, MessageChannel.SMS).get()
    assert sms.status == MessageStatus.QUEUED and sms.to_address == "+8613800138000"
    assert services.link_url(link) in sms.body and "/s/" in sms.body
    assert link.sms_message == sms
    assert not OutboxMessage.objects.filter(customer=customer, template__kind=TemplateKind.REPAIR_FOLLOW_UP).exists()
    # and the sweep run afterwards adds nothing
    assert services.chain_run(now=NOW + timedelta(hours=33)) == {"links": 0, "sms": 0, "email": 0}
    assert survey_messages(customer).count() == 1


def test_a_store_with_the_chain_off_keeps_the_repair_sms(store, customer, specialist):
    services.policy_update(store=store, actor=None, now=NOW, chain_enabled=False)
    task = call_task(store, customer=customer, assigned_to=specialist)
    for hour in (0, 2, 32.5):  # 10:00, 12:00, next day 18:30 (retry spacing)
        attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=hour), outcome=AttemptOutcome.BUSY)
    assert not SurveyLink.objects.exists()
    assert OutboxMessage.objects.get(customer=customer).template.kind == TemplateKind.REPAIR_FOLLOW_UP


def test_the_sweep_sends_sms_then_email_two_days_later_each_once(store, task, customer):
    # when the sweep runs now, again, just before two days, then at two days and again
    first = services.chain_run(now=NOW)
    again = services.chain_run(now=NOW)
    early = services.chain_run(now=NOW + timedelta(days=2, minutes=-1))
    due = services.chain_run(now=NOW + timedelta(days=2))
    later = services.chain_run(now=NOW + timedelta(days=3))
    # then one link, one SMS, then one e-mail
    assert first == {"links": 1, "sms": 1, "email": 0}
    assert again == early == later == {"links": 0, "sms": 0, "email": 0}
    assert due == {"links": 0, "sms": 0, "email": 1}
    email = survey_messages(customer, MessageChannel.EMAIL).get()
    assert email.to_address == "zhang@example.com"
    assert services.link_url(SurveyLink.objects.get(task=task)) in email.body
    assert survey_messages(customer).count() == 2


def test_an_answered_link_stops_the_chain(store, task, customer):
    services.chain_run(now=NOW)
    link = SurveyLink.objects.get(task=task)
    services.link_answer(link=link, now=NOW + timedelta(days=1), answers=full_answers())
    assert services.chain_run(now=NOW + timedelta(days=2)) == {"links": 0, "sms": 0, "email": 0}
    assert not survey_messages(customer, MessageChannel.EMAIL).exists()


def test_a_call_answered_after_the_link_stops_the_chain(store, task, customer, specialist):
    services.chain_run(now=NOW)
    # given the customer answers another call the next day
    other = call_task(store, customer=customer, assigned_to=specialist, key="other")
    call_record_save(
        task=other, actor=specialist, now=NOW + timedelta(days=1), outcome=CallOutcome.SATISFIED, answers=full_answers()
    )
    # then no e-mail goes
    assert services.chain_run(now=NOW + timedelta(days=2))["email"] == 0
    assert not survey_messages(customer, MessageChannel.EMAIL).exists()


def test_an_sms_opt_out_leaves_a_suppressed_row_and_the_email_still_goes(store, task, customer):
    # given the customer opted out of SMS
    optout_record(customer=customer, channel=MessageChannel.SMS, source="call", now=NOW - timedelta(days=30))
    # when the chain runs now and two days later
    services.chain_run(now=NOW)
    services.chain_run(now=NOW + timedelta(days=2))
    # then the SMS row is suppressed (not sent), the e-mail is queued
    sms = survey_messages(customer, MessageChannel.SMS).get()
    assert sms.status == MessageStatus.SUPPRESSED_OPT_OUT
    assert survey_messages(customer, MessageChannel.EMAIL).get().status == MessageStatus.QUEUED


def test_a_customer_who_answered_a_call_within_30_days_gets_no_link(store, customer, specialist):
    # given the customer answered a call 29 days ago, and another customer 31 days ago
    earlier = call_task(store, customer=customer, assigned_to=specialist, key="earlier")
    call_record_save(
        task=earlier,
        actor=specialist,
        now=NOW - timedelta(days=29),
        outcome=CallOutcome.SATISFIED,
        answers=full_answers(),
    )
    wang = CustomerFactory(store=store, name="王五")
    long_ago = call_task(store, customer=wang, assigned_to=specialist, key="long-ago")
    call_record_save(
        task=long_ago,
        actor=specialist,
        now=NOW - timedelta(days=31),
        outcome=CallOutcome.SATISFIED,
        answers=full_answers(),
    )
    recent = unreachable_task(store, customer=customer, key="recent")
    due = unreachable_task(store, customer=wang, key="due")
    # when the sweep runs
    counts = services.chain_run(now=NOW)
    # then only the customer not surveyed within 30 days gets a link
    assert counts["links"] == 1
    assert list(SurveyLink.objects.values_list("task", flat=True)) == [due.pk]
    assert not SurveyLink.objects.filter(task=recent).exists()


def test_two_unreachable_calls_of_one_customer_make_one_link(store, customer):
    unreachable_task(store, customer=customer, key="a")
    unreachable_task(store, customer=customer, key="b")
    services.chain_run(now=NOW)
    services.chain_run(now=NOW + timedelta(hours=1))
    assert SurveyLink.objects.filter(customer=customer).count() == 1
    assert survey_messages(customer).count() == 1


def test_the_chain_is_per_store_with_seeded_policies(store, other_store, task):
    # given the other store has its chain off
    services.policy_update(store=other_store, actor=None, now=NOW, chain_enabled=False)
    other = unreachable_task(other_store, customer=CustomerFactory(store=other_store), key="o")
    # when
    services.chain_run(now=NOW)
    # then the store gets its link and the other store none
    assert SurveyPolicy.objects.get(store=store).link_valid_days == 7
    assert SurveyLink.objects.filter(task=task).exists()
    assert not SurveyLink.objects.filter(task=other).exists()


def test_the_sweep_runs_in_a_fixed_number_of_queries(store, django_assert_max_num_queries):
    for i in range(5):
        unreachable_task(store, customer=CustomerFactory(store=store, name=f"客户{i}"), key=f"q{i}")
    services.chain_run(now=NOW)  # warm: policies, templates
    for i in range(5, 10):
        unreachable_task(store, customer=CustomerFactory(store=store, name=f"客户{i}"), key=f"q{i}")
    with django_assert_max_num_queries(80):
        counts = services.chain_run(now=NOW + timedelta(minutes=5))
    assert counts == {"links": 5, "sms": 5, "email": 0}


def test_the_command_runs_the_chain_as_of_the_given_time(store, task, capsys):
    call_command("run_survey_chain", "--now", "2026-11-25T10:00+08:00")
    assert "links 1, SMS 1, e-mails 0" in capsys.readouterr().out
