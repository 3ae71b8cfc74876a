"""Reminder effectiveness (issue 3 §7): came back within the window, per rule kind and month, screen and report."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.core import clock
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.effectiveness import (
    effectiveness_report_send,
    effectiveness_table,
    previous_month,
    reminder_effectiveness,
)
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.messaging.choices import MessageChannel, MessagePurpose
from huifang.messaging.models import OutboxMessage

from ..factories import CustomerFactory, RepairOrderFactory, UserFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def reminder(store, kind, *, due_at, vehicle=None, customer=None, status=TaskStatus.OPEN, closed_at=None):
    """A reminder task of `store`'s default rule of `kind`, for a vehicle (or only a customer)."""
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=kind)
    customer = customer or (vehicle.customer if vehicle else CustomerFactory(store=store))
    subject = f"v{vehicle.pk}" if vehicle else f"c{customer.pk}"
    return FollowUpTask.objects.create(
        store=store,
        rule=rule,
        kind=kind,
        customer=customer,
        vehicle=vehicle,
        subject=subject,
        occurrence_key=f"k{FollowUpTask.objects.count()}",
        due_at=due_at,
        window_end=due_at + timedelta(hours=rule.window_hours),
        status=status,
        channel=rule.channel,
        created_at=due_at,
        closed_at=closed_at,
    )


def came_back(vehicle, opened_at):
    return RepairOrderFactory(vehicle=vehicle, opened_at=opened_at, delivered_at=opened_at + timedelta(hours=4))


def figures(store, months=(OCT, NOV), window_days=30) -> dict[tuple[str, date], tuple[int, int]]:
    rows = reminder_effectiveness(stores=[store], months=list(months), window_days=window_days)
    return {(r["kind"], r["month"]): (r["reminded"], r["returned"]) for r in rows}


@pytest.fixture
def october(store, other_store):
    """October reminders of `store` with their returns worked out by hand, and noise that must not count."""
    w = {}
    # Maintenance reminder done 5 Oct 10:00, the car came back on day 10 (15 Oct): returned.
    w["day10"] = VehicleFactory(customer=CustomerFactory(store=store))
    reminder(
        store,
        RuleKind.MAINTENANCE_REMINDER,
        vehicle=w["day10"],
        due_at=at(2026, 9, 28),
        status=TaskStatus.DONE,
        closed_at=at(2026, 10, 5, 10),
    )
    came_back(w["day10"], at(2026, 10, 15, 10))
    # Maintenance reminder due 2 Oct 09:00, still open; the car came on day 31 (2 Nov 09:00): too late.
    w["day31"] = VehicleFactory(customer=CustomerFactory(store=store))
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=w["day31"], due_at=at(2026, 10, 2, 9))
    came_back(w["day31"], at(2026, 11, 2, 9))
    # Maintenance reminder due 10 Oct: the car came only before it (1 Oct), never after: not returned.
    w["never"] = VehicleFactory(customer=CustomerFactory(store=store))
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=w["never"], due_at=at(2026, 10, 10, 9))
    came_back(w["never"], at(2026, 10, 1, 9))
    # Lost-customer reminder without a vehicle: the customer came with any of their cars on 20 Oct: returned.
    w["lost"] = CustomerFactory(store=store)
    reminder(store, RuleKind.LOST_CUSTOMER, customer=w["lost"], due_at=at(2026, 10, 12, 9))
    came_back(VehicleFactory(customer=w["lost"]), at(2026, 10, 20, 9))
    # A cancelled reminder was never made; a post-service call is no reminder: neither counts.
    reminder(store, RuleKind.INSURANCE_RENEWAL, due_at=at(2026, 10, 3), status=TaskStatus.CANCELLED)
    reminder(store, RuleKind.POST_SERVICE_CALL, vehicle=w["day10"], due_at=at(2026, 10, 16))
    # Another store's October reminder that worked must not show up in `store`'s figures.
    elsewhere = VehicleFactory(customer=CustomerFactory(store=other_store))
    reminder(other_store, RuleKind.MAINTENANCE_REMINDER, vehicle=elsewhere, due_at=at(2026, 10, 5))
    came_back(elsewhere, at(2026, 10, 6))
    return w


def test_a_return_within_the_window_counts_and_one_after_it_does_not(october, store):
    # given October's reminders (fixture)
    # when the figures are computed with a 30-day window
    result = figures(store)
    # then 3 maintenance reminders with 1 return (day 10, not day 31, not the visit before), 1 lost customer back
    assert result == {
        (RuleKind.MAINTENANCE_REMINDER, OCT): (3, 1),
        (RuleKind.LOST_CUSTOMER, OCT): (1, 1),
    }


def test_a_longer_window_counts_the_day_31_return(october, store):
    # given the same reminders
    # when the store's window is 31 days long plus an hour
    result = figures(store, window_days=32)
    # then the day-31 visit counts too
    assert result[(RuleKind.MAINTENANCE_REMINDER, OCT)] == (3, 2)


def test_rows_carry_the_store_and_the_rate(october, store, other_store):
    # given October's reminders of both stores
    # when both stores are asked for
    rows = reminder_effectiveness(stores=[store, other_store], months=[OCT], window_days=30)
    # then each store has its own rows with the rate in per cent
    by_key = {(r["store_id"], r["kind"]): r for r in rows}
    assert by_key[(store.pk, RuleKind.MAINTENANCE_REMINDER)]["rate"] == 33.3
    assert by_key[(store.pk, RuleKind.LOST_CUSTOMER)]["rate"] == 100.0
    assert by_key[(other_store.pk, RuleKind.MAINTENANCE_REMINDER)]["reminded"] == 1
    assert len(rows) == 3


def test_months_are_bucketed_in_shanghai_time(store):
    # given a reminder due 31 Oct 20:00 Shanghai (12:00 UTC) and one due 1 Nov 00:30 Shanghai (31 Oct 16:30 UTC)
    late_october = at(2026, 10, 31, 20)
    assert late_october.astimezone(UTC) == datetime(2026, 10, 31, 12, tzinfo=UTC)
    early_november = at(2026, 11, 1, 0, 30)
    assert early_november.astimezone(UTC).date() == date(2026, 10, 31)
    reminder(store, RuleKind.INSURANCE_RENEWAL, due_at=late_october)
    reminder(store, RuleKind.INSURANCE_RENEWAL, due_at=early_november)
    # when the figures are computed
    result = figures(store)
    # then each falls in its Shanghai month
    assert result == {(RuleKind.INSURANCE_RENEWAL, OCT): (1, 0), (RuleKind.INSURANCE_RENEWAL, NOV): (1, 0)}


def test_months_not_asked_for_are_left_out(october, store):
    # given October's reminders and one in September
    reminder(store, RuleKind.INSPECTION_DUE, due_at=at(2026, 9, 15))
    # when only November is asked for
    # then nothing is returned; September alone gives the inspection reminder
    assert figures(store, months=[NOV]) == {}
    assert figures(store, months=[date(2026, 9, 1)]) == {(RuleKind.INSPECTION_DUE, date(2026, 9, 1)): (1, 0)}


def test_the_figures_are_one_query(october, store, django_assert_num_queries):
    # given October's reminders
    # when the figures are computed
    # then it costs one query, whatever the number of reminders (and one more for the stores' booking windows)
    with django_assert_num_queries(1):
        reminder_effectiveness(stores=[store], months=[OCT, NOV], window_days=30, booking_days=7)
    with django_assert_num_queries(2):
        reminder_effectiveness(stores=[store], months=[OCT, NOV], window_days=30)


def test_the_table_has_every_reminder_kind_with_totals(october, store):
    # given October's rows
    rows = reminder_effectiveness(stores=[store], months=[OCT, NOV], window_days=30)
    # when they are laid out for the screen
    table = effectiveness_table(rows=rows, months=[OCT, NOV])
    # then every reminder kind has a line, and the totals add up per month and overall
    assert [line["kind"] for line in table["lines"]][0] == RuleKind.MAINTENANCE_REMINDER
    assert len(table["lines"]) == 8  # seven reminder kinds and the first-service-lost call (issue 14)
    maintenance = table["lines"][0]
    assert [(c["reminded"], c["returned"]) for c in maintenance["months"]] == [(3, 1), (0, 0)]
    assert maintenance["months"][1]["rate"] is None
    assert [(c["reminded"], c["returned"], c["rate"]) for c in table["months"]] == [(4, 2, 50.0), (0, 0, None)]
    assert {k: table["total"][k] for k in ("reminded", "returned", "rate")} == {
        "reminded": 4,
        "returned": 2,
        "rate": 50.0,
    }


# The screen ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SERVICE_MANAGER, Role.CARE_DIRECTOR])
def test_the_screen_shows_reminded_returned_and_rate_per_kind_and_month(client, october, store, role, monkeypatch):
    # given a manager on 25 Nov 2026 (last 6 months: June to November)
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 10))
    client.force_login(member(store, role, username="boss"))
    # when they open the screen
    response = client.get(reverse("followups_effectiveness:effectiveness"))
    # then October's maintenance line reads 3 reminded, 1 returned, 33.3 %, and the months run June–November
    assert response.status_code == 200
    maintenance = response.context["table"]["lines"][0]
    assert [c["month"] for c in maintenance["months"]] == [date(2026, m, 1) for m in range(6, 12)]
    assert (maintenance["months"][4]["reminded"], maintenance["months"][4]["returned"]) == (3, 1)
    html = response.content.decode()
    assert "33.3%" in html
    assert "2026-10" in html
    assert 'id="effectiveness-data"' in html


def test_the_screen_shows_only_the_chosen_store(client, october, store, other_store, monkeypatch):
    # given a group manager who sees both stores
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 10))
    other_store.group = store.group
    other_store.save()
    boss = UserFactory()
    Membership.objects.create(user=boss, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=store.group)
    client.force_login(boss)
    url = reverse("followups_effectiveness:effectiveness")
    # when they look at all their stores, then at the other store alone
    keys = ("reminded", "returned", "rate")
    both = {k: client.get(url).context["table"]["total"][k] for k in keys}
    other = {k: client.get(url, {"store": other_store.pk}).context["table"]["total"][k] for k in keys}
    # then the figures add the other store's reminder, then show it alone
    assert both == {"reminded": 5, "returned": 3, "rate": 60.0}
    assert other == {"reminded": 1, "returned": 1, "rate": 100.0}


def test_another_stores_manager_gets_404_for_this_store(client, october, store, other_store):
    # given the service manager of the other store
    client.force_login(member(other_store, Role.SERVICE_MANAGER, username="elsewhere"))
    url = reverse("followups_effectiveness:effectiveness")
    # when they ask for `store`'s figures, then for their own
    refused = client.get(url, {"store": store.pk})
    own = client.get(url)
    # then `store` is not found, and their own screen shows only their store's reminder
    assert refused.status_code == 404
    total = own.context["table"]["total"]
    assert (total["reminded"], total["returned"], total["rate"]) == (1, 1, 100.0)


def test_the_screen_is_forbidden_to_a_specialist(client, specialist):
    # given a care specialist
    client.force_login(specialist)
    # when they open the screen
    response = client.get(reverse("followups_effectiveness:effectiveness"))
    # then it is refused
    assert response.status_code == 403


def test_the_screen_costs_the_same_with_more_reminders(
    client, october, store, manager, django_assert_num_queries, monkeypatch
):
    # given October's reminders and a manager on 25 Nov 2026
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 10))
    client.force_login(manager)
    url = reverse("followups_effectiveness:effectiveness")
    client.get(url)  # warm the session (from its second request on, the user is read with it: core.sessions)
    # when the screen is opened, then again after five more reminders with returns
    # then both cost the same seven queries (session with the user and its roles, stores, the rules' return
    # windows for the legend and for the figures, the stores' booking windows, the figures; the roles read with
    # the session's user, core.session_user and core.sessions, for the access check and the menu)
    with django_assert_num_queries(7):
        client.get(url)
    for day in range(1, 6):
        vehicle = VehicleFactory(customer=CustomerFactory(store=store))
        reminder(store, RuleKind.WARRANTY_EXPIRY, vehicle=vehicle, due_at=at(2026, 9, day))
        came_back(vehicle, at(2026, 9, day + 3))
    with django_assert_num_queries(7):
        client.get(url)


# The monthly report ----------------------------------------------------------------------------------------


def test_the_report_is_queued_once_per_service_and_sales_manager(october, store, other_store):
    # given a service and a sales manager with e-mail, one without, one inactive, a specialist and another
    # store's manager
    first = member(store, Role.SERVICE_MANAGER, username="m1", email="m1@example.cn")
    second = member(store, Role.SALES_MANAGER, username="m2", email="m2@example.cn")
    member(store, Role.SERVICE_MANAGER, username="m3", email="")
    member(store, Role.SERVICE_MANAGER, username="m4", email="m4@example.cn", is_active=False)
    member(store, Role.CARE_SPECIALIST, username="s1", email="s1@example.cn")
    member(other_store, Role.SERVICE_MANAGER, username="m5", email="m5@example.cn")
    now = at(2026, 11, 1, 8)
    # when October's report is sent twice
    effectiveness_report_send(store=store, month=OCT, now=now)
    effectiveness_report_send(store=store, month=OCT, now=now + timedelta(minutes=5))
    # then each active manager with an address has exactly one e-mail, with October's figures in its text
    messages = OutboxMessage.objects.filter(store=store)
    assert sorted(messages.values_list("to_address", flat=True)) == [first.email, second.email]
    message = messages.first()
    assert message.channel == MessageChannel.EMAIL
    assert message.purpose == MessagePurpose.SERVICE
    assert "2026-10" in message.subject
    maintenance_line = next(line for line in message.body.splitlines() if line.endswith("33.3%"))
    # reminded, booked, arrived, returned, return rate (October's reminders booked nothing)
    assert maintenance_line.split("\t")[1:] == ["3", "0", "0", "1", "33.3%"]
    assert message.body.splitlines()[-3].split("\t")[1:] == ["4", "0", "0", "2", "50.0%"]


def test_the_monthly_task_reports_the_month_asked_for_once(settings, october, store):
    # given the immediate task backend and a service manager
    from huifang.followups.tasks import send_effectiveness_reports_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    member(store, Role.SERVICE_MANAGER, username="m1", email="m1@example.cn")
    # when the task runs twice for October
    send_effectiveness_reports_task.enqueue(month="2026-10")
    send_effectiveness_reports_task.enqueue(month="2026-10")
    # then the manager has one e-mail
    assert OutboxMessage.objects.filter(store=store, to_address="m1@example.cn").count() == 1


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 11, 1, 8), OCT),
        (at(2026, 1, 1, 8), date(2025, 12, 1)),
        # 1 Dec 01:00 in Shanghai is still 30 Nov in UTC: the month is the Shanghai one.
        (datetime(2026, 11, 30, 17, tzinfo=UTC), NOV),
    ],
)
def test_the_previous_month_is_the_store_calendar_month_before(now, expected):
    assert previous_month(now=now, tz=SH) == expected


def test_each_rule_has_its_own_return_window(store):
    # given two warranty reminders whose cars came back after 12 days, and the store's warranty rule set to 10 days
    from huifang.followups.models import FollowUpRule
    from huifang.followups.services import rules_ensure_defaults

    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=RuleKind.WARRANTY_EXPIRY).update(return_window_days=10)
    for day in (1, 2):
        vehicle = VehicleFactory(customer=CustomerFactory(store=store))
        reminder(store, RuleKind.WARRANTY_EXPIRY, vehicle=vehicle, due_at=at(2026, 10, day))
        came_back(vehicle, at(2026, 10, day + 12))
    vehicle = VehicleFactory(customer=CustomerFactory(store=store))
    reminder(store, RuleKind.INSURANCE_RENEWAL, vehicle=vehicle, due_at=at(2026, 10, 1))
    came_back(vehicle, at(2026, 10, 13))
    # when the figures use each rule's window
    rows = reminder_effectiveness(stores=[store], months=[OCT])
    # then 12 days is too late for warranty (10-day window) but in time for insurance (30 days, the default)
    found = {(r["kind"], r["month"]): (r["reminded"], r["returned"]) for r in rows}
    assert found == {(RuleKind.WARRANTY_EXPIRY, OCT): (2, 0), (RuleKind.INSURANCE_RENEWAL, OCT): (1, 1)}


# Booked → arrived (issue 19 §4) ------------------------------------------------------------------------------


def booking(vehicle, *, created_at, status="booked", task=None, customer=None, source="customer_page"):
    from huifang.appointments.models import Appointment

    starts_at = created_at + timedelta(days=2)
    return Appointment.objects.create(
        store=(vehicle or customer).store,
        customer=customer or vehicle.customer,
        vehicle=vehicle,
        service="maintenance",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        source=source,
        task=task,
        link_nonce="n",
        created_at=created_at,
    )


@pytest.fixture
def bookings(store):
    """October reminders of `store` whose bookings and visits were worked out by hand (booking window 7 days)."""

    def car():
        return VehicleFactory(customer=CustomerFactory(store=store))

    done = TaskStatus.DONE
    a, b, c, d, e, g, h = (car() for _ in range(7))
    # A: booked during the call, kept, and its order opened a week later: booked, arrived, returned.
    task_a = reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=a, due_at=at(2026, 10, 1), status=done,
                      closed_at=at(2026, 10, 5, 10))  # fmt: skip
    booking(a, created_at=at(2026, 10, 5, 10), status="arrived", task=task_a)
    came_back(a, at(2026, 10, 12, 9))
    # B: booked on its own link four days later, then stayed away: booked only.
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=b, due_at=at(2026, 10, 1), status=done,
             closed_at=at(2026, 10, 6, 10))  # fmt: skip
    booking(b, created_at=at(2026, 10, 10, 15), status="no_show")
    # C: booked 13 days after the reminder (outside 7 days), came and returned: returned only.
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=c, due_at=at(2026, 10, 1), status=done,
             closed_at=at(2026, 10, 7, 10))  # fmt: skip
    booking(c, created_at=at(2026, 10, 20, 10), status="arrived")
    came_back(c, at(2026, 10, 22, 9))
    # D: an older booking (before the reminder) does not count; one made the next day and cancelled does.
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=d, due_at=at(2026, 10, 1), status=done,
             closed_at=at(2026, 10, 8, 10))  # fmt: skip
    booking(d, created_at=at(2026, 10, 1, 10), status="arrived")
    booking(d, created_at=at(2026, 10, 9, 10), status="cancelled")
    # G: another car's booking the next day is not G's: reminded only.
    reminder(store, RuleKind.MAINTENANCE_REMINDER, vehicle=g, due_at=at(2026, 10, 1), status=done,
             closed_at=at(2026, 10, 9, 10))  # fmt: skip
    booking(h, created_at=at(2026, 10, 10, 10), status="arrived")
    # H: a cancelled reminder counts nowhere, its booking neither.
    task_h = reminder(
        store, RuleKind.MAINTENANCE_REMINDER, vehicle=h, due_at=at(2026, 10, 3), status=TaskStatus.CANCELLED
    )
    booking(h, created_at=at(2026, 10, 3, 11), status="arrived", task=task_h)
    # E: an insurance reminder still open (due 12 Oct); the DMS import brought a booking two days later, arrived.
    reminder(store, RuleKind.INSURANCE_RENEWAL, vehicle=e, due_at=at(2026, 10, 12, 9))
    booking(e, created_at=at(2026, 10, 14, 9), status="arrived", source="dms")
    # F: a customer reminder (no vehicle): a booking for any of the customer's cars the next day counts.
    f = car()
    reminder(store, RuleKind.LOST_CUSTOMER, customer=f.customer, due_at=at(2026, 10, 1), status=done,
             closed_at=at(2026, 10, 15, 10))  # fmt: skip
    booking(f, created_at=at(2026, 10, 16, 10))


def funnel(store, **kwargs) -> dict[str, tuple[int, int, int, int]]:
    rows = reminder_effectiveness(stores=[store], months=[OCT], window_days=30, **kwargs)
    return {r["kind"]: (r["reminded"], r["booked"], r["arrived"], r["returned"]) for r in rows}


def test_reminders_count_booked_then_arrived_worked_out_by_hand(bookings, store):
    # (reminded, booked, arrived, returned) per kind
    assert funnel(store) == {
        RuleKind.MAINTENANCE_REMINDER: (5, 3, 1, 2),
        RuleKind.INSURANCE_RENEWAL: (1, 1, 1, 0),
        RuleKind.LOST_CUSTOMER: (1, 1, 0, 0),
    }
    table = effectiveness_table(rows=reminder_effectiveness(stores=[store], months=[OCT], window_days=30), months=[OCT])
    maintenance = table["lines"][0]
    assert (maintenance["booked_rate"], maintenance["arrived_rate"], maintenance["rate"]) == (60.0, 33.3, 40.0)
    total = table["total"]
    assert (total["reminded"], total["booked"], total["arrived"], total["returned"]) == (7, 5, 2, 2)


def test_the_stores_booking_window_is_a_setting(bookings, store):
    from huifang.appointments.services import policy_for

    policy = policy_for(store=store)
    policy.reminder_booking_days = 14
    policy.save()
    # C's booking 13 days after its reminder now counts, and it was kept
    assert funnel(store)[RuleKind.MAINTENANCE_REMINDER] == (5, 4, 2, 2)
    assert funnel(store, booking_days=1)[RuleKind.MAINTENANCE_REMINDER] == (5, 1, 1, 2)


def test_the_screen_shows_the_funnel_and_its_definitions(client, bookings, store, manager, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 25, 10))
    client.force_login(manager)
    html = client.get(reverse("followups_effectiveness:effectiveness")).content.decode()
    funnel_html = html[html.index('id="funnel"') : html.index('id="definitions"')]
    row = funnel_html[funnel_html.index(f'data-kind="{RuleKind.MAINTENANCE_REMINDER}"') :].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="num">')[1:]]
    assert cells == ["5", "3", "60.0%", "1", "33.3%", "2", "40.0%"]
    assert "7" in html[html.index('id="definitions"') :].split("</dl>")[0]
