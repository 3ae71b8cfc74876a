"""The customer's survey link on a phone-size screen (360×740): answer, thank-you page, reopen -> already
answered, one character changed -> invalid link."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from huifang.accounts.choices import Role
from huifang.core import clock
from huifang.surveys import services
from huifang.workbench.models import CallRecord

from ..factories import CustomerFactory, member
from ..workbench.factories import NOW, call_task

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def phone(browser, live_server, transactional_db):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def test_a_customer_answers_the_link_once_on_a_phone(phone, store, shot):
    # given a post-service call's survey link
    advisor = member(store, Role.SERVICE_ADVISOR, username="advisor", display_name="王顾问")
    task = call_task(store, advisor=advisor, customer=CustomerFactory(store=store, name="张三"))
    link = services.link_create(task=task, actor=None, now=NOW)
    url = phone.base_url + reverse("surveys:answer", kwargs={"token": services.link_token(link)})
    # when the customer opens it on a 360 px wide phone
    phone.goto(url)
    expect(phone.locator("h2").first).to_be_visible()
    # then nothing is wider than the screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "survey-360-form")
    # when they tap 9 on every scale, "yes", and submit
    for group in phone.locator("fieldset.scale").all():
        options = group.locator("label")
        options.nth(options.count() - 2 if options.count() > 2 else 0).click()
    phone.locator(".survey button[type=submit]").click()
    # then the thank-you page
    expect(phone.locator(".survey h1")).to_be_visible()
    assert phone.url.endswith("/thanks/")
    shot(phone, "survey-360-thanks")
    assert CallRecord.objects.get(task=task).answers.count() == 8
    # when they open the link again: already answered
    phone.goto(url)
    expect(phone.locator(".link-answered")).to_be_visible()
    # when one character of the link is changed: invalid link
    token = services.link_token(link)
    i = len(token) // 2
    changed = token[:i] + ("x" if token[i] != "x" else "y") + token[i + 1 :]
    phone.goto(url.replace(token, changed))
    expect(phone.locator(".link-invalid")).to_be_visible()
    shot(phone, "survey-360-invalid")
