"""The call workbench in a real browser, keyboard only: open the next task with `n`, answer with digits,
save with Ctrl+Enter (which opens the next task), and see what the call opened."""

import re

import pytest
from playwright.sync_api import expect

from huifang.accounts.choices import Role
from huifang.complaints.models import Complaint
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.workbench.choices import CallOutcome
from huifang.workbench.models import CallRecord

from ..factories import PASSWORD, CustomerFactory, member
from ..workbench.factories import NOW, at, call_task
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    # Wednesday 10:00 in Shanghai: outside the quiet hours, so the tasks are offered.
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="advisor", display_name="王顾问")


@pytest.fixture
def tasks(store, specialist, advisor):
    """Three post-service calls of the specialist: overdue, due now, due now a bit later."""
    return [
        call_task(
            store,
            assigned_to=specialist,
            advisor=advisor,
            customer=CustomerFactory(store=store, name=name, gender="M", mobile=f"+86139000000{i}{i}"),
            due_at=due,
        )
        for i, (name, due) in enumerate(
            [("赵一", at(2026, 11, 20, 10)), ("钱二", at(2026, 11, 24, 15)), ("孙三", at(2026, 11, 25, 9))]
        )
    ]


def answer_all(page, overall: str, others: str, come_back: str) -> None:
    """The nine seed 002 questions in order: overall, six 10-point items and lounge, come back, free text."""
    page.keyboard.press(overall)
    for _ in range(6):
        page.keyboard.press(others)
    page.keyboard.press(come_back)


def test_dissatisfied_call_opens_a_complaint_in_one_keystroke(page, shot, specialist, tasks):
    # given
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    expect(page.locator('[data-bucket-count="overdue"] b')).to_have_text("1")
    shot(page, "workbench_queue")
    # when: n opens the most urgent task
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{tasks[0].pk}/$"))
    expect(page.locator(".wb-q.current")).to_have_attribute("data-code", "overall")
    # the overall score 3, every other item 8, "would come back": yes (1)
    answer_all(page, "3", "8", "1")
    expect(page.locator("#wb-score")).to_have_text("80.0")
    # the answers suggest an issue (overall 3 ≤ 6)
    expect(page.locator("input[name=outcome][value=with_issue]")).to_be_checked()
    page.keyboard.press("?")
    expect(page.locator("#wb-legend")).to_be_visible()
    shot(page, "workbench_call_dissatisfied")
    page.keyboard.press("Escape")
    # when: one keystroke saves and opens the next task
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{tasks[1].pk}/\?saved=\d+$"))
    # then the notice links the complaint that was opened
    complaint = Complaint.objects.get(customer=tasks[0].customer)
    link = page.locator("#wb-saved .wb-complaint-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/complaints/{complaint.pk}/")
    shot(page, "workbench_next_after_complaint")
    assert CallRecord.objects.get(task=tasks[0]).outcome == CallOutcome.WITH_ISSUE
    # and the task is gone from the queue
    page.goto(page.base_url + "/workbench/")
    expect(page.locator("#wb-queue")).not_to_contain_text("赵一")
    expect(page.locator("#wb-queue")).to_contain_text("钱二")


def test_satisfied_call_keyboard_only(page, shot, specialist, tasks):
    # given
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    # when: n, nine answers by digits (0 = 10), Ctrl+Enter
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{tasks[0].pk}/$"))
    answer_all(page, "0", "9", "1")
    expect(page.locator("input[name=outcome][value=satisfied]")).to_be_checked()
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{tasks[1].pk}/\?saved=\d+$"))
    # then
    call = CallRecord.objects.get(task=tasks[0])
    assert call.outcome == CallOutcome.SATISFIED and str(call.score) == "90.00"
    expect(page.locator("#wb-saved")).to_contain_text("赵一")
    expect(page.locator("#wb-saved .wb-complaint-link")).to_have_count(0)
    tasks[0].refresh_from_db()
    assert tasks[0].status == TaskStatus.DONE
    # and the outcome keys work without the mouse: u = not reached, then the call-back fields show
    page.keyboard.press("u")
    expect(page.locator("[name=not_reached_as]")).to_be_visible()
    shot(page, "workbench_call_not_reached")


def test_director_rebalances_weights_and_publishes_a_version(page, shot, director, store, specialist, tasks):
    # given
    login(page, director.username, PASSWORD)
    page.goto(page.base_url + f"/workbench/stores/{store.pk}/questionnaire/")
    expect(page.locator("#wb-weight-sum")).to_have_text("100")
    # when lounge drops from 10 to 5, the sum shows 95 and is marked
    lounge = page.locator("input[name$=-code][value=lounge]").locator("xpath=ancestor::tr")
    lounge.locator("input[name$=-weight]").fill("5")
    expect(page.locator("#wb-weight-sum")).to_have_text("95")
    expect(page.locator("#wb-weight-sum")).to_have_class(re.compile("bad"))
    # and reception takes the 5 points back
    reception = page.locator("input[name$=-code][value=reception]").locator("xpath=ancestor::tr")
    reception.locator("input[name$=-weight]").fill("15")
    expect(page.locator("#wb-weight-sum")).to_have_text("100")
    page.fill("input[name=note]", "客休室权重调低，迎接调高")
    shot(page, "workbench_questionnaire_editor")
    page.click("text=发布新版本" if page.locator("text=发布新版本").count() else "button.primary")
    # then
    expect(page.locator("#wb-versions")).to_contain_text("v2")
    expect(page.locator("#wb-versions")).to_contain_text("客休室权重调低")
    # and the team queue shows the specialist's work with who is behind
    page.goto(page.base_url + "/workbench/?team=on")
    expect(page.locator(".behind-row")).to_contain_text(str(specialist))
    shot(page, "workbench_team_queue")
