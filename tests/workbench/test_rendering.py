"""The call screen's kept parts (workbench.rendering): the empty form's widgets and questionnaire block are
rendered once per language and questions, and must give the very page a fresh rendering gives, never a
stale questionnaire, and never what another caller typed."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from huifang.core import clock
from huifang.workbench import rendering, services, store_settings
from huifang.workbench.models import Question

from ..factories import PASSWORD
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock_and_empty_parts(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    rendering.PARTS.clear()
    yield
    rendering.PARTS.clear()


def call_screen(client, user, task, language="zh-hans") -> str:
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("workbench:task", args=[task.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Per request by design: the CSRF token (masked afresh) and the CSP nonce.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_kept_parts_give_the_page_a_fresh_rendering_gives(client, specialist, store, language):
    task = call_task(store, assigned_to=specialist)
    # when: the first request renders the parts, the second takes the kept copy
    fresh = call_screen(client, specialist, task, language)
    # the widgets, the questionnaire block, the form's body and the opening time's input (workbench.call_rendering);
    # the keyboard legend is kept apart (workbench_parts.PARTS)
    assert len(rendering.PARTS._parts) == 4
    kept = call_screen(client, specialist, task, language)
    # then
    assert kept == fresh
    assert kept.count('class="wb-q') >= 9 and 'name="not_reached_as"' in kept and 'name="recording_url"' in kept


def test_each_language_gets_its_own_copy(client, specialist, store):
    task = call_task(store, assigned_to=specialist)
    chinese = call_screen(client, specialist, task, "zh-hans")
    english = call_screen(client, specialist, task, "en")
    assert "备注" in chinese and "remark" not in chinese
    assert "remark" in english


def test_the_kept_legend_is_the_legend_in_each_language():
    from django.template.loader import render_to_string
    from django.utils import translation

    from huifang.workbench.templatetags.workbench_parts import kept_part

    def workbench_legend():
        return kept_part("workbench/_legend.html")

    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            assert workbench_legend() == render_to_string("workbench/_legend.html")
    with translation.override("en"):
        assert "Keyboard" in workbench_legend()
    with translation.override("zh-hans"):
        assert "Keyboard" not in workbench_legend()


def test_a_new_questionnaire_version_shows_at_once(client, specialist, director, store):
    task = call_task(store, assigned_to=specialist)
    before = call_screen(client, specialist, task)
    assert "您对这次的洗车满意吗？" not in before
    # when the care director publishes a new version with one more question
    current = services.questionnaire_current(store=store, now=NOW)
    questions = [
        {"code": q.code, "text": q.text, "kind": q.kind, "weight": q.weight, "required": q.required}
        for q in current.questions.all()
    ]
    questions.append({"code": "wash_again", "text": "您对这次的洗车满意吗？", "kind": "yes_no", "weight": 0})
    services.questionnaire_publish(store=store, actor=director, now=NOW, questions=questions)
    # then
    after = call_screen(client, specialist, task)
    assert "您对这次的洗车满意吗？" in after and 'name="q_wash_again"' in after


def test_a_question_changed_in_place_shows_at_once(client, specialist, store):
    # A question row edited directly (admin) keeps its version: the key is the questions' content.
    task = call_task(store, assigned_to=specialist)
    call_screen(client, specialist, task)
    question = services.questionnaire_current(store=store, now=NOW).questions.order_by("position").first()
    question.text = "改过的问题文字"
    question.save()
    assert "改过的问题文字" in call_screen(client, specialist, task)


def test_a_changed_call_policy_shows_at_once(client, specialist, director, store):
    # The form's body says the store's rule (overall ≤ n → complaint): it is kept under the policy's values.
    task = call_task(store, assigned_to=specialist)
    assert "整体满意度 ≤ 7 分" not in call_screen(client, specialist, task)
    services.call_policy_update(store=store, actor=director, now=NOW, low_overall_score=7)
    after = call_screen(client, specialist, task)
    assert "整体满意度 ≤ 7 分" in after and 'data-low-overall="7"' in after


def test_a_data_fix_by_update_shows_once_the_store_settings_are_marked_changed(client, specialist, store):
    # A write that sends no signal (SQL, `.update()` in a shell) is seen once it says the settings changed.
    task = call_task(store, assigned_to=specialist)
    call_screen(client, specialist, task)
    question = services.questionnaire_current(store=store, now=NOW).questions.order_by("position").first()
    Question.objects.filter(pk=question.pk).update(text="改过的问题文字")
    store_settings.settings_changed(store_id=store.pk)
    assert "改过的问题文字" in call_screen(client, specialist, task)


def test_what_a_caller_typed_stays_on_their_form(client, specialist, store):
    task = call_task(store, assigned_to=specialist)
    call_screen(client, specialist, task)
    # when a save comes back with errors (satisfied without the required answers)
    typed = {"outcome": "satisfied", "comment": "客户说<b>很好</b>", "relation": "妻子", "t_suggestions": "多洗一次"}
    response = client.post(reverse("workbench:task", args=[task.pk]), typed)
    # then that caller's form shows what they typed, escaped, with the errors
    assert response.status_code == 422
    html = response.content.decode()
    assert "客户说&lt;b&gt;很好&lt;/b&gt;" in html and 'value="妻子"' in html and 'value="多洗一次"' in html
    assert "has-error" in html
    # and the next empty form (any caller) does not
    empty = call_screen(client, specialist, task)
    assert "很好" not in empty and "妻子" not in empty and "多洗一次" not in empty and "has-error" not in empty


def test_queue_rows_escape_what_they_show(client, specialist, manager, store):
    # given a customer whose name and best time carry markup, on a task with a call-back time
    from huifang.followups.models import FollowUpTask

    from ..factories import CustomerFactory
    from .factories import at

    customer = CustomerFactory(store=store, name='<script>alert("x")</script>', best_contact_time='晚上<b>"8点"</b>')
    task = call_task(store, assigned_to=specialist, customer=customer, due_at=at(2026, 11, 24, 15))
    FollowUpTask.objects.filter(pk=task.pk).update(next_call_at=at(2026, 11, 25, 16))
    for user, url in ((specialist, "/workbench/"), (manager, "/workbench/?team=on")):
        assert client.login(username=user.username, password=PASSWORD)
        html = client.get(url).content.decode()
        row = re.search(rf'<tr class="task-row[^"]*" data-task="{task.pk}">(.*?)</tr>', html, re.S).group(1)
        # then the name is text, not markup, and the row links to the call screen with its marks
        assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row
        assert f'href="/workbench/tasks/{task.pk}/"' in row and "wb-mark-callback" in row
        assert ('name="tasks"' in row) == (user == manager)
