"""Reminders fall due on open days (calendars.reminders): a hand-built store calendar, tasks due on each kind of day.

NOW is Wednesday 25 November 2026, 10:00 (Shanghai). The store opens Monday to Friday (the default week) and
has closed Monday 30 November and Wednesday 2 December on its own calendar.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.audit.models import AuditEntry
from huifang.calendars import services
from huifang.calendars.reminders import reminders_move_to_open_days
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults

from ..factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SH)


@pytest.fixture
def closed_days(store, director):
    for day in (date(2026, 11, 30), date(2026, 12, 2)):
        services.store_day_save(store=store, actor=director, now=NOW, day=day, is_open=False)


def task(store, kind: str, due: date, key: str, status=TaskStatus.OPEN, hour: int = 0) -> FollowUpTask:
    rules_ensure_defaults(store=store)
    vehicle = VehicleFactory(store=store, customer=CustomerFactory(store=store))
    due_at = midnight(due) + timedelta(hours=hour)
    return FollowUpTask.objects.create(
        store=store,
        rule=FollowUpRule.objects.get(store=store, kind=kind),
        kind=kind,
        customer=vehicle.customer,
        vehicle=vehicle,
        subject=f"v{vehicle.pk}",
        occurrence_key=key,
        due_at=due_at,
        window_end=due_at + timedelta(days=7),
        status=status,
        channel="call",
        created_at=NOW,
    )


def test_reminders_due_on_closed_days_move_to_the_next_open_day(store, other_store, closed_days):
    # given reminders due on: a Saturday (→ Monday, but Monday 30 is closed → Tuesday 1 Dec); the store's own
    # closed Wednesday 2 Dec (→ Thursday 3 Dec); an open Friday; and others that must stay where they are
    saturday = task(store, "maintenance_reminder", date(2026, 11, 28), "sat", hour=9)
    wednesday = task(store, "insurance_renewal", date(2026, 12, 2), "wed")
    friday = task(store, "maintenance_reminder", date(2026, 11, 27), "fri")
    greeting = task(store, "birthday_greeting", date(2026, 11, 28), "bday")  # greetings keep their day
    done = task(store, "inspection_due", date(2026, 11, 28), "done", status=TaskStatus.DONE)
    overdue = task(store, "licence_due", date(2026, 11, 22), "past")  # a Sunday already gone: not moved
    elsewhere = task(other_store, "maintenance_reminder", date(2026, 11, 28), "other")
    # when the rule runs after the sweep
    assert reminders_move_to_open_days(store=store, now=NOW) == 2
    # then the moved ones keep their time of day and the length of their window
    due = {t.occurrence_key: FollowUpTask.objects.get(pk=t.pk) for t in (saturday, wednesday, friday)}
    assert due["sat"].due_at == midnight(date(2026, 12, 1)) + timedelta(hours=9)
    assert due["sat"].window_end - due["sat"].due_at == timedelta(days=7)
    assert due["wed"].due_at == midnight(date(2026, 12, 3))
    assert due["fri"].due_at == midnight(date(2026, 11, 27))
    for kept in (greeting, done, overdue, elsewhere):
        assert FollowUpTask.objects.get(pk=kept.pk).due_at == kept.due_at
    # and each moved day is in the audit trail
    moves = sorted(e.changes["reminders_due"] for e in AuditEntry.objects.filter(changes__has_key="reminders_due"))
    assert moves == [["2026-11-28", "2026-12-01"], ["2026-12-02", "2026-12-03"]]
    # and running it again moves nothing
    assert reminders_move_to_open_days(store=store, now=NOW) == 0


def test_the_scheduled_sweep_moves_what_it_creates(store, closed_days, monkeypatch):
    from huifang.followups.tasks import run_followups_task

    # given a car whose insurance expires on Wednesday 30 December: its renewal reminder (30 days ahead) is due
    # Monday 30 November, a day this store closes
    rules_ensure_defaults(store=store)
    vehicle = VehicleFactory(store=store, customer=CustomerFactory(store=store), insurance_expiry=date(2026, 12, 30))
    monday = datetime(2026, 11, 30, 6, 0, tzinfo=SH)
    monkeypatch.setattr(clock, "now", lambda: monday)
    # when the daily job runs that morning
    run_followups_task.call(store_id=store.pk, kinds=["insurance_renewal"])
    # then the reminder is there, due on Tuesday 1 December
    reminder = FollowUpTask.objects.get(vehicle=vehicle, kind="insurance_renewal")
    assert reminder.due_at == midnight(date(2026, 12, 1))
