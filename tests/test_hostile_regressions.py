"""The 500s the hostile-input walks (tests/test_hostile_input.py, tests/test_hostile_api.py) found in the
workbench and club screens, each pinned by the request that found it."""

import pytest

BIG = str(2**63)


def test_a_bulk_reassign_with_an_id_past_64_bits_moves_nothing(client, store, director):
    # given
    client.force_login(director)
    # when
    response = client.post("/workbench/reassign/", {"tasks": [BIG, "²"], "to_user": str(director.pk)})
    # then the ids name no task: no server error
    assert response.status_code < 500


@pytest.mark.parametrize(("param", "value"), [("advisor", BIG), ("assignee", BIG), ("advisor", "0")])
def test_the_queue_refuses_an_id_out_of_range_naming_it(client, store, director, param, value):
    client.force_login(director)
    response = client.get("/api/workbench/queue", {"store": store.code, param: value})
    assert response.status_code == 422
    assert param in response.json()["detail"][0]["loc"]


@pytest.mark.parametrize("field", ["started_at", "callback_at"])
def test_a_call_time_without_offset_is_422_naming_it(client, store, director, field):
    client.force_login(director)
    body = {"outcome": "satisfied", field: "2026-12-01T10:00"}
    response = client.post("/api/workbench/tasks/1/calls", body, content_type="application/json")
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]


def test_attendance_for_an_event_id_past_64_bits_is_422(client, store, director):
    client.force_login(director)
    url = f"/api/operations/stores/{store.pk}/events/{BIG}/signups/{BIG}/attendance"
    response = client.post(url, {"attended": True}, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(("param", "value"), [("actor_id", BIG), ("since", "0001-01-01"), ("until", "9999-12-31")])
def test_the_access_log_refuses_an_id_or_day_out_of_range_naming_it(client, store, director, param, value):
    client.force_login(director)
    response = client.get("/api/privacy/access-log", {param: value})
    assert response.status_code == 422
    assert param in response.json()["detail"][0]["loc"]


def test_the_lounge_checklist_ignores_a_posted_clear_box(client, store, director):
    from huifang.operations.models import LoungeItem

    # given an item of the lounge checklist, and a "clear" box posted beside its photo
    item = LoungeItem.objects.create(store=store, position=1, title="空调")
    client.force_login(director)
    # when
    response = client.post(
        f"/operations/{store.pk}/lounge/", {f"score_{item.pk}": "5", f"photo_{item.pk}-clear": "1", "sign": "1"}
    )
    # then no server error (the photo was False, and .name a 500)
    assert response.status_code < 500


def test_monthly_figures_past_a_million_are_refused_naming_the_field(client, store, director):
    from huifang.operations.models import MonthlyFigure

    client.force_login(director)
    body = {"month": "2026-11", "showroom_sales": "99999999999999999999", "workshop_throughput": "10"}
    response = client.post(f"/operations/{store.pk}/staffing/figures/", body)
    assert response.status_code < 500
    assert "showroom_sales" in response.context["figure_form"].errors
    assert not MonthlyFigure.objects.exists()


def test_call_policy_retry_times_past_a_day_are_refused_naming_the_field(client, store, director):
    client.force_login(director)
    body = {"section": "retry", "retry_times": "99999999999999999999:00", "retry_first_hours": "2"}
    body |= {"retry_later_days": "1", "retry_other_time_hours": "3", "unreachable_min_hours": "24"}
    response = client.post(f"/workbench/stores/{store.pk}/policy/", body)
    assert response.status_code == 422
    assert "retry_times" in response.context["retry"].errors


@pytest.mark.parametrize("value", ["1e309", "99999999999999999999"])
def test_a_message_segment_spend_past_the_archive_range_is_refused(value):
    from django.core.exceptions import ValidationError

    from huifang.archive.segments import segment_clean

    with pytest.raises(ValidationError) as refused:
        segment_clean({"spend_min": value, "spend_max": value})
    assert set(refused.value.message_dict) == {"spend_min", "spend_max"}


@pytest.mark.parametrize("value", ["12", 12, "12:00+08:00", "noon"])
def test_a_robot_brief_time_that_is_not_a_time_of_day_is_422_naming_it(client, store, director, value):
    client.force_login(director)
    response = client.put(f"/api/robots/stores/{store.code}/", {"brief_time": value}, content_type="application/json")
    assert response.status_code == 422
    assert "brief_time" in response.json()["detail"][0]["loc"]


def test_turning_a_robot_on_without_a_webhook_names_the_switch(client, store, director):
    client.force_login(director)
    response = client.put(f"/api/robots/stores/{store.code}/", {"enabled": "yes"}, content_type="application/json")
    assert response.status_code == 422
    assert {"enabled", "webhook"} <= {item["loc"][-1] for item in response.json()["detail"]}


def test_an_answer_under_an_empty_question_code_is_422_naming_answers(client, store, director):
    from huifang.accounts.choices import Role

    from .factories import member
    from .workbench.factories import call_task

    task = call_task(store, assigned_to=director, advisor=member(store, Role.SERVICE_ADVISOR))
    client.force_login(director)
    body = {"outcome": "satisfied", "answers": {"": None}}
    response = client.post(f"/api/workbench/tasks/{task.pk}/calls", body, content_type="application/json")
    assert response.status_code == 422
    assert "answers" in response.json()["detail"][0]["loc"]


def test_the_outbox_ignores_a_store_filter_past_64_bits(client, store, director):
    client.force_login(director)
    response = client.get("/messaging/", {"store": BIG})
    assert response.status_code == 200
    assert "store" in response.context["form"].errors


@pytest.mark.parametrize("url", ["/privacy/log/", "/privacy/log.xlsx"])
@pytest.mark.parametrize(("param", "value"), [("since", "0001-01-01"), ("until", "9999-12-31")])
def test_the_access_log_page_ignores_a_day_outside_1900_2999(client, store, director, url, param, value):
    client.force_login(director)
    assert client.get(url, {param: value}).status_code == 200


def test_retention_erasure_refuses_a_customer_id_past_64_bits(client, store, director):
    client.force_login(director)
    response = client.post(f"/privacy/{store.pk}/retention/", {"customers": [BIG], "reason": "x", "confirm": "on"})
    assert response.status_code < 500
    assert "customers" in response.context["form"].errors


@pytest.mark.parametrize("field", ["implausible_seconds", "implausible_count", "audit_sample_size"])
def test_report_settings_past_their_column_are_refused_on_the_field(field):
    from huifang.reports.forms import ReportPolicyForm

    data = {"tolerance_points": "2", "implausible_seconds": "20", "implausible_count": "3", "audit_sample_size": "5"}
    assert ReportPolicyForm(data).is_valid()
    form = ReportPolicyForm({**data, field: "99999999999999999999"})
    assert not form.is_valid()
    assert list(form.errors) == [field]


@pytest.mark.parametrize("page", [BIG, "999"])
def test_a_queue_page_past_the_last_shows_the_last(client, store, director, page):
    from .workbench.factories import call_task

    for _ in range(3):
        call_task(store, assigned_to=director)
    client.force_login(director)
    # when: ?page= far past the last page (2**63 overflowed the OFFSET: a 500 on PostgreSQL)
    response = client.get("/workbench/", {"page": page})
    # then: the last page, with its tasks
    assert response.status_code == 200
    assert response.context["page"] == response.context["pages"] == 1
    assert sum(bucket[3] for bucket in response.context["buckets"]) == 3
