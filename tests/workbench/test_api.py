"""The workbench API through the test client: a whole call, scoping, roles, the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.accounts.choices import Role
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.complaints.models import Complaint
from huifang.followups.choices import TaskStatus
from huifang.workbench.models import CallRecord, Problem, Questionnaire

from ..factories import CustomerFactory, member
from .factories import NOW, call_task, full_answers

API = "/api/workbench"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr("huifang.core.clock.now", lambda: NOW)


@pytest.fixture
def task(store, specialist, advisor):
    return call_task(store, assigned_to=specialist, advisor=advisor)


def test_a_whole_call_through_the_api(client, specialist, task):
    # given the specialist logged in
    client.force_login(specialist)
    # when they take the next task, read the pre-call screen and save a dissatisfied call
    nxt = client.get(f"{API}/next").json()
    assert nxt["task"]["id"] == task.pk and nxt["task"]["bucket"] == "due_now"
    pre = client.get(f"{API}/tasks/{task.pk}/precall").json()
    assert pre["customer"]["mobile"].replace(" ", "").isdigit()  # full number for a caller
    assert [line["description"] for line in pre["repair_order"]["lines"]] == ["定期保养", "机油滤清器"]
    assert pre["scenario"] == "owner"
    closing = pre["scripts"][0]["steps"][-1]["text"]
    assert "15000公里" in closing and "预约" in closing
    assert [q["code"] for q in pre["questionnaire"]["questions"]][:2] == ["overall", "reception"]
    body = {
        "outcome": "satisfied",
        "answers": full_answers(overall={"value": 4, "text": "等太久"}),
        "comment": "交车慢",
        "started_at": (NOW - timedelta(minutes=3)).isoformat(),
        "corrections": {"address": "深圳市福田区"},
    }
    response = client.post(f"{API}/tasks/{task.pk}/calls", body, content_type="application/json")
    # then the call is saved with issue, a complaint opened, the task done and the address corrected
    assert response.status_code == 201, response.content
    call = response.json()
    assert call["outcome"] == "with_issue" and call["complaint_number"] and call["task_status"] == TaskStatus.DONE
    assert call["duration_seconds"] == 180 and call["questionnaire_version"] == 1
    assert Complaint.objects.get().source_answers[0]["answer"] == "4/10 · 等太久"
    task.customer.refresh_from_db()
    assert task.customer.address == "深圳市福田区"
    # and the reveal of the full number was logged
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE, source="api").exists()
    # and a recording link can be attached and read back
    rec = client.post(f"{API}/calls/{call['id']}/recording", {"url": "https://pbx.example.cn/r/9.wav"})
    assert rec.status_code == 200 and rec.json()["recording_url"] == "https://pbx.example.cn/r/9.wav"
    assert client.get(f"{API}/calls/{call['id']}").json()["comment"] == "交车慢"


def test_bad_answers_answer_422_naming_the_question(client, specialist, task):
    client.force_login(specialist)
    body = {"outcome": "satisfied", "answers": full_answers(reception=12)}
    response = client.post(f"{API}/tasks/{task.pk}/calls", body, content_type="application/json")
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"][-1] == "answer_reception" and "1–10" in item["msg"]
    assert not CallRecord.objects.exists()


def test_outsider_gets_404_everywhere(client, outsider, task, store):
    client.force_login(outsider)
    assert client.get(f"{API}/tasks/{task.pk}/precall").status_code == 404
    body = {"outcome": "refused"}
    assert client.post(f"{API}/tasks/{task.pk}/calls", body, content_type="application/json").status_code == 404
    assert client.get(f"{API}/stores/{store.code}/questionnaire").status_code == 404
    assert client.get(f"{API}/queue", {"store": store.code}).status_code == 404
    assert client.get(f"{API}/queue").json()["counts"]["total"] == 0


def test_advisor_sees_own_tasks_manager_sees_the_team(client, store, specialist, advisor, manager, task):
    # given a task of the advisor and the specialist's task
    own = call_task(store, assigned_to=advisor, customer=CustomerFactory(store=store))
    # the advisor sees only their task and gets 404 on the specialist's
    client.force_login(advisor)
    mine = client.get(f"{API}/queue").json()
    assert [t["id"] for t in mine["due_now"]] == [own.pk]
    assert client.get(f"{API}/tasks/{task.pk}/precall").status_code == 404
    assert client.get(f"{API}/queue", {"team": "true"}).status_code == 403
    # the manager sees both in the team view and may move the specialist's task to the advisor
    client.force_login(manager)
    team = client.get(f"{API}/queue", {"team": "true"}).json()
    assert team["counts"]["total"] == 2
    assert client.get(f"{API}/tasks/{task.pk}/precall").status_code == 200
    body = {"store": store.code, "task_ids": [task.pk], "to_user": advisor.pk}
    moved = client.post(f"{API}/tasks/reassign", body, content_type="application/json")
    assert moved.json() == {"moved": 1}
    task.refresh_from_db()
    assert task.assigned_to == advisor
    # a specialist may not reassign
    client.force_login(specialist)
    assert client.post(f"{API}/tasks/reassign", body, content_type="application/json").status_code == 403


def test_masked_phones_for_roles_that_do_not_call(client, store, task):
    # given a group-wide manager role that does not call (sales manager) cannot open the workbench
    sales = member(store, Role.SALES_MANAGER, username="sales")
    client.force_login(sales)
    assert client.get(f"{API}/tasks/{task.pk}/precall").status_code == 404
    # and queue rows show masked numbers even to callers
    client.force_login(task.assigned_to)
    row = client.get(f"{API}/queue").json()["due_now"][0]
    assert "****" in row["phone"]


def test_only_the_director_publishes_a_questionnaire(client, store, manager, director):
    body = {
        "questions": [{"code": "overall", "text": "整体满意度？", "kind": "scale10", "weight": 0}],
        "note": "v2",
    }
    client.force_login(manager)
    url = f"{API}/stores/{store.code}/questionnaire"
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(director)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["version"] == 2
    assert Questionnaire.objects.filter(store=store).count() == 2
    assert client.get(url).json()["version"] == 2


def test_scripts_and_policy_are_edited_by_the_director(client, store, director, specialist):
    client.force_login(specialist)
    url = f"{API}/stores/{store.code}/scripts/post_service_call/owner"
    steps = {"steps": [{"title": "问候", "text": "{customer}{title}您好"}]}
    assert client.put(url, steps, content_type="application/json").status_code == 403
    assert len(client.get(f"{API}/stores/{store.code}/scripts").json()) >= 20
    client.force_login(director)
    assert client.put(url, steps, content_type="application/json").json()["steps"] == steps["steps"]
    bad = {"steps": [{"title": "问候", "text": "{nobody}"}]}
    assert client.put(url, bad, content_type="application/json").status_code == 422
    policy = client.put(
        f"{API}/stores/{store.code}/call-policy", {"low_overall_score": 5}, content_type="application/json"
    )
    assert policy.json()["low_overall_score"] == 5


def test_problem_records_list_and_resolve(client, store, specialist, advisor, task):
    client.force_login(specialist)
    body = {"outcome": "satisfied", "answers": full_answers(lounge=3)}
    assert client.post(f"{API}/tasks/{task.pk}/calls", body, content_type="application/json").status_code == 201
    client.force_login(advisor)
    [problem] = client.get(f"{API}/problems", {"status": "open"}).json()
    assert problem["assigned_to"]["id"] == advisor.pk
    done = client.post(
        f"{API}/problems/{problem['id']}/resolve", {"resolution": "已改善"}, content_type="application/json"
    )
    assert done.json()["status"] == "resolved"
    assert Problem.objects.get().resolution == "已改善"


def test_recording_upload_must_be_audio(client, specialist, task):
    client.force_login(specialist)
    call = client.post(f"{API}/tasks/{task.pk}/calls", {"outcome": "refused"}, content_type="application/json").json()
    bad = SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")
    assert client.post(f"{API}/calls/{call['id']}/recording", {"file": bad}).status_code == 422
    good = SimpleUploadedFile("x.mp3", b"ID3", content_type="audio/mpeg")
    assert client.post(f"{API}/calls/{call['id']}/recording", {"file": good}).json()["has_recording_file"] is True


def test_openapi_schema_lists_every_workbench_route(client, specialist):
    client.force_login(specialist)
    schema = client.get("/api/openapi.json").json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "workbench_queue",
        "workbench_next",
        "workbench_precall",
        "workbench_call_save",
        "workbench_call_detail",
        "workbench_call_recording",
        "workbench_questionnaire_current",
        "workbench_questionnaire_publish",
        "workbench_script_list",
        "workbench_script_update",
        "workbench_call_policy",
        "workbench_call_policy_update",
        "workbench_problem_list",
        "workbench_problem_resolve",
        "workbench_tasks_reassign",
        "workbench_team",
    } <= operations
