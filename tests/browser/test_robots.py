"""The store manager sets up the DingTalk group robot on the screen and sends the test message to a local fake
of DingTalk's robot (which checks the 加签 signature)."""

import pytest
from playwright.sync_api import expect

from huifang.accounts.choices import Role

from ..factories import PASSWORD, member
from ..robots.conftest import DINGTALK_SECRET, DINGTALK_TOKEN, dingtalk  # noqa: F401  (dingtalk is a fixture)
from .conftest import login

pytestmark = pytest.mark.browser


def test_the_manager_sets_up_the_robot_and_the_group_gets_the_test_message(page, store, dingtalk, shot):  # noqa: F811
    manager = member(store, Role.SERVICE_MANAGER, username="sz_manager", display_name="李经理")
    login(page, manager.username, PASSWORD)
    page.goto(page.base_url + f"/robots/stores/{store.pk}/")
    # the test button waits until a robot is set up and on
    expect(page.locator("#robot-test button")).to_be_disabled()
    page.select_option("select[name=platform]", "dingtalk")
    page.fill("input[name=webhook]", dingtalk.webhook(DINGTALK_TOKEN))
    page.fill("input[name=secret]", DINGTALK_SECRET)
    page.check("input[name=enabled]")
    page.locator("#robot-form button.primary").click()
    expect(page.locator(".msg-success")).to_be_visible()
    # the address shows masked, the secret not at all
    state = page.locator("#robot-state")
    expect(state).to_contain_text(DINGTALK_TOKEN[-4:])
    assert DINGTALK_TOKEN not in page.content() and DINGTALK_SECRET not in page.content()
    # when the manager presses the test button
    page.locator("#robot-test button").click()
    # then the screen says the group got it, and the fake DingTalk verified the signature and received it
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("table.grid tbody tr").first).to_contain_text("测试消息")
    assert [m["body"]["markdown"]["title"] for m in dingtalk.received] == ["测试消息"]
    shot(page, "robot-settings")
