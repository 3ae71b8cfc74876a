"""Escalations, major complaints and dissatisfied surveys reach the store's group: once each, masked, per store."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints import services as complaints
from huifang.messaging import services as messaging
from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
from huifang.messaging.models import OutboxMessage
from huifang.messaging.tasks import deliver_message_task
from huifang.robots.models import RobotSettings

from ..factories import member
from .conftest import DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY, robot_on

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
OTHER_TOKEN = "gz02otherstoregroup"


def intake(store, actor, now=NOW, **kwargs):
    values = {"channel": "phone", "category": "SA", "content": "保养后车辆有异响", "customer_name": "王小明"}
    values.update(kwargs)
    complaint, _created = complaints.complaint_intake(store=store, actor=actor, now=now, **values)
    return complaint


def robot_messages(store=None):
    rows = OutboxMessage.objects.filter(channel=ROBOT_CHANNEL)
    return rows.filter(store=store) if store is not None else rows


def test_one_group_message_per_escalation_even_when_sweeps_and_deliveries_repeat(
    store, specialist, manager, dingtalk, immediate_tasks, django_capture_on_commit_callbacks
):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    complaint = intake(store, specialist, owner=specialist, phone="13912345678")
    # when the escalation sweep passes the level 1 deadline, and runs again (a retried worker)
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaints_escalate_due(now=NOW + timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaints_escalate_due(now=NOW + timedelta(hours=25))
    [message] = robot_messages()
    # and the delivery task runs a second time for the same message, and the release sweep too
    deliver_message_task.call(message_id=message.pk)
    messaging.outbox_release_due(now=NOW + timedelta(hours=26))
    # then the group received exactly one message, about this escalation
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    [received] = dingtalk.received
    text = received["body"]["markdown"]["text"]
    assert received["body"]["markdown"]["title"] == f"投诉升级：{complaint.number}"
    assert complaint.number in text and "当前级别：2级" in text
    # the customer's name masked, no phone number anywhere
    assert "王**" in text and "王小明" not in text
    assert "13912345678" not in text and "1391234" not in text
    assert f"/complaints/{complaint.pk}/" in text
    # the next deadline passing later is a new escalation: a second message
    with django_capture_on_commit_callbacks(execute=True):
        complaints.complaints_escalate_due(now=NOW + timedelta(hours=73))
    assert len(dingtalk.received) == 2


def test_a_manual_escalation_posts_once(store, specialist, manager, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    complaint = intake(store, specialist, owner=specialist)
    complaints.complaint_escalate(
        complaint=complaint, actor=specialist, now=NOW, why="客户要求经理处理，电话 138 1234 5678"
    )
    [message] = robot_messages()
    assert "客户要求经理处理" in message.body and "5678" not in message.body


def test_a_major_complaint_posts_once_with_its_report_deadline(store, specialist, manager, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    complaint = intake(store, specialist, background="客户在媒体工作，表示处理不满意将曝光到媒体。")
    assert complaint.is_major
    # running the major rules again (a later edit) does not post again
    complaints.complaint_update(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1), demand="道歉")
    [message] = robot_messages()
    assert message.subject == f"重大投诉：{complaint.number}"
    assert "涉及媒体/法律" in message.body and "书面报告厂家截止：2026-11-25 14:00" in message.body
    assert "王**" in message.body and "王小明" not in message.body


def test_another_stores_alerts_never_reach_this_group(
    store, other_store, specialist, dingtalk, django_capture_on_commit_callbacks, immediate_tasks
):
    # given both stores have a robot, each its own group
    dingtalk.groups[OTHER_TOKEN] = ""
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    robot_on(other_store, dingtalk, token=OTHER_TOKEN, now=NOW)
    elsewhere = member(other_store, "care_specialist", username="gz-specialist")
    # when only the other store has a major complaint
    with django_capture_on_commit_callbacks(execute=True):
        theirs = intake(other_store, elsewhere, background="客户说要去法院起诉")
    # then only the other store's group heard of it
    assert theirs.is_major
    assert dingtalk.messages_of(DINGTALK_TOKEN) == []
    [received] = dingtalk.messages_of(OTHER_TOKEN)
    assert theirs.number in received["body"]["markdown"]["text"]
    assert robot_messages(store).count() == 0


def test_a_store_without_a_robot_posts_nothing(store, specialist, manager, dingtalk):
    intake(store, specialist, background="客户表示要曝光到媒体")
    complaints.complaints_escalate_due(now=NOW + timedelta(hours=25))
    assert not robot_messages().exists()
    assert not RobotSettings.objects.filter(enabled=True).exists()


def test_a_dissatisfied_survey_answer_posts_a_hot_alert(client, store, manager, wecom, monkeypatch):
    from huifang.core import clock
    from huifang.surveys import services as surveys

    from ..factories import CustomerFactory
    from ..workbench.factories import NOW as SURVEY_NOW
    from ..workbench.factories import call_task

    monkeypatch.setattr(clock, "now", lambda: SURVEY_NOW)
    robot_on(store, wecom, token=WECOM_KEY, now=SURVEY_NOW)
    customer = CustomerFactory(store=store, name="张三丰", mobile="+8613800138000")
    task = call_task(store, customer=customer)
    link = surveys.link_create(task=task, actor=None, now=SURVEY_NOW - timedelta(hours=1))
    answers = {f"q_{code}": "9" for code in ("overall", "done_right", "explanation", "lounge", "car_wash", "invoice")}
    answers |= {"q_reception": "5", "q_come_back": "1"}
    response = client.post(f"/s/{surveys.link_token(link)}/", answers)
    assert response.status_code == 302, response.content[:500]
    [message] = robot_messages()
    assert message.subject == "问卷不满意预警"
    assert "张**" in message.body and "张三丰" not in message.body and "13800138000" not in message.body
    assert "不满意" in message.body and "/complaints/" in message.body


class Killed(BaseException):
    """The worker dies (SIGKILL) right after the group message was written, before the sweep commits."""


def test_a_sweep_killed_mid_escalation_and_retried_posts_once(store, specialist, manager, dingtalk, monkeypatch):
    from huifang.robots import alerts

    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    complaint = intake(store, specialist, owner=specialist)
    real = alerts.complaint_escalated

    def then_die(**kwargs):
        real(**kwargs)
        assert robot_messages().count() == 1  # written inside the escalation's transaction …
        raise Killed

    monkeypatch.setattr(alerts, "complaint_escalated", then_die)
    with pytest.raises(Killed):
        complaints.complaints_escalate_due(now=NOW + timedelta(hours=25))
    # … so the kill undid it together with the escalation
    complaint.refresh_from_db()
    assert complaint.level == 1 and robot_messages().count() == 0
    # when the retried worker runs the sweep again
    monkeypatch.setattr(alerts, "complaint_escalated", real)
    complaints.complaints_escalate_due(now=NOW + timedelta(hours=26))
    complaints.complaints_escalate_due(now=NOW + timedelta(hours=27))
    complaint.refresh_from_db()
    assert complaint.level == 2 and robot_messages().count() == 1


def test_a_delivery_killed_before_the_post_is_sent_once_by_the_release_sweep(store, specialist, manager, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=NOW)
    intake(store, specialist, owner=specialist)
    complaints.complaints_escalate_due(now=NOW + timedelta(hours=25))
    [message] = robot_messages()
    # a worker claimed it (SENDING) and was killed before posting
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=NOW + timedelta(hours=25), attempts=1
    )
    # the release sweep 15 minutes later takes it back, and a delivery (run twice) posts it once
    messaging.outbox_release_due(now=NOW + timedelta(hours=25, minutes=20))
    later = NOW + timedelta(hours=25, minutes=21)
    messaging.message_deliver(message_id=message.pk, now=later)
    messaging.message_deliver(message_id=message.pk, now=later)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert len(dingtalk.received) == 1
