"""The workbench screens through the Django test client: queue, call screen, saving a call, recordings,
problem records, and the care director's editors."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.archive.choices import ContactRole, CustomerKind
from huifang.archive.models import Contact
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.complaints.choices import ComplaintChannel
from huifang.complaints.models import Complaint
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.workbench.choices import CallOutcome, ProblemStatus
from huifang.workbench.models import CallPolicy, CallRecord, CallScript, Problem, Questionnaire

from ..factories import PASSWORD, CustomerFactory, member
from .factories import NOW, at, call_task

pytestmark = pytest.mark.django_db

TASK_URL = "workbench:task"


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def section(html: str, bucket: str) -> str:
    """The rendered rows of one queue bucket."""
    match = re.search(rf'<tbody class="bucket-{bucket}">(.*?)</tbody>', html, re.S)
    assert match, f"no {bucket} bucket"
    return match.group(1)


def call_post(**overrides) -> dict:
    """The call form as the browser sends it: every seed 002 question answered 9 (come back: yes)."""
    data = {f"q_{code}": 9 for code in ("overall", "reception", "done_right", "explanation", "lounge", "car_wash")}
    data.update({"q_invoice": 9, "q_come_back": 1, "t_suggestions": "", "outcome": CallOutcome.SATISFIED})
    data.update(overrides)
    return data


@pytest.fixture
def buckets(store, specialist, advisor):
    """One task per bucket at NOW (Wed 25 Nov 10:00), and one of a colleague that is not mine."""
    customers = {name: CustomerFactory(store=store, name=name) for name in ("赵一", "钱二", "孙三", "李四", "周五")}
    return {
        # Window 72 h from 20 Nov 10:00 ran out on 23 Nov 10:00.
        "overdue": call_task(store, assigned_to=specialist, customer=customers["赵一"], due_at=at(2026, 11, 20, 10)),
        # Due 24 Nov 15:00, window until 27 Nov 15:00.
        "due_now": call_task(store, assigned_to=specialist, customer=customers["钱二"], due_at=at(2026, 11, 24, 15)),
        # Due at 16:00 today.
        "today": call_task(
            store, assigned_to=specialist, customer=customers["孙三"], due_at=at(2026, 11, 25, 16), advisor=advisor
        ),
        # Due tomorrow 09:00.
        "later": call_task(store, assigned_to=specialist, customer=customers["李四"], due_at=at(2026, 11, 26, 9)),
        "colleague": call_task(
            store, assigned_to=member(store, Role.CARE_SPECIALIST), customer=customers["周五"], due_at=NOW
        ),
    }


# --- Queue -----------------------------------------------------------------------------------------


def test_queue_puts_my_tasks_in_overdue_due_now_today_and_later(client, specialist, buckets):
    # when
    response = login(client, specialist).get(reverse("workbench:queue"))
    # then
    html = response.content.decode()
    assert "赵一" in section(html, "overdue")
    assert "钱二" in section(html, "due_now")
    assert "孙三" in section(html, "today")
    assert "李四" in section(html, "later")
    assert "周五" not in html  # a colleague's task is not in my queue
    counts = re.findall(r'data-bucket-count="(\w+)">.*?<b>(\d+)</b>', html)
    assert counts == [("overdue", "1"), ("due_now", "1"), ("today", "1"), ("later", "1"), ("total", "4")]


def test_queue_filters_by_kind_and_advisor(client, specialist, advisor, store, buckets):
    # given an insurance renewal call of mine as well
    call_task(
        store, kind="insurance_renewal", assigned_to=specialist, customer=CustomerFactory(store=store, name="吴六")
    )
    login(client, specialist)
    # when
    by_kind = client.get(reverse("workbench:queue"), {"kind": "insurance_renewal"}).content.decode()
    by_advisor = client.get(reverse("workbench:queue"), {"advisor": advisor.pk}).content.decode()
    # then
    assert "吴六" in by_kind and "赵一" not in by_kind
    assert "孙三" in by_advisor and "赵一" not in by_advisor and "吴六" not in by_advisor


def test_queue_marks_a_task_outside_the_customers_best_time(client, specialist, store):
    # given a customer who wants calls after 19:00; it is 10:00
    evening = CustomerFactory(store=store, name="郑七", best_contact_time="晚上7点以后")
    call_task(store, assigned_to=specialist, customer=evening, due_at=at(2026, 11, 24, 15))
    call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store, name="王八"), due_at=NOW)
    # when
    html = login(client, specialist).get(reverse("workbench:queue")).content.decode()
    # then the row stays in the queue, marked
    rows = {
        name: row
        for row in re.findall(r'<tr class="task-row.*?</tr>', html, re.S)
        for name in ("郑七", "王八")
        if name in row
    }
    assert "wb-mark-notbest" in rows["郑七"]
    assert "wb-mark-notbest" not in rows["王八"]


def test_in_quiet_hours_tasks_are_shown_marked_and_not_offered(client, specialist, buckets, monkeypatch):
    # given 12:30, inside the store's lunch rest (12:00–14:00)
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 12, 30))
    login(client, specialist)
    # when
    html = client.get(reverse("workbench:queue")).content.decode()
    nxt = client.get(reverse("workbench:next"))
    # then
    assert "赵一" in section(html, "overdue") and "wb-mark-quiet" in section(html, "overdue")
    assert nxt["Location"] == reverse("workbench:queue")


def test_queue_query_count_does_not_grow_with_the_tasks(client, specialist, store, django_assert_num_queries):
    # given
    for _ in range(3):
        call_task(store, assigned_to=specialist, due_at=at(2026, 11, 24, 15))
    login(client, specialist)
    client.get(reverse("workbench:queue"))  # sessions and caches warm
    # Fixed, not per row: the quiet hours and calendars of the user's stores, kept per process behind one query
    # of their settings tokens, for the rows and the notice; the counts (with each store's first callable
    # time) and the page's rows in one statement; the user's stores (with where they lead the team), their
    # settings tokens and their advisors (the filter) in one; the user's roles for the access check and the
    # menu come with the session's user (core.session_user), read with the session itself (core.sessions).
    with django_assert_num_queries(4) as few:
        client.get(reverse("workbench:queue"))
    # when the queue is three times as long
    for _ in range(6):
        call_task(store, assigned_to=specialist, due_at=at(2026, 11, 24, 15))
    # then it takes the same queries
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("workbench:queue"))
    assert response.content.decode().count('class="task-row') == 9


def test_manager_sees_the_team_queue_and_moves_ticked_tasks(client, manager, specialist, store, buckets):
    # given
    colleague = member(store, Role.CARE_SPECIALIST, username="colleague")
    login(client, manager)
    # when
    team = client.get(reverse("workbench:queue"), {"team": "on"}).content.decode()
    response = client.post(
        reverse("workbench:tasks_reassign"),
        {"tasks": [buckets["overdue"].pk, buckets["today"].pk], "to_user": colleague.pk},
    )
    # then
    assert "周五" in team and "赵一" in team and "behind-row" in team
    assert response.status_code == 302
    moved = set(FollowUpTask.objects.filter(assigned_to=colleague).values_list("pk", flat=True))
    assert moved == {buckets["overdue"].pk, buckets["today"].pk}
    assert FollowUpTask.objects.get(pk=buckets["later"].pk).assigned_to == specialist


def test_specialist_cannot_reassign(client, specialist, buckets):
    response = login(client, specialist).post(
        reverse("workbench:tasks_reassign"), {"tasks": [buckets["overdue"].pk], "to_user": specialist.pk}
    )
    assert response.status_code == 403


# --- Next task and the call screen ---------------------------------------------------------------


def test_next_opens_the_most_urgent_task(client, specialist, buckets):
    response = login(client, specialist).get(reverse("workbench:next"))
    assert response.status_code == 302
    assert response["Location"] == reverse(TASK_URL, args=[buckets["overdue"].pk])


def test_next_from_an_unsaved_call_skips_it(client, specialist, buckets):
    response = login(client, specialist).get(reverse("workbench:next"), {"skip": buckets["overdue"].pk})
    assert response["Location"] == reverse(TASK_URL, args=[buckets["due_now"].pk])


def test_queue_filter_by_htmx_returns_the_table_with_its_counts(client, specialist, buckets):
    response = login(client, specialist).get(
        reverse("workbench:queue"), {"kind": "insurance_renewal"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.startswith('<div id="wb-queue">') and "<html" not in html
    assert 'data-bucket-count="overdue"><span class="muted small">' in html and "赵一" not in html


def test_next_with_nothing_to_call_goes_back_to_the_queue(client, specialist):
    response = login(client, specialist).get(reverse("workbench:next"))
    assert response["Location"] == reverse("workbench:queue")


def test_call_screen_shows_order_flags_and_the_script_with_names(client, specialist, advisor, store):
    # given a high-amount order (¥8,800 ≥ ¥5,000) of a customer in a sensitive occupation
    customer = CustomerFactory(store=store, name="张三", gender="M", occupation="记者")
    task = call_task(store, assigned_to=specialist, customer=customer, advisor=advisor, amount=Decimal("8800.00"))
    # when
    response = login(client, specialist).get(reverse(TASK_URL, args=[task.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-flag="high_amount"' in html and 'data-flag="sensitive_occupation"' in html
    assert "定期保养" in html and "机油滤清器" in html and "¥8800.00" in html
    script = re.search(r'id="wb-script">(.*?)</section>', html, re.S).group(1)
    assert "张三先生" in script and "{customer}" not in script
    assert html.count('class="wb-q') >= 9  # the nine seed 002 questions


def test_company_car_shows_the_driver_and_fleet_manager(client, specialist, store):
    # given
    company = CustomerFactory(store=store, name="深圳某某物流有限公司", kind=CustomerKind.COMPANY)
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘师傅", phone="+8613800138000")
    Contact.objects.create(customer=company, role=ContactRole.FLEET_MANAGER, name="陈经理", phone="+8613900139000")
    task = call_task(store, assigned_to=specialist, customer=company)
    # when
    html = login(client, specialist).get(reverse(TASK_URL, args=[task.pk])).content.decode()
    # then the contacts are listed, numbers masked, and the company-car script opens
    contacts = re.search(r'id="wb-contacts">(.*?)</table>', html, re.S).group(1)
    assert "刘师傅" in contacts and "陈经理" in contacts
    assert "13800138000" not in html and "138****8000" in contacts
    assert re.search(r'data-scenario-tab="company_car" class="on"', html)


# --- Saving a call ---------------------------------------------------------------------------------


def test_dissatisfied_call_opens_a_complaint_and_the_next_task(client, specialist, advisor, store, buckets):
    # given the overdue task; the store rule: overall ≤ 6 opens a complaint
    task = buckets["overdue"]
    login(client, specialist)
    # when the caller saves overall = 3 with "save and next"
    response = client.post(reverse(TASK_URL, args=[task.pk]), call_post(q_overall=3, next="True"))
    # then
    call = CallRecord.objects.get(task=task)
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:next") + f"?saved={call.pk}"
    assert call.outcome == CallOutcome.WITH_ISSUE
    complaint = Complaint.objects.get(customer=task.customer)
    assert complaint.channel == ComplaintChannel.FOLLOW_UP_CALL and call.complaint == complaint
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    # and the next task opens with a notice linking the complaint
    follow = client.get(response["Location"], follow=True)
    html = follow.content.decode()
    assert follow.request["PATH_INFO"] == reverse(TASK_URL, args=[buckets["due_now"].pk])
    assert f'href="{reverse("complaints:detail", args=[complaint.pk])}"' in html
    # and the task is gone from the queue
    queue = client.get(reverse("workbench:queue")).content.decode()
    assert "赵一" not in queue


def test_satisfied_call_saves_answers_score_and_corrections(client, specialist, store, buckets):
    # given
    task = buckets["due_now"]
    # when
    response = login(client, specialist).post(
        reverse(TASK_URL, args=[task.pk]),
        call_post(q_reception=10, mobile="13912345678", best_contact_time="下午3点到5点"),
    )
    # then weighted over reception 10, done_right 30, explanation 10, lounge 10, car wash 20, invoice 20:
    # reception 100 × 10 + the rest 90 × 90 = 9100 / 100 = 91.00
    call = CallRecord.objects.get(task=task)
    assert response["Location"] == reverse("workbench:call_detail", args=[call.pk])
    assert call.outcome == CallOutcome.SATISFIED and call.score == Decimal("91.00")
    assert call.answers.count() == 8
    task.customer.refresh_from_db()
    assert task.customer.mobile == "+8613912345678" and task.customer.best_contact_time == "下午3点到5点"


def test_a_required_question_left_out_is_named(client, specialist, buckets):
    task = buckets["due_now"]
    data = call_post()
    del data["q_done_right"]
    response = login(client, specialist).post(reverse(TASK_URL, args=[task.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    question = re.search(r'data-code="done_right".*?</div>\s*</div>', html, re.S)
    assert 'class="wb-q has-error"' in html and "field-error" in html
    assert question
    assert not CallRecord.objects.exists()


def test_call_back_needs_a_time_and_keeps_the_task_open(client, specialist, buckets):
    task = buckets["due_now"]
    login(client, specialist)
    url = reverse(TASK_URL, args=[task.pk])
    # when no time is given
    missing = client.post(url, {"outcome": CallOutcome.NOT_REACHED, "not_reached_as": "call_back"})
    # then
    assert missing.status_code == 422
    assert re.search(r'name="callback_at".*?field-error', missing.content.decode(), re.S)
    # when a time is given, with who answered
    ok = client.post(
        url,
        {
            "outcome": CallOutcome.NOT_REACHED,
            "not_reached_as": "call_back",
            "callback_at": "2026-11-25T19:30",
            "relation": "妻子",
            "best_time": "晚上",
        },
    )
    # then
    assert ok.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.next_call_at == at(2026, 11, 25, 19, 30)
    assert task.attempts.get().relation == "妻子"


def test_low_item_opens_a_problem_the_advisor_resolves(client, specialist, advisor, store):
    # given
    task = call_task(store, assigned_to=specialist, advisor=advisor, due_at=NOW)
    login(client, specialist).post(reverse(TASK_URL, args=[task.pk]), call_post(q_lounge=4))
    problem = Problem.objects.get()
    assert problem.assigned_to == advisor
    # when the advisor opens the problems list and resolves it
    client.logout()
    login(client, advisor)
    listing = client.get(reverse("workbench:problems")).content.decode()
    response = client.post(reverse("workbench:problem_resolve", args=[problem.pk]), {"resolution": "已致电解释"})
    # then
    assert f'id="problem-{problem.pk}"' in listing
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.resolution == "已致电解释"


def test_resolving_without_a_note_is_refused(client, advisor, specialist, store):
    task = call_task(store, assigned_to=specialist, advisor=advisor, due_at=NOW)
    login(client, specialist).post(reverse(TASK_URL, args=[task.pk]), call_post(q_lounge=4))
    client.logout()
    response = login(client, advisor).post(
        reverse("workbench:problem_resolve", args=[Problem.objects.get().pk]), {"resolution": ""}
    )
    assert response.status_code == 422
    assert Problem.objects.get().status == ProblemStatus.OPEN


# --- Recordings ------------------------------------------------------------------------------------


@pytest.fixture
def recorded_call(client, specialist, buckets):
    audio = SimpleUploadedFile("call.mp3", b"ID3-fake-audio-bytes", content_type="audio/mpeg")
    login(client, specialist).post(reverse(TASK_URL, args=[buckets["due_now"].pk]), {**call_post(), "recording": audio})
    client.logout()
    return CallRecord.objects.get()


def test_manager_plays_a_recording_streamed_after_the_check(client, manager, recorded_call):
    # when
    login(client, manager)
    page = client.get(reverse("workbench:call_detail", args=[recorded_call.pk])).content.decode()
    response = client.get(reverse("workbench:recording", args=[recorded_call.pk]))
    # then
    assert f'<audio controls preload="none" src="{reverse("workbench:recording", args=[recorded_call.pk])}"' in page
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"ID3-fake-audio-bytes"
    assert "private" in response["Cache-Control"]
    # and the access log shows who heard it (issue 8 §7); refused attempts below log nothing
    played = AuditEntry.objects.get(action=AuditAction.EXPORT, object_id=recorded_call.pk)
    assert (played.actor, played.changes) == (manager, {"export": "recording"})


def test_other_specialists_and_outsiders_cannot_play_a_recording(client, store, outsider, recorded_call):
    colleague = member(store, Role.CARE_SPECIALIST, username="colleague")
    for user in (colleague, outsider):
        login(client, user)
        assert client.get(reverse("workbench:recording", args=[recorded_call.pk])).status_code == 404
        assert client.get(reverse("workbench:call_detail", args=[recorded_call.pk])).status_code == 404
        client.logout()
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_recording_link_is_attached_after_the_call(client, specialist, buckets):
    login(client, specialist).post(reverse(TASK_URL, args=[buckets["due_now"].pk]), call_post())
    call = CallRecord.objects.get()
    response = client.post(
        reverse("workbench:recording", args=[call.pk]), {"recording_url": "https://pbx.example.com/rec/1.mp3"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.recording_url == "https://pbx.example.com/rec/1.mp3"


# --- Tenancy and roles -----------------------------------------------------------------------------


def test_outsider_gets_404_on_another_stores_task(client, outsider, buckets):
    login(client, outsider)
    task = buckets["overdue"]
    assert client.get(reverse(TASK_URL, args=[task.pk])).status_code == 404
    assert client.post(reverse(TASK_URL, args=[task.pk]), call_post()).status_code == 404
    assert not CallRecord.objects.exists()


def test_advisor_cannot_open_the_policy_editor(client, advisor, store):
    response = login(client, advisor).get(reverse("workbench:policy", args=[store.pk]))
    assert response.status_code == 403


def test_director_of_another_store_gets_404_on_the_editors(client, other_store, store):
    director = member(other_store, Role.CARE_DIRECTOR, username="otherdirector")
    login(client, director)
    assert client.get(reverse("workbench:policy", args=[store.pk])).status_code == 404
    assert client.get(reverse("workbench:questionnaire", args=[store.pk])).status_code == 404


# --- Care director screens -------------------------------------------------------------------------


def test_director_changes_the_call_policy(client, director, store):
    response = login(client, director).post(
        reverse("workbench:policy", args=[store.pk]),
        {
            "low_overall_score": 7,
            "low_overall_action": "complaint",
            "no_return_action": "problem",
            "low_item_score": 4,
            "low_item_action": "none",
        },
    )
    assert response.status_code == 302
    policy = CallPolicy.objects.get(store=store)
    assert (policy.low_overall_score, policy.no_return_action, policy.low_item_action) == (7, "problem", "none")


def _questionnaire_post(questions, note="") -> dict:
    data = {"q-TOTAL_FORMS": len(questions), "q-INITIAL_FORMS": len(questions), "note": note}
    for i, q in enumerate(questions):
        for key, value in q.items():
            if key == "required":
                if value:
                    data[f"q-{i}-required"] = "on"
            else:
                data[f"q-{i}-{key}"] = value
    return data


def test_director_publishes_a_new_questionnaire_version(client, director, store):
    # given the current seed 002 version, as the editor shows it
    login(client, director)
    page = client.get(reverse("workbench:questionnaire", args=[store.pk]))
    questions = [
        {"code": q.code, "text": q.text, "kind": q.kind, "weight": q.weight, "required": q.required}
        for q in Questionnaire.objects.get(store=store, is_current=True).questions.all()
    ]
    # when lounge gives 5 of its 10 points to reception
    by_code = {q["code"]: q for q in questions}
    by_code["lounge"]["weight"] = 5
    by_code["reception"]["weight"] = 15
    response = client.post(
        reverse("workbench:questionnaire", args=[store.pk]), _questionnaire_post(questions, "客休室权重调低")
    )
    # then
    assert page.status_code == 200 and 'id="wb-weight-sum"' in page.content.decode()
    assert response.status_code == 302
    current = Questionnaire.objects.get(store=store, is_current=True)
    assert current.version == 2 and current.note == "客休室权重调低"
    assert current.questions.get(code="lounge").weight == Decimal("5")
    versions = client.get(reverse("workbench:questionnaire", args=[store.pk])).content.decode()
    assert "v1" in versions and "v2" in versions


def test_publishing_without_a_note_or_with_a_duplicate_code_is_refused(client, director, store):
    login(client, director).get(reverse("workbench:questionnaire", args=[store.pk]))
    questions = [
        {"code": "overall", "text": "整体满意度", "kind": "scale10", "weight": 0, "required": True},
        {"code": "overall", "text": "重复", "kind": "scale10", "weight": 100, "required": True},
    ]
    response = client.post(reverse("workbench:questionnaire", args=[store.pk]), _questionnaire_post(questions))
    assert response.status_code == 422
    assert Questionnaire.objects.get(store=store, is_current=True).version == 1


def test_director_edits_a_script(client, director, store):
    login(client, director)
    listing = client.get(reverse("workbench:script_list", args=[store.pk]))
    script = CallScript.objects.get(store=store, kind="post_service_call", scenario="owner")
    data = {"s-TOTAL_FORMS": 2, "s-INITIAL_FORMS": 0}
    data.update({"s-0-title": "问候", "s-0-text": "您好{customer}{title}，我是{store}的{caller}。"})
    data.update({"s-1-title": "结束语", "s-1-text": "谢谢您！"})
    response = client.post(reverse("workbench:script_edit", args=[store.pk, script.pk]), data)
    assert listing.status_code == 200
    assert response.status_code == 302
    script.refresh_from_db()
    assert [s["title"] for s in script.steps] == ["问候", "结束语"]


def test_a_script_with_an_unknown_placeholder_is_refused(client, director, store):
    login(client, director).get(reverse("workbench:script_list", args=[store.pk]))
    script = CallScript.objects.get(store=store, kind="post_service_call", scenario="owner")
    data = {"s-TOTAL_FORMS": 1, "s-INITIAL_FORMS": 0, "s-0-title": "问候", "s-0-text": "您好{nickname}"}
    response = client.post(reverse("workbench:script_edit", args=[store.pk, script.pk]), data)
    assert response.status_code == 422
    assert "{nickname}" not in str(CallScript.objects.get(pk=script.pk).steps)
