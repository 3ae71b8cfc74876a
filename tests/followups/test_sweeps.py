"""The sweep: each rule kind creates the right task at the hand-computed time, once, in its store only."""

import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from huifang.followups.choices import RuleKind, TaskChannel, TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.followups.sweeps import sweep_run

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory
from .conftest import NOW, at


def task_of(kind, subject_obj, **extra):
    prefix = "v" if subject_obj.__class__.__name__ == "Vehicle" else "c"
    return FollowUpTask.objects.get(kind=kind, subject=f"{prefix}{subject_obj.pk}", **extra)


def test_defaults_are_seeded_once_per_store(store):
    # when the defaults are ensured twice
    first = rules_ensure_defaults(store=store)
    second = rules_ensure_defaults(store=store)
    # then every kind has one rule, with the brief's numbers
    assert (first, second) == (len(RuleKind), 0)
    post = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
    assert (post.window_hours, post.owner_rule, post.channel) == (72, "ro_advisor", TaskChannel.CALL)
    assert FollowUpRule.objects.get(store=store, kind=RuleKind.MAINTENANCE_REMINDER).lead_days == 7
    assert FollowUpRule.objects.get(store=store, kind=RuleKind.INSURANCE_RENEWAL).lead_days == 30
    assert FollowUpRule.objects.get(store=store, kind=RuleKind.FIRST_VISIT_SERIES).offsets == "3d,1m,3m"


@pytest.mark.parametrize(
    ("kind", "subject", "key", "due_at", "window_hours"),
    [
        (RuleKind.POST_SERVICE_CALL, "ro.vehicle", "ro{ro.pk}", at(2026, 11, 23, 15), 72),
        (RuleKind.MAINTENANCE_REMINDER, "maintenance", "m2026-09-01", at(2026, 11, 24), 7 * 24),
        (RuleKind.INSURANCE_RENEWAL, "insurance", "2026-12-25", at(2026, 11, 25), 7 * 24),
        (RuleKind.INSPECTION_DUE, "inspection", "2026-12-20", at(2026, 11, 20), 7 * 24),
        (RuleKind.WARRANTY_EXPIRY, "warranty", "2027-06-01/100000", at(2026, 11, 19), 7 * 24),
        (RuleKind.FIRST_SERVICE_REMINDER, "first_service", "first", at(2026, 11, 24), 7 * 24),
        (RuleKind.LOST_CUSTOMER, "dormant", "6m:2026-05-24", at(2026, 11, 24), 7 * 24),
        (RuleKind.LOST_CUSTOMER, "lost", "12m:2025-11-22", at(2026, 11, 22), 7 * 24),
        (RuleKind.FIRST_VISIT_SERIES, "new3d", "3d", at(2026, 11, 25, 9), 72),
        (RuleKind.FIRST_VISIT_SERIES, "new1m", "1m", at(2026, 11, 24, 11), 72),
        (RuleKind.BIRTHDAY_GREETING, "solar_bd", "2026", at(2026, 11, 25), 24),
        (RuleKind.BIRTHDAY_GREETING, "lunar_bd", "2026", at(2026, 11, 25), 24),
    ],
)
def test_each_rule_kind_creates_its_task_at_the_hand_computed_time(
    world, store, kind, subject, key, due_at, window_hours
):
    # given the archive of `world`
    obj = world
    for part in subject.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    # when the sweep runs at NOW
    sweep_run(store=store, now=NOW)
    # then the task exists with the due time and window computed by hand
    task = task_of(kind, obj, occurrence_key=key.format(ro=world["ro"]))
    assert task.due_at == due_at
    assert task.window_end == due_at + timedelta(hours=window_hours)
    assert task.status == TaskStatus.OPEN


def test_the_sweep_creates_nothing_else(world, store):
    # when the sweep runs at NOW
    counts = sweep_run(store=store, now=NOW)
    # then exactly the hand-computed tasks, per kind
    assert {k: v for k, v in counts.items() if v} == {
        RuleKind.POST_SERVICE_CALL: 2,  # one in its window, one late (delivered 21 Nov, window ran out)
        RuleKind.MAINTENANCE_REMINDER: 1,
        RuleKind.INSURANCE_RENEWAL: 1,
        RuleKind.INSPECTION_DUE: 1,
        RuleKind.WARRANTY_EXPIRY: 1,
        RuleKind.FIRST_SERVICE_REMINDER: 1,
        RuleKind.LOST_CUSTOMER: 2,
        RuleKind.FIRST_VISIT_SERIES: 2,
        RuleKind.BIRTHDAY_GREETING: 2,
    }
    assert FollowUpTask.objects.count() == 13


def test_running_twice_creates_nothing_twice(world, store):
    # given a first run
    first = sweep_run(store=store, now=NOW)
    # when it runs again an hour later
    second = sweep_run(store=store, now=NOW + timedelta(hours=1))
    # then the second run created nothing new
    assert sum(first.values()) == 13
    assert sum(second.values()) == 0
    assert FollowUpTask.objects.count() == 13


def test_the_sweep_reads_a_bounded_number_of_queries(world, store, django_assert_max_num_queries):
    # given ten times as many post-service deliveries as the world has
    for _ in range(10):
        RepairOrderFactory(
            vehicle__customer__store=store, opened_at=at(2026, 11, 24, 8), delivered_at=at(2026, 11, 24, 9)
        )
    rules_ensure_defaults(store=store)
    # then per rule one query to read, one for the occurrences already made and one insert; staff and the
    # archive policy (first-service-lost period) load once
    with django_assert_max_num_queries(38):
        counts = sweep_run(store=store, now=NOW)
    assert counts[RuleKind.POST_SERVICE_CALL] == 12


def test_replaying_a_past_day_creates_what_was_due_that_day(world, store):
    # when 23 November is replayed (as at 23:59:59 that day)
    call_command("run_followups", "--store", store.code, "--date", "2026-11-23")
    # then the post-service call of the order delivered that afternoon is there, the 25 Nov insurance one is not
    assert FollowUpTask.objects.get(repair_order=world["ro"]).due_at == at(2026, 11, 23, 15)
    assert not FollowUpTask.objects.filter(kind=RuleKind.INSURANCE_RENEWAL).exists()
    # and the order delivered on 21 Nov at 09:00 was still inside its 72 h then
    assert FollowUpTask.objects.filter(kind=RuleKind.POST_SERVICE_CALL).count() == 2


def test_the_command_prints_counts_per_kind(world, store, capsys):
    call_command("run_followups", "--store", store.code, "--date", "2026-11-25")
    out = capsys.readouterr().out
    assert f"{store.code} post_service_call: 2" in out
    assert out.strip().endswith("tasks created")


def test_the_command_refuses_a_bad_date_or_store(store):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_followups", "--date", "25/11/2026")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("run_followups", "--store", "NOPE")


def test_a_sweep_only_touches_its_own_store(world, store, other_store):
    # given another store's order delivered at the same time
    theirs = RepairOrderFactory(
        vehicle__customer__store=other_store, opened_at=at(2026, 11, 23, 9), delivered_at=at(2026, 11, 23, 15)
    )
    # when only our store is swept
    sweep_run(store=store, now=NOW)
    # then nothing was created for the other store's order, and every task is ours
    assert not FollowUpTask.objects.filter(repair_order=theirs).exists()
    assert set(FollowUpTask.objects.values_list("store_id", flat=True)) == {store.pk}


def test_holiday_greetings_across_the_year_boundary(store):
    # given two consenting customers, one who does not accept marketing, and a New Year rule one day ahead
    CustomerFactory(store=store, marketing_consent=True)
    CustomerFactory(store=store, marketing_consent=True)
    CustomerFactory(store=store, marketing_consent=False)
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=RuleKind.HOLIDAY_GREETING).update(
        festivals="new_year,spring_festival", lead_days=1
    )
    # when 31 December 2026 is replayed
    call_command("run_followups", "--store", store.code, "--date", "2026-12-31")
    # then New Year 2027's greeting is due on 31 Dec 00:00 for the two who consented
    tasks = FollowUpTask.objects.filter(kind=RuleKind.HOLIDAY_GREETING)
    assert set(tasks.values_list("occurrence_key", flat=True)) == {"new_year:2027"}
    assert tasks.count() == 2
    assert {t.due_at for t in tasks} == {at(2026, 12, 31)}
    assert {t.target_date for t in tasks} == {date(2027, 1, 1)}


def test_spring_festival_greeting_on_the_lunar_new_year(store):
    # given a consenting customer and the default festivals
    CustomerFactory(store=store, marketing_consent=True)
    # when the sweep runs on 6 February 2027 (正月初一, hand-checked: new moon of 6 Feb 23:56 Beijing time)
    counts = sweep_run(store=store, now=at(2027, 2, 6, 6))
    # then one Spring Festival greeting, none the day before
    assert counts[RuleKind.HOLIDAY_GREETING] == 1
    assert FollowUpTask.objects.get().occurrence_key == "spring_festival:2027"
    assert sweep_run(store=store, now=at(2027, 2, 5, 6))[RuleKind.HOLIDAY_GREETING] == 0


def test_lunar_birthday_in_the_next_solar_year(store):
    # given lunar 12/20, which in lunar year 2026 falls on 27 January 2027
    customer = CustomerFactory(store=store, birthday=date(1990, 12, 20), birthday_is_lunar=True, marketing_consent=True)
    # when the sweep runs on that day
    sweep_run(store=store, now=at(2027, 1, 27, 6))
    # then the greeting is due that day, keyed by the 2027 celebration
    task = FollowUpTask.objects.get(subject=f"c{customer.pk}")
    assert (task.occurrence_key, task.due_at) == ("2027", at(2027, 1, 27))


def test_disabled_rules_create_nothing(world, store):
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store).update(enabled=False)
    assert sweep_run(store=store, now=NOW) == {}
    assert not FollowUpTask.objects.exists()


def test_vehicle_without_dates_creates_nothing(store):
    VehicleFactory(customer__store=store)
    assert sum(sweep_run(store=store, now=NOW).values()) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_each_task_once(world, store):
    # given two sweeps of the same store started together in two threads (two connections)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    rules_ensure_defaults(store=store)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        from django.db import connections

        try:
            barrier.wait()
            sweep_run(store=store, now=NOW)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then no error and each occurrence exists once (the late post-service call included)
    assert errors == []
    assert FollowUpTask.objects.count() == 13


def test_the_background_task_sweeps_only_the_kinds_it_is_given(settings, world, store):
    # given the immediate task backend and the 5-minute job's arguments
    from huifang.followups.tasks import run_followups_task
    from huifang.schedule import SCHEDULE

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = next(j for j in SCHEDULE if j.name == "post-service follow-ups")
    # when it runs
    result = run_followups_task.enqueue(store_id=store.pk, **job.kwargs).return_value
    # then only post-service calls were swept (the world's delivery on 23 Nov is long past real time "now")
    assert set(result) == {RuleKind.POST_SERVICE_CALL}


def test_the_two_scheduled_jobs_cover_every_sweepable_kind_once():
    from huifang.followups.sweeps import DAILY_KINDS, FREQUENT_KINDS
    from huifang.schedule import SCHEDULE

    kinds = [k for j in SCHEDULE if j.task.endswith("run_followups_task") for k in j.kwargs["kinds"]]
    assert sorted(kinds) == sorted([*FREQUENT_KINDS, *DAILY_KINDS])


def test_a_customer_who_withdrew_calls_for_service_gets_no_post_service_call(world, store):
    # given the owner of the delivered order told the front desk not to call them (phone, service)
    from huifang.messaging.consent import consent_record

    customer = world["ro"].customer
    consent_record(
        customer=customer, channel="phone", purpose="service", state="withdrawn", source="front_desk", now=NOW
    )
    # when the sweep runs
    counts = sweep_run(store=store, now=NOW)
    # then no post-service call task is made for them
    assert counts[RuleKind.POST_SERVICE_CALL] == 0
    assert not FollowUpTask.objects.filter(kind=RuleKind.POST_SERVICE_CALL, customer=customer).exists()


def test_only_a_reproducible_tenth_of_a_days_new_customers_is_called(store):
    # given 25 new customers on 22 November and one on 21 November; the store calls 10 % (the default)
    from huifang.followups import rules

    rules_ensure_defaults(store=store)
    assert FollowUpRule.objects.get(store=store, kind=RuleKind.FIRST_VISIT_SERIES).sample_percent == 10
    day = [CustomerFactory(store=store, first_visit_at=at(2026, 11, 22, 9, i)) for i in range(25)]
    alone = CustomerFactory(store=store, first_visit_at=at(2026, 11, 21, 15))
    # when the sweep runs on 25 November, and again
    sweep_run(store=store, now=NOW, kinds=(RuleKind.FIRST_VISIT_SERIES,))
    sweep_run(store=store, now=NOW + timedelta(hours=2), kinds=(RuleKind.FIRST_VISIT_SERIES,))
    # then 3 of the 25 (2.5 rounded up) and the lone customer of the 21st get their 3-day call, once
    called = set(FollowUpTask.objects.filter(kind=RuleKind.FIRST_VISIT_SERIES).values_list("customer_id", flat=True))
    expected = rules.sampled(store.pk, [c.pk for c in day], 10)
    assert len(expected) == 3
    assert called == expected | {alone.pk}
    assert FollowUpTask.objects.filter(kind=RuleKind.FIRST_VISIT_SERIES).count() == 4


def test_a_store_calling_every_new_customer(store):
    # given a store that raised the share to 100 %
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=RuleKind.FIRST_VISIT_SERIES).update(sample_percent=100)
    for i in range(12):
        CustomerFactory(store=store, first_visit_at=at(2026, 11, 22, 9, i))
    # when
    counts = sweep_run(store=store, now=NOW, kinds=(RuleKind.FIRST_VISIT_SERIES,))
    # then all twelve
    assert counts[RuleKind.FIRST_VISIT_SERIES] == 12
