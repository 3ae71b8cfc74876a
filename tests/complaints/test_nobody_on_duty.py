"""Issue 15 §5 — nobody on duty: unowned complaints (未分配) listed, filtered and counted; escalations going up
the chain (service manager → care director → group manager) when a role has nobody in the store, saying why;
and the 3-day follow-up call for a customer not in the archive, on the phone taken on intake."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.models import Customer
from huifang.complaints import selectors, services
from huifang.complaints.models import Complaint, ComplaintEvent
from huifang.core import clock
from huifang.followups.models import FollowUpTask
from huifang.notifications.models import Notification

from ..factories import PASSWORD, UserFactory, member
from .conftest import NOW, intake

pytestmark = pytest.mark.django_db


def sweep(hours: float) -> dict:
    return services.complaints_escalate_due(now=NOW + timedelta(hours=hours))


def notices(complaint) -> list[Notification]:
    return list(Notification.objects.filter(key__startswith=f"complaint:{complaint.pk}:").order_by("key", "user_id"))


@pytest.fixture
def group_manager(store):
    user = UserFactory(username="group")
    Membership.objects.create(user=user, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=store.group)
    return user


# --- unowned -----------------------------------------------------------------------------------------


def test_a_complaint_in_a_store_with_nobody_on_duty_is_unowned_listed_and_counted(store, client):
    # given a store whose only complaint handler is a service advisor on leave, and a director who reads
    director = member(store, Role.CARE_DIRECTOR, username="director", on_leave=True)
    # when a complaint comes in by the API (no actor in the store to own it)
    complaint = intake(store, None)
    owned = intake(store, None, owner=director, customer_name="赵六")
    # then nobody owns the first one
    assert complaint.owner is None
    # and the list filter finds exactly it, the counts say 1
    rows = selectors.complaint_list(user=director, now=NOW, unowned=True)
    assert [c.pk for c in rows] == [complaint.pk]
    assert [c.pk for c in selectors.complaint_list(user=director, now=NOW, unowned=False)] == [owned.pk]
    assert selectors.complaint_counts(user=director, now=NOW)["unowned"] == 1
    # and the list screen, filtered, shows it as 未分配
    client.login(username="director", password=PASSWORD)
    page = client.get(reverse("complaints:list") + "?unowned=1").content.decode()
    assert complaint.number in page and owned.number not in page
    assert page.count('<span class="badge unowned">未分配</span>') == 1


def test_the_dashboard_counts_open_unowned_complaints(store, client, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    director = member(store, Role.CARE_DIRECTOR, username="director", on_leave=True)
    intake(store, None)
    intake(store, None, customer_name="赵六")
    owned = intake(store, None, owner=director, customer_name="钱七")
    assert owned.owner == director
    client.login(username="director", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("reports:dashboard")).content.decode()
    block = page[page.index('id="kpi-unowned"') :]
    assert "未分配投诉" in block[:400]
    assert ">2</a>" in block[:400]


# --- escalation up the chain -------------------------------------------------------------------------


def test_no_service_manager_sends_the_level_two_escalation_to_the_care_director_and_says_why(store, specialist):
    # given a store without a service manager: a specialist and a care director
    director = member(store, Role.CARE_DIRECTOR, username="director")
    complaint = intake(store, specialist, owner=specialist)
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1))
    # when the level-1 deadline (24 h) has passed and the sweep runs, twice
    first = sweep(25)
    second = sweep(25.5)
    # then it is at level 2, owned by the care director, next deadline 24 h + 48 h after intake
    complaint.refresh_from_db()
    assert (first["escalated"], second["escalated"]) == (1, 0)
    assert (complaint.level, complaint.owner, complaint.level_due_at) == (2, director, NOW + timedelta(hours=72))
    # and one notification, to the director, saying why it came to them
    sent = notices(complaint)
    assert [(n.user, n.key) for n in sent] == [
        (director, f"complaint:{complaint.pk}:escalate:1:{int((NOW + timedelta(hours=24)).timestamp())}")
    ]
    assert "深圳测试斯柯达4S店没有可接收的服务经理" in sent[0].body
    assert "已沿上报链转给客户关爱总监" in sent[0].body
    # and the timeline says the same
    event = ComplaintEvent.objects.get(complaint=complaint, kind="escalate")
    assert "已沿上报链转给客户关爱总监" in event.note


def test_no_manager_and_no_director_goes_to_the_group_manager(store, specialist, group_manager):
    # given a store with only a specialist; its dealer group has a group manager
    complaint = intake(store, specialist, owner=specialist)
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1))
    # when level 1 runs out
    assert sweep(25)["escalated"] == 1
    # then the group manager owns it and was told why (both roles were empty)
    complaint.refresh_from_db()
    assert (complaint.level, complaint.owner) == (2, group_manager)
    [notice] = notices(complaint)
    assert notice.user == group_manager
    assert "服务经理、客户关爱总监" in notice.body
    assert "集团经理" in notice.body


def test_a_manager_on_leave_counts_as_nobody(store, specialist):
    member(store, Role.SERVICE_MANAGER, username="manager", on_leave=True)
    director = member(store, Role.CARE_DIRECTOR, username="director")
    complaint = intake(store, specialist, owner=specialist)
    services.complaint_escalate(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=2), why="客户要求")
    complaint.refresh_from_db()
    assert (complaint.level, complaint.owner) == (2, director)
    [notice] = [n for n in notices(complaint) if ":escalate:" in n.key]
    assert notice.user == director and "没有可接收的服务经理" in notice.body


def test_the_role_present_gets_it_without_a_why(store, specialist, manager):
    complaint = intake(store, specialist, owner=specialist)
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1))
    sweep(25)
    [notice] = notices(complaint)
    assert notice.user == manager
    assert "上报链" not in notice.body


def test_first_contact_overdue_without_a_service_manager_tells_the_director_and_why(store, specialist):
    director = member(store, Role.CARE_DIRECTOR, username="director")
    complaint = intake(store, specialist, owner=specialist)
    assert sweep(2.5)["first_contact_overdue"] == 1
    assert sweep(3)["first_contact_overdue"] == 0
    rows = Notification.objects.filter(key=f"complaint:{complaint.pk}:first_contact_overdue")
    assert set(rows.values_list("user", flat=True)) == {specialist.pk, director.pk}
    assert all("没有可接收的服务经理" in n.body for n in rows)


# --- follow-up call for a customer not in the archive ------------------------------------------------


def _close(complaint, actor, now):
    return services.complaint_close(
        complaint=complaint,
        actor=actor,
        now=now,
        result="已更换部件，客户认可",
        root_cause="零件缺陷",
        corrective_action="加强检查",
        is_valid=True,
    )


def test_closing_a_complaint_of_a_customer_not_in_the_archive_plans_the_call_on_the_intake_phone(store, specialist):
    # given a complaint by phone from someone the archive does not know
    complaint = intake(store, specialist, owner=specialist, customer_name="孙八", phone="139 2233 4455")
    assert complaint.customer is None and complaint.phone == "+8613922334455"
    closed_at = NOW + timedelta(days=1)
    # when it is closed
    _close(complaint, specialist, closed_at)
    # then a customer record carries the name and the phone taken on intake
    complaint.refresh_from_db()
    customer = Customer.objects.get(store=store)
    assert (customer.name, customer.mobile, customer.source) == ("孙八", "+8613922334455", "other")
    assert complaint.customer == customer
    # and the 3-day follow-up call is planned for them, for the complaint's owner
    task = FollowUpTask.objects.get(kind="complaint_follow_up")
    assert (task.customer, task.due_at, task.window_end) == (customer, closed_at, closed_at + timedelta(days=3))
    assert (task.assigned_to, task.channel, task.status) == (specialist, "call", "open")
    assert complaint.follow_ups.get().task == task
    # and the timeline says where the customer came from
    assert complaint.events.filter(kind="action", note__contains="客户不在档案中").count() == 1


def test_closing_finds_a_customer_imported_since_intake(store, specialist):
    from ..factories import CustomerFactory

    complaint = intake(store, specialist, owner=specialist, customer_name="孙八", phone="13922334455")
    imported = CustomerFactory(store=store, name="孙八", mobile="+8613922334455")
    _close(complaint, specialist, NOW + timedelta(days=1))
    complaint.refresh_from_db()
    assert complaint.customer == imported
    assert Customer.objects.filter(store=store).count() == 1
    assert FollowUpTask.objects.get(kind="complaint_follow_up").customer == imported


def test_reopened_and_closed_again_reuses_the_recorded_customer(store, specialist):
    complaint = intake(store, specialist, owner=specialist, customer_name="孙八", phone="13922334455")
    _close(complaint, specialist, NOW + timedelta(days=1))
    services.complaint_reopen(complaint=complaint, actor=specialist, now=NOW + timedelta(days=2), why="客户再次来电")
    _close(Complaint.objects.get(pk=complaint.pk), specialist, NOW + timedelta(days=3))
    assert Customer.objects.filter(store=store).count() == 1
    assert FollowUpTask.objects.filter(kind="complaint_follow_up").count() == 2
