"""Delivery through the outbox to local fakes of the DingTalk and WeCom robots (real HTTP, signature checked)."""

from datetime import timedelta

import pytest

from huifang.messaging import services as messaging
from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
from huifang.messaging.models import OutboxMessage
from huifang.robots import sealing, services
from huifang.robots.choices import AlertKind
from huifang.robots.models import RobotSettings

from .conftest import DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY, robot_on

pytestmark = pytest.mark.django_db


def post(store, now, key="k1", kind=AlertKind.ESCALATION):
    return services.robot_post(store=store, kind=kind, key=key, title="投诉升级：C1", lines=["- 顾客：张**"], now=now)


def test_dingtalk_signed_message_is_verified_by_the_fake_and_sent(store, now, dingtalk):
    # given the store's DingTalk robot with its 加签 secret
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    # when an alert is posted and delivered
    message = post(store, now)
    message = messaging.message_deliver(message_id=message.pk, now=now)
    # then the fake recomputed the signature from the secret and accepted the one markdown message
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.channel == ROBOT_CHANNEL and message.to_address == "钉钉群机器人"
    [received] = dingtalk.received
    assert received["token"] == DINGTALK_TOKEN
    assert received["body"]["msgtype"] == "markdown"
    assert received["body"]["markdown"]["title"] == "投诉升级：C1"
    assert received["body"]["markdown"]["text"].startswith("#### 投诉升级：C1\n- 顾客：张**")
    # every message carries the keyword, for robots secured by a custom keyword
    assert "回访" in received["body"]["markdown"]["text"]
    assert dingtalk.refused == []


def test_a_wrong_secret_is_refused_by_the_fake_and_fails_at_once_with_the_reason(store, now, dingtalk):
    # given the manager pasted a secret that is not the robot's
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret="SECnot-the-robots-secret", now=now)
    message = post(store, now)
    # when delivered
    message = messaging.message_deliver(message_id=message.pk, now=now)
    # then the fake refused the signature: failed at once (waiting does not fix a secret), reason kept
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "310000" in message.last_error and "sign not match" in message.last_error
    assert dingtalk.received == [] and len(dingtalk.refused) == 1


def test_rate_limit_is_retried_later_then_sent_once(store, now, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    dingtalk.answers.append({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    message = post(store, now)
    # when the first try meets the rate limit
    message = messaging.message_deliver(message_id=message.pk, now=now)
    # then it waits for the outbox's backoff (5 minutes) with the reason
    assert message.status == MessageStatus.QUEUED
    assert message.not_before == now + timedelta(minutes=5)
    assert "130101" in message.last_error
    # a delivery before then does nothing
    assert messaging.message_deliver(message_id=message.pk, now=now + timedelta(minutes=1)).attempts == 1
    # when the release sweep runs after the backoff
    later = now + timedelta(minutes=6)
    message = messaging.message_deliver(message_id=message.pk, now=later)
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert len(dingtalk.received) == 1


def test_wecom_key_in_the_webhook_and_markdown_content(store, now, wecom):
    robot_on(store, wecom, token=WECOM_KEY, now=now)
    message = messaging.message_deliver(message_id=post(store, now).pk, now=now)
    assert message.status == MessageStatus.SENT, message.last_error
    [received] = wecom.received
    assert received["token"] == WECOM_KEY
    assert set(received["body"]["markdown"]) == {"content"}
    assert received["body"]["markdown"]["content"].startswith("#### 投诉升级：C1")


def test_wecom_rate_limit_45009_is_retried_and_a_wrong_key_fails(store, other_store, now, wecom):
    robot_on(store, wecom, token=WECOM_KEY, now=now)
    wecom.answers.append({"errcode": 45009, "errmsg": "api freq out of limit"})
    message = messaging.message_deliver(message_id=post(store, now).pk, now=now)
    assert message.status == MessageStatus.QUEUED and "45009" in message.last_error
    # a key the platform does not know (robot removed from the group) fails with WeCom's reason
    robot_on(other_store, wecom, token="deadbeef-0000-robot-removed", now=now)
    gone = messaging.message_deliver(message_id=post(other_store, now).pk, now=now)
    assert gone.status == MessageStatus.FAILED and "93000" in gone.last_error


def test_robot_off_sends_nothing(store, now, dingtalk):
    # a store that never set a robot: nothing is queued
    assert post(store, now) is None
    # a robot set up but switched off: nothing queued either
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now, enabled=False)
    assert post(store, now, key="k2") is None
    # an alert kind switched off: nothing for it, the others still go
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, now=now, post_escalations=False)
    assert post(store, now, key="k3") is None
    assert post(store, now, key="k4", kind=AlertKind.MAJOR) is not None
    assert OutboxMessage.objects.filter(channel=ROBOT_CHANNEL).count() == 1


def test_a_robot_turned_off_after_queueing_gets_nothing(store, now, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    message = post(store, now)
    RobotSettings.objects.filter(store=store).update(enabled=False)
    message = messaging.message_deliver(message_id=message.pk, now=now)
    assert message.status == MessageStatus.FAILED and "off" in message.last_error
    assert dingtalk.received == [] and dingtalk.refused == []


def test_a_group_that_cannot_be_reached_is_retried(store, now, dingtalk, settings):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    message = post(store, now)
    # the platform unreachable (nothing listens on port 9)
    settings.ROBOT_TIMEOUT = 2
    RobotSettings.objects.filter(store=store).update(
        webhook_sealed=sealing.seal(f"http://127.0.0.1:9/robot/send?access_token={DINGTALK_TOKEN}")
    )
    message = messaging.message_deliver(message_id=message.pk, now=now)
    assert message.status == MessageStatus.QUEUED and "unreachable" in message.last_error


def test_the_same_alert_key_queues_one_message(store, now, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    first, again = post(store, now), post(store, now + timedelta(minutes=5))
    assert first.pk == again.pk
    # and delivering it twice (a repeated task) posts once: the second finds it sent
    messaging.message_deliver(message_id=first.pk, now=now)
    messaging.message_deliver(message_id=first.pk, now=now)
    assert len(dingtalk.received) == 1


def test_braces_in_alert_text_are_kept_as_written(store, now, dingtalk):
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    message = services.robot_post(
        store=store, kind=AlertKind.MAJOR, key="b", title="{x}", lines=["客户说{不满意}"], now=now
    )
    assert message.status == MessageStatus.QUEUED, message.last_error
    messaging.message_deliver(message_id=message.pk, now=now)
    assert "客户说{不满意}" in dingtalk.received[0]["body"]["markdown"]["text"]


def test_a_burst_of_alerts_is_paced_under_the_platforms_rate_limit(store, now, dingtalk):
    # given 25 escalations at once (e.g. the first sweep after a night without workers)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    messages = [post(store, now, key=f"burst-{i}") for i in range(25)]
    # then they are spaced 6 s apart: the first goes at once, at most 10 fall in any minute
    times = [m.not_before for m in messages]
    assert times[0] == now and times[-1] == now + timedelta(seconds=6 * 24)
    assert all(b - a == timedelta(seconds=6) for a, b in zip(times, times[1:], strict=False))
    # when the outbox runs every minute (release sweep, then each released message delivered)
    for minute in range(4):
        at = now + timedelta(minutes=minute)
        due = OutboxMessage.objects.filter(channel=ROBOT_CHANNEL, status=MessageStatus.QUEUED, not_before__lte=at)
        delivered_before = len(dingtalk.received)
        for pk in list(due.values_list("pk", flat=True)):
            messaging.message_deliver(message_id=pk, now=at)
        # then never more than 10 reach the group in one minute, and none is refused
        assert len(dingtalk.received) - delivered_before <= 10
    assert len(dingtalk.received) == 25 and dingtalk.refused == []
    # and a lone alert later goes at once
    assert post(store, now + timedelta(minutes=10), key="alone").not_before == now + timedelta(minutes=10)
