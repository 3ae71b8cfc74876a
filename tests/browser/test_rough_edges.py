"""The rough edges of issue 17 §4, each in a real browser (Chinese), with a screenshot of each screen."""

import re

import pytest
from playwright.sync_api import expect

from huifang.core import clock

from ..factories import PASSWORD, CustomerFactory, VehicleFactory
from ..workbench.factories import NOW
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    # Wednesday 25 November 2026, 10:00 in Shanghai (outside the default quiet hours) unless a test moves it.
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.parametrize("start", ["/", "/workbench/", "/complaints/"])
def test_slash_from_any_page_keeps_every_typed_key(page, shot, store, specialist, start):
    # given 张三 (pinyin initials zs) and a signed-in specialist on some page
    zhang = CustomerFactory(store=store, name="张三", mobile="+8613812345678")
    VehicleFactory(customer=zhang, plate="粤B12345")
    CustomerFactory(store=store, name="李四")
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + start)
    # when "/" and the query are typed at full speed, with no pause for anything to load
    page.keyboard.press("/")
    page.keyboard.type("zs")
    # then not a key is lost: the box holds "zs" and shows 张三 only
    expect(page.locator("#quick-q")).to_have_value("zs")
    expect(page.locator("#quick-results tbody tr")).to_have_count(1)
    expect(page.locator("#quick-results")).to_contain_text("张三")
    shot(page, f"rough_slash_search{start.strip('/').replace('/', '_') or '_home'}")
    # and Enter opens the customer
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/archive/customers/{zhang.pk}/$"))
    expect(page.locator("h1")).to_contain_text("张三")


def test_slash_then_enter_before_results_goes_to_the_search_page_with_the_text(page, store, specialist):
    # given
    CustomerFactory(store=store, name="张三")
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    # when Enter comes before any result could arrive
    page.keyboard.press("/")
    page.keyboard.type("zs")
    page.keyboard.press("Enter")
    # then the search page opens with the whole text
    page.wait_for_url(re.compile(r"/archive/customers/\?q=zs$"))
    expect(page.locator("#customer-q")).to_have_value("zs")
    expect(page.locator("#search-results")).to_contain_text("张三")


def test_escape_closes_the_top_bar_search_and_n_opens_the_next_task_again(page, store, specialist):
    # given the queue page with the search opened and closed
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    page.keyboard.press("/")
    page.keyboard.type("n")
    expect(page.locator("#quick-q")).to_have_value("n")
    # when
    page.keyboard.press("Escape")
    # then the box is gone and typing "n" inside it did not leave the page
    expect(page.locator("#quick-search")).to_be_hidden()
    assert page.url.endswith("/workbench/")
