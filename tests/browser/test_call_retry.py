"""Issue 14 §3 in a real browser, keyboard only: three no-answers in a row do not close the task; it waits its
retry interval ("next" skips it, the queue says when it comes back) and comes back after it."""

import re

import pytest
from playwright.sync_api import expect

from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.messaging.models import OutboxMessage

from ..factories import PASSWORD, CustomerFactory
from ..workbench.factories import NOW, at, call_task
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def now(monkeypatch):
    """The clock of the live server, settable by the test; Wednesday 10:00 in Shanghai to start."""
    state = {"now": NOW}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def test_three_no_answers_in_a_row_do_not_close_the_task_and_it_comes_back(page, shot, specialist, store, now):
    # given one post-service call of the specialist, due now
    task = call_task(
        store, assigned_to=specialist, customer=CustomerFactory(store=store, name="赵一", mobile="+8613900000011")
    )
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/workbench/")
    # when: n opens it, u = not reached (no answer is the default), Ctrl+Enter saves — three times in a row
    page.keyboard.press("n")
    page.wait_for_url(re.compile(rf"/workbench/tasks/{task.pk}/$"))
    for second in (0, 16, 32):
        now["now"] = at(2026, 11, 25, 10, 0, second)
        if second:
            # the caller goes straight back to the same task (the queue's link) and tries again
            page.goto(page.base_url + f"/workbench/tasks/{task.pk}/")
            expect(page.locator("#wb-waiting")).to_contain_text("11-25 12:00")
        page.keyboard.press("u")
        expect(page.locator("[name=not_reached_as]")).to_be_visible()
        expect(page.locator("[name=not_reached_as]")).to_have_value("no_answer")
        page.keyboard.press("Control+Enter")
        # saving goes to "next", which skips the waiting task: nothing else to call, back to the queue
        page.wait_for_url(re.compile(r"/workbench/(\?saved=\d+)?$"))
    # then the task is still open, with three attempts, waiting until 12:00, and no SMS went out
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.attempts.count() == 3
    assert task.next_call_at == at(2026, 11, 25, 12)
    assert not OutboxMessage.objects.exists()
    row = page.locator(f'tr[data-task="{task.pk}"]')
    expect(row.locator(".wb-mark-retry")).to_contain_text("11-25 12:00")
    shot(page, "workbench_retry_waiting")
    # when at 11:30 the caller presses n: nothing to call yet
    now["now"] = at(2026, 11, 25, 11, 30)
    page.goto(page.base_url + "/workbench/")
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/workbench/$"))
    # when at 14:00 (the retry interval and the lunch quiet hours over) the caller presses n
    now["now"] = at(2026, 11, 25, 14)
    page.goto(page.base_url + "/workbench/")
    page.keyboard.press("n")
    # then the task comes back
    page.wait_for_url(re.compile(rf"/workbench/tasks/{task.pk}/$"))
    expect(page.locator("#wb-waiting")).to_have_count(0)
    shot(page, "workbench_retry_back")
