"""Issue 14 §3 on the workbench: a not-reached call makes the task wait its store's retry interval; "next"
skips waiting tasks, the queue says when each comes back, the call screen warns, the director sets the spacing."""

import pytest
from django.conf import settings
from django.urls import reverse

from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.workbench import services
from huifang.workbench.models import CallPolicy

from ..factories import PASSWORD, CustomerFactory
from .factories import NOW, at, call_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    """A settable clock for the views, starting Wed 25 Nov 10:00."""
    state = {"now": NOW}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def not_reached(task, user, when, why="no_answer"):
    return services.call_record_save(task=task, actor=user, now=when, outcome="not_reached", attempt_outcome=why)


def test_a_not_reached_call_waits_the_store_interval_and_next_skips_it(client, store, specialist, now):
    # given two due tasks; the first (oldest window) is tried at 10:00 and not reached
    first = call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store, name="赵一"))
    second = call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store, name="钱二"))
    not_reached(first, specialist, NOW)
    first.refresh_from_db()
    assert (first.status, first.next_call_at) == (TaskStatus.OPEN, at(2026, 11, 25, 12))
    # when the specialist presses "next" at 10:01
    login(client, specialist)
    response = client.get(reverse("workbench:next"))
    # then the waiting task is skipped
    assert response["Location"] == reverse("workbench:task", args=[second.pk])
    # and the queue says when it comes back
    html = client.get(reverse("workbench:queue")).content.decode()
    row = html[html.index(f'data-task="{first.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "再拨时间 11-25 12:00" in row
    # and at 14:00 (after the lunch quiet hours) "next" offers it again
    now["now"] = at(2026, 11, 25, 14)
    assert client.get(reverse("workbench:next"))["Location"] == reverse("workbench:task", args=[first.pk])


def test_the_call_screen_of_a_waiting_task_warns(client, store, specialist, now):
    task = call_task(store, assigned_to=specialist)
    not_reached(task, specialist, NOW, why="switched_off")
    html = login(client, specialist).get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert 'id="wb-waiting"' in html and "11-25 12:00" in html


def test_the_store_setting_changes_the_spacing(client, store, specialist, director, now):
    # given the director sets 1 h, then 2 days later at 16:00 or 19:00, 3 h apart
    response = login(client, director).post(
        reverse("workbench:policy", args=[store.pk]),
        {
            "section": "retry",
            "retry_first_hours": 1,
            "retry_later_days": 2,
            "retry_times": "19:00, 16:00",
            "retry_other_time_hours": 3,
            "unreachable_min_hours": 4,
        },
    )
    assert response.status_code == 302
    policy = CallPolicy.objects.get(store=store)
    assert (policy.retry_first_hours, policy.retry_later_days, policy.retry_times) == (1, 2, "16:00,19:00")
    # when a task is not reached at 10:00 and at 11:00
    task = call_task(store, assigned_to=specialist)
    not_reached(task, specialist, NOW)
    task.refresh_from_db()
    assert task.next_call_at == at(2026, 11, 25, 11)
    not_reached(task, specialist, at(2026, 11, 25, 11), why="busy")
    task.refresh_from_db()
    # then it comes back 2 days later at 16:00 (5 h from 11:00, 6 h from 10:00)
    assert task.next_call_at == at(2026, 11, 27, 16)


def test_a_bad_retry_time_is_refused_naming_the_field(client, store, director, now):
    response = login(client, director).post(
        reverse("workbench:policy", args=[store.pk]),
        {
            "section": "retry",
            "retry_first_hours": 2,
            "retry_later_days": 1,
            "retry_times": "上午",
            "retry_other_time_hours": 3,
            "unreachable_min_hours": 4,
        },
    )
    assert response.status_code == 422
    assert "请按 09:30,14:30,18:30 的格式填写时间" in response.content.decode()
    assert CallPolicy.objects.get(store=store).retry_times == "09:30,14:30,18:30"
