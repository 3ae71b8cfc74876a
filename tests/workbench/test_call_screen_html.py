"""The call screen (GET) gives the very page it gave before branch wbscreen moved its loops and includes to
Python: the same view context rendered through the template as it was then (tests/workbench/
call_before_wbscreen.html, word for word) must equal the page served, for callers and managers, zh and en,
with history and complaints, company contacts, scripts, a survey link, a closed task."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from huifang.archive.choices import ContactRole, CustomerKind
from huifang.archive.models import Contact, RepairOrder, RepairOrderLine, Vehicle
from huifang.complaints import services as complaint_services
from huifang.complaints.models import Complaint
from huifang.core import clock
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.surveys import services as survey_services
from huifang.workbench import views
from huifang.workbench.models import CallRecord, Problem

from ..factories import PASSWORD, CustomerFactory
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

BEFORE = (Path(__file__).parent / "call_before_wbscreen.html").read_text(encoding="utf-8")
_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def tasks(store, specialist, manager):
    """A task with earlier calls and complaints, a company car's task with its people, a task with a survey link
    already sent, a closed one, and a task of a kind without a repair order."""
    plain = call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store, name="<i>张</i> & 李"))
    for i, (score, comment) in enumerate([(None, ""), (87, "好<b>" * 40)]):
        attempt = ContactAttempt.objects.create(task=plain, at=NOW, outcome="completed")
        CallRecord.objects.create(
            store=store, task=plain, attempt=attempt, customer=plain.customer, ended_at=NOW - timedelta(days=i + 1),
            outcome=["satisfied", "with_issue"][i], score=score, comment=comment,
        )  # fmt: skip
    complaint_services.complaint_intake(
        store=store, actor=manager, now=NOW - timedelta(days=2), channel="phone", category="SA",
        content="严重<问题>" * 10, customer=plain.customer,
    )  # fmt: skip
    company = CustomerFactory(
        store=store,
        name="物流公司",
        kind=CustomerKind.COMPANY,
        mobile="",
        home_phone="+862088881234",
        office_phone="+8675512345678",
    )
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘师傅", phone="+8613800138000")
    Contact.objects.create(customer=company, role=ContactRole.FLEET_MANAGER, name="陈", phone="", department="车队")
    fleet = call_task(store, assigned_to=specialist, customer=company)
    surveyed = call_task(store, assigned_to=specialist)
    survey_services.link_create(task=surveyed, actor=None, now=NOW - timedelta(days=1))
    closed = call_task(store, assigned_to=specialist, status="done")
    reminder = call_task(store, assigned_to=specialist, kind="maintenance_reminder")
    # Every optional line of the cards, and odd values in them.
    odd = call_task(
        store, assigned_to=specialist, amount=Decimal("1234567.8"),
        customer=CustomerFactory(
            store=store, occupation="记者 <b>", address="深圳 & 南山", best_contact_time="", preferred_channel="sms",
        ),
    )  # fmt: skip
    Vehicle.objects.filter(pk=odd.vehicle_id).update(
        plate="", trim="<1.4T>", current_km=123456, next_maintenance_km=None, next_maintenance_date=None
    )
    RepairOrder.objects.filter(pk=odd.repair_order_id).update(
        delivered_at=None, advisor_name="", technician_name="李<工>", fault_description="异响 & '抖动'",
        is_repeat_repair=True, labour_amount=Decimal("0"), parts_amount=Decimal("-0.5"),
    )  # fmt: skip
    RepairOrderLine.objects.filter(repair_order_id=odd.repair_order_id).delete()
    dated = call_task(store, assigned_to=specialist)
    Vehicle.objects.filter(pk=dated.vehicle_id).update(next_maintenance_km=None, current_km=0)
    nobodys = call_task(store, assigned_to=None)
    waiting = call_task(store, assigned_to=specialist)
    FollowUpTask.objects.filter(pk=waiting.pk).update(next_call_at=NOW + timedelta(hours=30, minutes=7))
    closed_waiting = call_task(store, assigned_to=specialist, status="done")
    FollowUpTask.objects.filter(pk=closed_waiting.pk).update(next_call_at=NOW + timedelta(hours=1))
    return [plain, fleet, surveyed, closed, reminder, odd, dated, nobodys, waiting, closed_waiting]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["specialist", "manager"])
def test_the_call_screen_is_the_page_it_was(client, monkeypatch, request, tasks, language, who):
    user = request.getfixturevalue(who)
    assert client.login(username=user.username, password=PASSWORD)
    rendered = []
    real_render = views.render

    def render(req, template_name, context=None, *args, **kwargs):
        rendered.append((req, context))
        return real_render(req, template_name, context, *args, **kwargs)

    monkeypatch.setattr(views, "render", render)
    before = engines["django"].from_string(BEFORE)
    client.cookies["django_language"] = language
    # A call saved with a complaint, reasons and a problem record, named by ?saved= (a manager sees its notice).
    call = CallRecord.objects.filter(task=tasks[0]).order_by("id").first()
    CallRecord.objects.filter(pk=call.pk).update(
        complaint=Complaint.objects.filter(customer=call.customer).first(), issue_reasons=["<低分>", "复修"]
    )
    Problem.objects.create(store=call.store, call=call, customer=call.customer, description="机油" * 30, created_at=NOW)
    for task, suffix in [(task, "") for task in tasks] + [(tasks[0], f"?saved={call.pk}"), (tasks[1], "?saved=x")]:
        rendered.clear()
        response = client.get(reverse("workbench:task", args=[task.pk]) + suffix, HTTP_ACCEPT_LANGUAGE=language)
        if task.assigned_to is None and who == "specialist":  # a caller opens only their own tasks
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        req, context = rendered[0]
        with translation.override(language):
            expected = before.render(context, req)
        page = response.content.decode()
        assert _CSRF.sub(r"\1", page) == _CSRF.sub(r"\1", expected)
        assert ("Customer" in page) == (language == "en")
        assert ('id="wb-waiting"' in page) == (task.pk == tasks[8].pk)
        assert ('id="wb-saved"' in page) == (suffix == f"?saved={call.pk}" and who == "manager")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("prefix", ["/", "/hf/"])
def test_the_survey_box_is_the_tags(tasks, language, prefix):
    from django.template import Context, Template
    from django.urls import set_script_prefix

    from huifang.surveys.models import SurveyLink
    from huifang.surveys.templatetags.surveys import survey_box_html

    tag = Template("{% load surveys %}{% task_survey_links task may_act %}")
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for task in tasks:
                has_link = SurveyLink.objects.filter(task=task).exists()
                for may_act in (True, False):
                    expected = tag.render(Context({"task": task, "may_act": may_act}))
                    assert survey_box_html(task=task, may_act=may_act, has_link=has_link) == expected
                    assert survey_box_html(task=task, may_act=may_act, has_link=None) == expected
                    assert f"survey-box-{task.pk}" in expected
    finally:
        set_script_prefix("/")
    assert SurveyLink.objects.filter(task__in=tasks).count() == 1
