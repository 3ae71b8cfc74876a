"""The escalation sweep on a replayed clock: one level per passed deadline, once, with the new owner notified."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from huifang.complaints import services
from huifang.complaints.models import Complaint, ComplaintEvent
from huifang.notifications.models import Notification

from .conftest import NOW, intake


def sweep(hours: float) -> dict:
    return services.complaints_escalate_due(now=NOW + timedelta(hours=hours))


def escalation_notices(user, complaint) -> int:
    return Notification.objects.filter(user=user, key__startswith=f"complaint:{complaint.pk}:escalate").count()


@pytest.fixture
def staff(store, specialist, manager, director, oem):
    for user, address in ((manager, "manager@example.com"), (director, "director@example.com")):
        user.email = address
        user.save()
    return {"specialist": specialist, "manager": manager, "director": director, "oem": oem}


def test_level_one_deadline_passed_goes_to_the_service_manager_once(store, staff, django_capture_on_commit_callbacks):
    # given a complaint received at NOW, owned by the front line (24 h)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_contact_record(complaint=complaint, actor=staff["specialist"], now=NOW + timedelta(hours=1))
    # when the sweep runs 23 h later nothing happens
    assert sweep(23)["escalated"] == 0
    # when it runs at +25 h
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep(25)
    # then level 2, owned by the service manager, next deadline 48 h after the passed one
    complaint.refresh_from_db()
    assert counts["escalated"] == 1
    assert (complaint.level, complaint.owner) == (2, staff["manager"])
    assert complaint.escalated_at == NOW + timedelta(hours=24)
    assert complaint.level_due_at == NOW + timedelta(hours=72)
    event = ComplaintEvent.objects.get(complaint=complaint, kind="escalate")
    assert event.actor is None
    assert "2026-11-26 10:00" in event.note
    # and the manager is told in the app and by e-mail, once
    assert escalation_notices(staff["manager"], complaint) == 1
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
    # when the sweep runs again, later the same day
    assert sweep(25)["escalated"] == 0
    assert sweep(30)["escalated"] == 0
    # then nothing more
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="escalate").count() == 1
    assert escalation_notices(staff["manager"], complaint) == 1


def test_level_two_deadline_goes_to_senior_management(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    sweep(25)
    # level 2 is due 72 h after intake (24 h + 48 h)
    assert sweep(71)["escalated"] == 0
    sweep(73)
    complaint.refresh_from_db()
    assert (complaint.level, complaint.owner) == (3, staff["director"])
    assert complaint.level_due_at == NOW + timedelta(hours=144)
    assert escalation_notices(staff["director"], complaint) == 1


def test_a_sweep_down_for_days_climbs_one_level_per_passed_deadline(store, staff):
    # given nothing ran for a week
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    # when the sweep finally runs at +7 days (deadlines +24 h, +72 h, +144 h all passed)
    counts = sweep(24 * 7)
    # then three escalations, each at its own deadline, and the manufacturer's office owns it
    complaint.refresh_from_db()
    assert counts == {"escalated": 1, "levels": 3, "first_contact_overdue": 1, "media_report_overdue": 0}
    assert (complaint.level, complaint.owner, complaint.level_due_at) == (4, staff["oem"], None)
    events = ComplaintEvent.objects.filter(complaint=complaint, kind="escalate").order_by("level")
    assert [e.level for e in events] == [2, 3, 4]
    assert len({e.key for e in events}) == 3
    assert escalation_notices(staff["oem"], complaint) == 1
    # and another run changes nothing
    assert sweep(24 * 8)["escalated"] == 0


def test_manual_escalation_counts_the_next_deadline_from_now(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_escalate(
        complaint=complaint, actor=staff["specialist"], now=NOW + timedelta(hours=2), why="客户要求经理处理"
    )
    complaint.refresh_from_db()
    assert (complaint.level, complaint.owner) == (2, staff["manager"])
    assert complaint.level_due_at == NOW + timedelta(hours=50)
    # the sweep does not escalate it again for the old level-1 deadline
    assert sweep(25)["escalated"] == 0
    assert complaint.events.filter(kind="escalate").count() == 1


def test_closed_complaints_do_not_escalate(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_close(
        complaint=complaint,
        actor=staff["specialist"],
        now=NOW + timedelta(hours=3),
        result="已解决",
        root_cause="沟通不足",
        corrective_action="培训",
        is_valid=True,
    )
    assert sweep(100) == {"escalated": 0, "levels": 0, "first_contact_overdue": 0, "media_report_overdue": 0}


def test_first_contact_overdue_tells_the_owner_and_the_service_manager_once(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    assert sweep(1.5)["first_contact_overdue"] == 0
    assert sweep(2.5)["first_contact_overdue"] == 1
    assert sweep(3)["first_contact_overdue"] == 0
    key = f"complaint:{complaint.pk}:first_contact_overdue"
    assert set(Notification.objects.filter(key=key).values_list("user", flat=True)) == {
        staff["specialist"].pk,
        staff["manager"].pk,
    }


def test_a_contacted_complaint_is_not_reported_overdue(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_contact_record(complaint=complaint, actor=staff["specialist"], now=NOW + timedelta(hours=1))
    assert sweep(3)["first_contact_overdue"] == 0


def test_written_report_overdue_tells_the_care_director_once(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"], content="客户说要去电视台曝光")
    assert complaint.media_report_due == NOW + timedelta(hours=4)
    assert sweep(3.9)["media_report_overdue"] == 0
    assert sweep(4.5)["media_report_overdue"] == 1
    assert sweep(5)["media_report_overdue"] == 0
    assert Notification.objects.filter(
        user=staff["director"], key=f"complaint:{complaint.pk}:media_report_overdue"
    ).exists()


def test_escalation_in_business_hours(store, staff):
    from huifang.complaints.models import ComplaintPolicy

    from .conftest import at

    # given business hours and a complaint on Friday 27 Nov 17:00: level 1 due Wed 2 Dec 14:00 (24 business hours)
    ComplaintPolicy.objects.create(store=store, clock="business")
    complaint = intake(store, staff["specialist"], owner=staff["specialist"], now=at(2026, 11, 27, 17))
    assert complaint.level_due_at == at(2026, 12, 2, 14)
    # when the sweep runs on Monday nothing happens, on Wednesday 14:05 it escalates
    assert services.complaints_escalate_due(now=at(2026, 11, 30, 12))["escalated"] == 0
    assert services.complaints_escalate_due(now=at(2026, 12, 2, 14, 5))["escalated"] == 1
    complaint.refresh_from_db()
    # then level 2 has 48 business hours from Wed 14:00: 3.5 + 9 (Thu) + 9 (Fri) + 9 (Mon) + 9 (Tue) = 39.5,
    # the last 8.5 h on Wed 9 Dec from 08:30 -> 17:00
    assert complaint.level_due_at == at(2026, 12, 9, 17)


def test_replaying_the_clock_with_the_management_command(store, staff):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    out = StringIO()
    call_command("escalate_complaints", "--now", (NOW + timedelta(hours=25)).isoformat(), stdout=out)
    complaint.refresh_from_db()
    assert complaint.level == 2
    assert "escalated 1 complaint(s) by 1 level(s)" in out.getvalue()


def test_the_background_task_runs_the_sweep(settings, store, staff, monkeypatch):
    from huifang.complaints.tasks import escalate_complaints_task
    from huifang.core import clock

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=25))
    result = escalate_complaints_task.enqueue()
    complaint.refresh_from_db()
    assert complaint.level == 2
    assert result.return_value["escalated"] == 1


def test_a_quiet_sweep_uses_few_queries(store, staff, django_assert_max_num_queries):
    intake(store, staff["specialist"], owner=staff["specialist"])
    # the escalation queries and one for Hold pauses that ended
    with django_assert_max_num_queries(4):
        sweep(1)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_once(store, staff):
    # given two sweeps started together in two threads (two connections)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    complaints = [intake(store, staff["specialist"], owner=staff["specialist"]) for _ in range(5)]
    barrier = threading.Barrier(2)
    errors, results = [], []

    def run():
        from django.db import connections

        try:
            barrier.wait()
            results.append(sweep(24 * 7))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then no error, every complaint climbed exactly three levels once, and the OEM was told once each
    assert errors == []
    assert sum(r["levels"] for r in results) == 15
    assert ComplaintEvent.objects.filter(kind="escalate").count() == 15
    assert set(Complaint.objects.values_list("level", flat=True)) == {4}
    for complaint in complaints:
        assert escalation_notices(staff["oem"], complaint) == 1
