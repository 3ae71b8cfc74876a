"""The robot screen through the test client: roles and stores, write-only secrets, audit, the test button."""

from datetime import timedelta

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.audit.models import AuditEntry
from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
from huifang.messaging.models import OutboxMessage
from huifang.robots import sealing, services
from huifang.robots.models import RobotSettings
from tests.factories import StoreFactory, member

from .conftest import DINGTALK_SECRET, DINGTALK_TOKEN, robot_on

pytestmark = pytest.mark.django_db


def form(fake, **values):
    data = {
        "enabled": "on",
        "platform": fake.platform,
        "webhook": fake.webhook(DINGTALK_TOKEN),
        "secret": DINGTALK_SECRET,
        "post_brief": "on",
        "brief_time": "08:30",
        "post_escalations": "on",
        "post_major": "on",
        "post_hot": "on",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def url(store, name="robots:settings"):
    return reverse(name, kwargs={"store_id": store.pk})


def test_the_manager_sets_up_the_robot_and_never_sees_the_secret_again(client, store, manager, dingtalk, frozen_clock):
    client.force_login(manager)
    assert client.get(url(store)).status_code == 200
    # when the manager saves the webhook and the secret
    response = client.post(url(store), form(dingtalk))
    assert response.status_code == 302
    robot = RobotSettings.objects.get(store=store)
    assert robot.enabled and robot.configured
    # then both are stored sealed, not as typed
    assert DINGTALK_TOKEN not in robot.webhook_sealed and DINGTALK_SECRET not in robot.secret_sealed
    assert sealing.unseal(robot.secret_sealed) == DINGTALK_SECRET
    # the page shows the webhook masked and never the secret
    html = client.get(url(store)).content.decode()
    assert DINGTALK_TOKEN not in html and DINGTALK_SECRET not in html
    assert DINGTALK_TOKEN[-4:] in html
    # the audit trail says what changed, without the values
    entry = AuditEntry.objects.filter(object_id=robot.pk).latest("pk")
    assert entry.changes["webhook"] == "changed" and entry.changes["secret"] == "changed"
    assert entry.changes["enabled"] == ["False", "True"]
    assert DINGTALK_TOKEN not in str(entry.changes) and DINGTALK_SECRET not in str(entry.changes)
    # saving again with both fields empty keeps them
    client.post(url(store), form(dingtalk, webhook="", secret="", post_hot=None))
    robot.refresh_from_db()
    assert sealing.unseal(robot.secret_sealed) == DINGTALK_SECRET and not robot.post_hot


def test_a_wrong_address_is_refused_naming_the_field_and_nothing_is_saved(client, store, director, dingtalk):
    client.force_login(director)
    response = client.post(url(store), form(dingtalk, webhook="https://example.com/hook?access_token=abcdefgh123"))
    assert response.status_code == 422
    assert "has-error" in response.content.decode() and "/robot/send?access_token=" in response.content.decode()
    assert not RobotSettings.objects.filter(store=store, enabled=True).exists()
    response = client.post(url(store), form(dingtalk, secret="not-a-dingtalk-secret"))
    assert response.status_code == 422 and "SEC" in response.content.decode()


def test_the_test_button_posts_to_the_group_and_says_so(client, store, manager, dingtalk, frozen_clock):
    client.force_login(manager)
    client.post(url(store), form(dingtalk))
    response = client.post(url(store, "robots:send_test"), follow=True)
    assert response.status_code == 200
    [received] = dingtalk.received
    assert received["body"]["markdown"]["title"] == "测试消息"
    message = OutboxMessage.objects.get(channel=ROBOT_CHANNEL)
    assert message.status == MessageStatus.SENT
    assert "测试消息" in response.content.decode()


def test_the_test_button_shows_the_platforms_reason(client, store, manager, dingtalk, frozen_clock):
    client.force_login(manager)
    client.post(url(store), form(dingtalk, secret="SECwrong-secret-pasted"))
    response = client.post(url(store, "robots:send_test"), follow=True)
    assert "310000" in response.content.decode()
    assert dingtalk.received == []


def test_other_roles_and_other_stores_are_kept_out(client, store, other_store, specialist, outsider, manager):
    client.force_login(specialist)
    assert client.get(url(store)).status_code == 403
    assert client.post(url(store, "robots:send_test")).status_code == 403
    client.force_login(manager)
    assert client.get(url(other_store)).status_code == 404
    assert client.post(url(other_store, "robots:send_test")).status_code == 404
    assert client.get(url(store, "robots:send_test")).status_code == 405


def test_store_list_shows_each_stores_robot_and_only_the_admins_stores(
    client, store, other_store, dingtalk, now, frozen_clock, django_assert_num_queries, settings
):
    # given an administrator of SZ01 and SZ03 (same group); GZ02 belongs to another group
    third = StoreFactory(code="SZ03", name="深圳第三家店", group=store.group)
    admin = member(store, Role.ADMIN, username="store_admin")
    Membership.objects.create(user=admin, role=Role.ADMIN, scope=Scope.STORE, store=third)
    # SZ01's robot is on, DingTalk, no daily brief; a test reached the group, a later one was refused (wrong 加签)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, post_brief=False, post_hot=False)
    services.robot_test(store=store, actor=admin, now=now)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret="SECwrong-secret-pasted", post_brief=False, post_hot=False)
    frozen_clock.set(now + timedelta(hours=1))
    services.robot_test(store=store, actor=admin, now=now + timedelta(hours=1))
    # the other group's store has a robot too
    robot_on(other_store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET)
    client.force_login(admin)
    # when the administrator opens the robots' store list (the stores' rows are one query)
    with django_assert_num_queries(4):
        response = client.get(reverse("robots:settings_index"))
    # then a row per store of theirs: on/off, platform, alerts, last sent and last failure with its reason
    assert response.status_code == 200
    rows = {s.code: s for s in response.context["stores"]}
    assert sorted(rows) == ["SZ01", "SZ03"]
    sz01 = rows["SZ01"]
    assert sz01.last_sent_at == now
    assert sz01.last_failed_at == now + timedelta(hours=1)
    assert "310000" in sz01.last_failed_error
    text = response.content.decode()
    row = text[text.index(f'id="store-{store.pk}"') : text.index(f'id="store-{third.pk}"')]
    assert "启用" in row and "钉钉" in row and "重大投诉" in row and "投诉升级" in row
    assert "每日简报" not in row and "不满意回访" not in row
    assert "310000" in row
    third_row = text[text.index(f'id="store-{third.pk}"') :]
    assert "未设置" in third_row
    assert other_store.name not in text
    # and in English for whoever chose it
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("robots:settings_index")).content.decode()
    assert "Last failed" in english and "DingTalk" in english and "not set up" in english


def test_store_list_sends_a_one_store_manager_to_the_robot_and_keeps_others_out(client, store, manager, specialist):
    client.force_login(manager)
    assert client.get(reverse("robots:settings_index")).url == url(store)
    client.force_login(specialist)
    assert client.get(reverse("robots:settings_index")).status_code == 403
