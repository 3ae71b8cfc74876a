"""The team board in real browsers: a store manager adds a screen, the TV (a second browser with no login)
pairs with the one-time link and shows the board; new data appears by itself at the next poll; a failed
refresh shows the stale warning; revoking makes the TV say "not paired" at its next refresh."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.board.models import BoardScreen
from tests.factories import PASSWORD, CustomerFactory
from tests.reports.factories import ComplaintFactory, TaskFactory

from .conftest import csp_violations, login

pytestmark = pytest.mark.browser


def _overdue_task(store):
    TaskFactory(customer=CustomerFactory(store=store, name="周杰"), due_at=timezone.now() - timedelta(hours=100))


def test_manager_pairs_a_screen_that_refreshes_by_itself_until_revoked(
    page, browser, live_server, store, manager, settings, shot
):
    # given a one-second poll (30 s in production) and one overdue call
    settings.BOARD_REFRESH_SECONDS = 1
    _overdue_task(store)
    now = timezone.now()
    ComplaintFactory(
        store=store,
        customer_name="欧阳锋",
        phone="+8613700001234",
        received_at=now - timedelta(hours=1),
        first_contacted_at=now - timedelta(minutes=30),
        level_due_at=now + timedelta(hours=3),
    )
    login(page, "manager", PASSWORD)
    page.goto(page.base_url + "/board/settings/")
    page.fill("#id_name", "回访区电视")
    page.click("button.primary")
    pairing_url = page.locator("#pairing-url").inner_text()
    shot(page, "board-settings-code")
    # when the TV (another browser, nobody signed in) opens the link and pairs
    tv_context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    tv = tv_context.new_page()
    blocked = csp_violations(tv)
    tv.goto(pairing_url)
    tv.click(".pair-form button")
    # then it shows the board
    expect(tv.locator("#calls-overdue")).to_have_text("1")
    expect(tv.locator("h1")).to_contain_text("团队看板")
    expect(tv.locator(".complaint-rows")).to_contain_text("欧**")
    assert "欧阳锋" not in tv.content() and "1234" not in tv.inner_text("body")
    assert "/login/" not in tv.url
    shot(tv, "board-tv")
    tv.evaluate("window.__notReloaded = true")
    # when a second call becomes overdue, the board shows it by itself, without a reload
    _overdue_task(store)
    expect(tv.locator("#calls-overdue")).to_have_text("2")
    assert tv.evaluate("window.__notReloaded") is True
    # when refreshes fail, the stale warning shows; when they work again it goes
    tv.route("**/board/live/", lambda route: route.fulfill(status=503, body="down"))
    expect(tv.locator("#board-stale")).to_be_visible()
    expect(tv.locator("#board-stale")).to_contain_text("刷新失败")
    shot(tv, "board-tv-stale")
    tv.unroute("**/board/live/")
    expect(tv.locator("#board-stale")).to_be_hidden()
    # when the manager revokes the screen, its next refresh shows "not paired" and no figures
    page.reload()
    page.click(f"#screen-{BoardScreen.objects.get().pk} button.danger")
    expect(page.locator(".messages")).to_contain_text("已撤销")
    expect(tv.locator(".unpaired h1")).to_have_text("屏幕未配对")
    expect(tv.locator("#calls-overdue")).to_have_count(0)
    shot(tv, "board-tv-revoked")
    tv_context.close()
    assert blocked == []
