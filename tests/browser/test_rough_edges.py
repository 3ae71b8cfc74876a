"""The rough edges of issue 17 §4, each in a real browser (Chinese), with a screenshot of each screen."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.messaging.models import MessagingPolicy
from huifang.surveys.models import SurveyLink
from huifang.workbench.models import CallPolicy

from ..factories import PASSWORD, CustomerFactory, VehicleFactory
from ..workbench.factories import NOW, at, call_task
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


@pytest.fixture
def four_buckets(store, specialist):
    """One task of the specialist in each bucket at NOW (Wednesday 10:00), and a colleague's task."""
    return {
        "overdue": call_task(store, assigned_to=specialist, due_at=at(2026, 11, 20, 10)),  # window ended 23 Nov
        "due_now": call_task(store, assigned_to=specialist, due_at=at(2026, 11, 24, 15)),
        "today": call_task(store, assigned_to=specialist, due_at=at(2026, 11, 25, 16)),
        "later": call_task(store, assigned_to=specialist, due_at=at(2026, 11, 27, 9)),
    }


def test_dashboard_and_queue_use_the_same_words_for_the_same_numbers(page, shot, store, specialist, four_buckets):
    # given one task in each bucket and a second one due now
    call_task(store, assigned_to=specialist, due_at=at(2026, 11, 25, 9))
    login(page, specialist.username, PASSWORD)
    # when the dashboard and then the queue are read
    page.goto(page.base_url + "/")
    dashboard = {
        key: (page.locator(f'[data-kpi="{key}"] span').inner_text(), page.locator(f'[data-kpi="{key}"] b').inner_text())
        for key in ("overdue", "due_now", "today", "later")
    }
    shot(page, "rough_dashboard_specialist")
    page.goto(page.base_url + "/workbench/")
    queue = {
        key: (
            page.locator(f'[data-bucket-count="{key}"] span').inner_text(),
            page.locator(f'[data-bucket-count="{key}"] b').inner_text(),
        )
        for key in ("overdue", "due_now", "today", "later")
    }
    shot(page, "rough_queue_counts")
    # then each number has the same word and value on both
    assert (
        dashboard
        == queue
        == {
            "overdue": ("逾期", "1"),
            "due_now": ("当前应办", "2"),
            "today": ("今天稍后到期", "1"),
            "later": ("以后", "1"),
        }
    )


def test_quiet_hours_say_why_n_opens_nothing_and_the_director_changes_them(
    page, shot, monkeypatch, store, specialist, director, four_buckets
):
    # given 12:30, inside the default lunch rest 12:00–14:00
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 12, 30))
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    # then the queue lists the tasks and says why none is offered and when the first becomes callable
    notice = page.locator("#wb-quiet")
    expect(notice).to_contain_text("免打扰时段（21:00–09:00、12:00–14:00")
    expect(notice).to_contain_text("第一个任务 11-25 14:00 起可以拨打")
    expect(page.locator(".task-row")).to_have_count(4)
    shot(page, "rough_queue_quiet_hours")
    # when n is pressed
    page.keyboard.press("n")
    # then the queue says the same instead of showing nothing
    expect(page.locator(".messages")).to_contain_text("第一个任务 11-25 14:00 起可以拨打")
    assert page.url.endswith("/workbench/")
    # when the care director removes the lunch window on the settings screen
    page.context.clear_cookies()
    login(page, director.username, PASSWORD)
    page.goto(page.base_url + "/workbench/settings/")
    page.get_by_role("link", name="免打扰时段").click()
    expect(page.locator("#id_start_2")).to_have_value("12:00")
    shot(page, "rough_quiet_hours_settings")
    page.fill("#id_start_2", "")
    page.fill("#id_end_2", "")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("免打扰时段已保存")
    assert MessagingPolicy.objects.get(store=store).quiet_hours == [["21:00", "09:00"]]
    # then the specialist's n opens the overdue task at once
    page.context.clear_cookies()
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    expect(page.locator("#wb-quiet")).to_have_count(0)
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{four_buckets['overdue'].pk}/$"))


def test_a_long_queue_opens_one_page_at_a_time(page, shot, store, specialist):
    # given 120 open calls of one specialist, all due now
    for i in range(120):
        call_task(store, assigned_to=specialist, due_at=at(2026, 11, 24, 9) + timedelta(minutes=i), key=f"long{i}")
    login(page, specialist.username, PASSWORD)
    # when the queue opens
    page.goto(page.base_url + "/workbench/")
    # then it shows the 50 most urgent, the complete count and the pages
    expect(page.locator(".task-row")).to_have_count(50)
    expect(page.locator('[data-bucket-count="due_now"] b')).to_have_text("120")
    expect(page.locator("#wb-pager")).to_contain_text("第 1 页，共 3 页")
    shot(page, "rough_queue_paged")
    # and the last page holds the remaining 20
    page.goto(page.base_url + "/workbench/?page=3")
    expect(page.locator(".task-row")).to_have_count(20)


def test_staff_see_copy_and_renew_a_survey_link_on_the_call_screen(page, shot, store, specialist, four_buckets):
    # given the call screen of a post-service task with no link yet
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    task = four_buckets["due_now"]
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + f"/workbench/tasks/{task.pk}/")
    box = page.locator(".survey-links")
    # when the link is made
    box.get_by_role("button", name="立即生成链接").click()
    # then its address shows and copies to the clipboard
    address = box.locator(".survey-url input")
    expect(address).to_have_value(re.compile(r"/s/[^/]+/$"))
    first = address.input_value()
    box.get_by_role("button", name="复制").click()
    expect(box.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first
    shot(page, "rough_call_survey_link")
    # when it is renewed
    box.get_by_role("button", name="换新链接").click()
    expect(box).to_contain_text("已生成新地址")
    # then the address is new and the old one no longer opens the survey
    renewed = box.locator(".survey-url input").input_value()
    assert renewed != first
    assert SurveyLink.objects.filter(task=task).count() == 1
    path = re.compile(r"^https?://[^/]+")
    assert page.context.request.get(path.sub(page.base_url, first)).status == 400
    assert page.context.request.get(path.sub(page.base_url, renewed)).status == 200


def test_v_reveals_the_masked_number_on_the_call_screen(page, store, specialist, four_buckets):
    # given
    task = four_buckets["due_now"]
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + f"/workbench/tasks/{task.pk}/")
    expect(page.locator(".phone-cell").first).to_contain_text("****")
    # when
    page.keyboard.press("v")
    # then the full number shows and the reveal is logged
    expect(page.locator(".phone-cell").first).not_to_contain_text("****")
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE, actor=specialist).count() == 1


def test_complaint_timeline_shows_the_newest_first_and_never_hides_an_escalation(page, shot, store, director):
    # given a complaint with twenty tracking notes, then an escalation to level 2
    from huifang.complaints.services import complaint_action_add, complaint_escalate, complaint_intake

    complaint, _ = complaint_intake(
        store=store, actor=director, now=NOW, channel="phone", category="SA", content="保养后异响", customer_name="王五"
    )
    for i in range(20):
        complaint_action_add(
            complaint=complaint, actor=director, now=NOW + timedelta(minutes=i + 1), note=f"跟进记录{i}"
        )
    complaint_escalate(complaint=complaint, actor=director, now=NOW + timedelta(hours=1), why="客户要求经理处理")
    login(page, director.username, PASSWORD)
    # when the complaint page opens
    page.goto(page.base_url + f"/complaints/{complaint.pk}/")
    # then the escalation is the first event of the timeline
    events = page.locator("#timeline li.event")
    expect(events.first).to_have_class(re.compile(r"event-escalate"))
    expect(events.first).to_contain_text("升级")
    expect(events.nth(1)).to_contain_text("跟进记录19")
    expect(events.last).to_contain_text("受理投诉")
    # and no inner scroll box hides any event: the list is as tall as its content
    box = page.locator("#timeline .timeline")
    assert box.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    shot(page, "rough_complaint_timeline")


@pytest.mark.parametrize("width", [1280, 1360, 1440])
def test_month_controls_stay_on_one_line_and_benchmarks_say_not_imported(page, shot, store, director, width):
    # given a month with answered calls but no imported survey or benchmark figures
    page.set_viewport_size({"width": width, "height": 900})
    login(page, director.username, PASSWORD)
    # when the CSS page opens
    page.goto(page.base_url + "/reports/css/?month=2026-11")
    # then the month controls sit on one line, with the month written as 2026-11 (no browser month picker)
    nav = page.locator(".month-nav")
    assert nav.bounding_box()["height"] < 48
    expect(page.locator("#id_month")).to_have_value("2026-11")
    for part in ("#id_month", ".month-nav button", ".month-nav a >> nth=0"):
        assert page.locator(part).bounding_box()["height"] < 40, part
    # and the empty benchmark figures say so, with a link to the import
    for key in ("rbo", "national"):
        box = page.locator(f'.kpi[data-benchmark="{key}"]')
        expect(box).to_contain_text("尚未导入")
        expect(box.locator("a.import-link")).to_have_attribute("href", f"/reports/{store.pk}/benchmarks/")
    if width == 1280:
        shot(page, "rough_css_not_imported_1280")
        # the monthly report's survey section too
        page.goto(page.base_url + f"/reports/{store.pk}/monthly/?month=2026-11")
        expect(page.locator('[data-benchmark="all"]')).to_contain_text("本月尚未导入")
        expect(page.locator('[data-benchmark="all"] a.import-link')).to_be_visible()
        assert page.locator(".month-nav").bounding_box()["height"] < 48
        shot(page, "rough_monthly_not_imported_1280")


def test_call_policy_reads_one_rule_per_row(page, shot, store, director):
    # given
    login(page, director.username, PASSWORD)
    # when
    page.goto(page.base_url + f"/workbench/stores/{store.pk}/policy/")
    # then three rows, each a condition, its threshold and what it opens
    rows = page.locator("#policy-rules tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("整体满意度评分")
    expect(rows.nth(0).locator("input[name=low_overall_score]")).to_have_value("6")
    expect(rows.nth(0).locator("select[name=low_overall_action]")).to_be_visible()
    expect(rows.nth(1)).to_contain_text("回答“否”")
    expect(rows.nth(2).locator("input[name=low_item_score]")).to_have_value("5")
    shot(page, "rough_call_policy")
    # and saving a change still works
    rows.nth(2).locator("input[name=low_item_score]").fill("4")
    page.locator("form:not(#retry-spacing)").get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    assert CallPolicy.objects.get(store=store).low_item_score == 4
