"""Recent appointment history for the demo stores: the weeks of maintenance and first-service reminder calls,
the visits they booked, the cars that came (and the few that did not, or cancelled), and the bookings of the
coming days, so the calendar, the appointment figures and reminder effectiveness start from a believable
month instead of an empty one.

Day by day, as the store would have lived it, through the services the screens and the scheduler call: the
reminder sweep creates the day's calls; the care specialists call them (workbench.call_record_save) and book
the visit from the call (appointments.appointment_book with the task, as the call screen's `b` does);
customers confirm or cancel on their link; the evening DMS export brings the orders of the cars that came;
the appointments sweep matches arrivals, marks no-shows and sends the day-before reminders; a no-show is
called back. A few bookings of the coming days come from the DMS appointment export (the import service).
"""

import csv
import random
import tempfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.appointments import services as appointment_services
from huifang.appointments.choices import PENDING_STATUSES, AppointmentSource, AppointmentStatus, ServiceKind
from huifang.appointments.dms_import.services import appointments_import_file
from huifang.appointments.models import Appointment
from huifang.appointments.selectors import advisors_of, days_slots
from huifang.archive.choices import ActivityState, RepairOrderType
from huifang.archive.demo.visits import Visit, demo_visits_record
from huifang.archive.models import Vehicle
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.followups.sweeps import sweep_run
from huifang.workbench import services as call_services
from huifang.workbench.choices import CallOutcome

# The reminder calls that invite the customer to book (both are calls in the default rules).
REMINDER_KINDS = (RuleKind.MAINTENANCE_REMINDER, RuleKind.FIRST_SERVICE_REMINDER)
CALLED_KINDS = (*REMINDER_KINDS, RuleKind.APPOINTMENT_NO_SHOW)
# How a reminder call turns out: a reached customer books about a third of the time (a 4S store's usual
# 30–40 %); the others say they will come by themselves, or decline.
REACHED_SHARE = 0.78
BOOKED_SHARE_OF_REACHED = 0.38
REFUSED_SHARE_OF_REACHED = 0.04
NOT_REACHED_REASONS = (AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.SWITCHED_OFF)
# A missed visit called back: some book again.
NO_SHOW_REBOOK_SHARE = 0.45
# What becomes of a booking: the customer confirms on the link, cancels, or simply does not come.
CONFIRMED_SHARE = 0.45
CANCELLED_SHARE = 0.08
NO_SHOW_SHARE = 0.12
# Reached customers who did not book but came by themselves within the month (reminder "returned").
WALK_IN_SHARE = 0.15
# Days ahead a reached customer books (1 = tomorrow), most within the week.
DAYS_AHEAD = (1, 1, 2, 2, 3, 3, 4, 5, 6, 7)
# A booking names one of the store's advisors most of the time; the rest are assigned at reception.
ADVISOR_SHARE = 0.85
# Bookings of the coming days the DMS export brings (reception and the brand's call centre).
DMS_BOOKINGS = 6
# Open days ahead (today included) that the calendar shows booked, and the bookings each has at least: the
# customers who phoned or came by and were booked from their customer page (repairs mostly), on top of the
# reminder calls' bookings.
UPCOMING_DAYS = 7
UPCOMING_PER_DAY = 4
UPCOMING_SERVICES = (ServiceKind.REPAIR, ServiceKind.REPAIR, ServiceKind.MAINTENANCE, ServiceKind.CLAIM)
UPCOMING_NOTES = ("空调不制冷", "刹车有异响", "仪表故障灯亮", "更换轮胎", "方向盘抖动", "")
CANCEL_REASONS = ("客户临时出差，改天再约", "车辆已在外地保养", "客户家中有事")
NOTES = ("", "", "", "客户希望上午交车", "顺便检查空调", "需要代步车", "客户带小孩，安排休息区")


def _local(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


class _Store:
    """What one demo store's appointment history needs at hand: its people, settings and the bookings made."""

    def __init__(self, store: Store, rng: random.Random, now: datetime):
        self.store = store
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(store.time_zone)
        self.policy = appointment_services.policy_for(store=store)
        self.advisors = list(advisors_of(store=store))
        self.specialists = list(
            User.objects.filter(memberships__store=store, memberships__role=Role.CARE_SPECIALIST, is_active=True)
            .order_by("pk")
            .distinct()
        )
        # Cars with a booking (or a visit) already: a car is booked once in the history.
        self.booked_vehicles: set[int] = set()
        # (vehicle id, day) of reached customers who said they would come by themselves and did.
        self.walk_ins: list[tuple[int, date]] = []
        # The no-show share is kept exactly, whatever the store's size: each booking adds its share, and a
        # booking that brings the sum to one stays away.
        self.no_show_due = 0.0

    def specialist(self, task: FollowUpTask) -> User | None:
        if task.assigned_to_id is not None:
            return task.assigned_to
        return self.rng.choice(self.specialists) if self.specialists else None

    def free_slot(self, *, booked_at: datetime, ahead: int) -> tuple[datetime, User | None] | None:
        """A free slot `ahead` open days after the booking (or the next open day with room), with an advisor
        free in it (or none, assigned at reception)."""
        first = booked_at.astimezone(self.tz).date() + timedelta(days=1)
        days = [first + timedelta(days=n) for n in range(ahead - 1, ahead + 6)]
        by_day = days_slots(store=self.store, policy=self.policy, days=days, now=booked_at)
        for day in days:
            slots = [s for s in by_day[day] if s["bookable"]]
            if not slots:
                continue
            self.rng.shuffle(slots)
            for slot in slots:
                taken = set(
                    Appointment.objects.filter(store=self.store, starts_at=slot["start"])
                    .exclude(status=AppointmentStatus.CANCELLED)
                    .exclude(advisor=None)
                    .values_list("advisor_id", flat=True)
                )
                free = [a for a in self.advisors if a.pk not in taken]
                if self.rng.random() < ADVISOR_SHARE and free:
                    return slot["start"], self.rng.choice(free)
                return slot["start"], None
        return None


def _service(task: FollowUpTask) -> str:
    return ServiceKind.FIRST_SERVICE if task.kind == RuleKind.FIRST_SERVICE_REMINDER else ServiceKind.MAINTENANCE


def _book(s: _Store, task: FollowUpTask, *, at: datetime, counts: Counter) -> Appointment | None:
    """Book the visit from the call, as the call screen does; customers then confirm or cancel on their link."""
    rebooking = task.kind == RuleKind.APPOINTMENT_NO_SHOW
    if task.vehicle_id is None or (task.vehicle_id in s.booked_vehicles and not rebooking):
        return None
    found = s.free_slot(booked_at=at, ahead=s.rng.choice(DAYS_AHEAD))
    if found is None:
        return None
    starts_at, advisor = found
    service = _service(task)
    if rebooking:
        previous = Appointment.objects.filter(no_show_task=task).values_list("service", flat=True).first()
        service = previous or ServiceKind.MAINTENANCE
    try:
        appointment = appointment_services.appointment_book(
            store=s.store,
            customer=task.customer,
            vehicle=task.vehicle,
            service=service,
            starts_at=starts_at,
            actor=s.specialist(task),
            now=at,
            source=AppointmentSource.CALL,
            advisor=advisor,
            note=s.rng.choice(NOTES),
            task=task,
        )
    except ValidationError:
        counts["bookings refused"] += 1
        return None
    s.booked_vehicles.add(task.vehicle_id)
    counts["appointments booked in calls"] += 1
    _customer_answers(s, appointment, counts)
    return appointment


def _customer_answers(s: _Store, appointment: Appointment, counts: Counter) -> None:
    """Some customers confirm on their link a few hours later; a few cancel the day before."""
    draw = s.rng.random()
    if draw < CANCELLED_SHARE:
        at = appointment.starts_at - timedelta(hours=s.rng.randint(16, 30))
        if appointment.created_at < at < s.now:
            by_customer = s.rng.random() < 0.6
            appointment_services.appointment_cancel(
                appointment=appointment,
                actor=None if by_customer else appointment.created_by,
                now=at,
                reason="" if by_customer else s.rng.choice(CANCEL_REASONS),
                by_customer=by_customer,
            )
            counts["appointments cancelled"] += 1
    elif draw < CANCELLED_SHARE + CONFIRMED_SHARE:
        at = appointment.created_at + timedelta(minutes=s.rng.randint(20, 300))
        if at < min(appointment.starts_at, s.now):
            appointment_services.appointment_confirm(appointment=appointment, now=at)
            counts["appointments confirmed by the customer"] += 1


def _call(s: _Store, task: FollowUpTask, *, at: datetime, counts: Counter) -> None:
    """One call of a reminder (or a missed visit): not reached, reached and booked, reached without booking."""
    caller = s.specialist(task)
    if s.rng.random() >= REACHED_SHARE:
        try:
            call_services.call_record_save(
                task=task,
                actor=caller,
                now=at,
                started_at=at - timedelta(seconds=30),
                outcome=CallOutcome.NOT_REACHED,
                attempt_outcome=s.rng.choice(NOT_REACHED_REASONS),
            )
        except ValidationError:
            counts["calls skipped"] += 1
            return
        counts["reminder calls not reached"] += 1
        return
    book_share = NO_SHOW_REBOOK_SHARE if task.kind == RuleKind.APPOINTMENT_NO_SHOW else BOOKED_SHARE_OF_REACHED
    draw = s.rng.random()
    if draw < book_share and _book(s, task, at=at, counts=counts) is not None:
        return
    outcome = CallOutcome.REFUSED if draw > 1 - REFUSED_SHARE_OF_REACHED else CallOutcome.SATISFIED
    try:
        call_services.call_record_save(
            task=task,
            actor=caller,
            now=at,
            started_at=at - timedelta(seconds=s.rng.randint(60, 240)),
            outcome=outcome,
            comment="" if outcome == CallOutcome.REFUSED else s.rng.choice(("客户说自己安排时间回店", "客户近期出差")),
        )
    except ValidationError:
        counts["calls skipped"] += 1
        return
    counts["reminder calls reached, not booked"] += 1
    if outcome == CallOutcome.SATISFIED and task.vehicle_id and s.rng.random() < WALK_IN_SHARE:
        s.walk_ins.append((task.vehicle_id, at.astimezone(s.tz).date() + timedelta(days=s.rng.randint(2, 12))))


def _work_day(s: _Store, day: date, counts: Counter) -> None:
    """The care team calls the day's open reminder and no-show tasks, once each, through the working day."""
    tasks = list(
        FollowUpTask.objects.filter(store=s.store, kind__in=CALLED_KINDS, status=TaskStatus.OPEN)
        .filter(due_at__lt=_local(s.tz, day + timedelta(days=1), 0))
        .exclude(next_call_at__gt=_local(s.tz, day, 18))
        .select_related("store", "rule", "customer", "vehicle", "assigned_to", "repair_order")
        .order_by("due_at", "pk")
    )
    if not tasks:
        return
    minutes = sorted(s.rng.randint(0, 8 * 60) for _ in tasks)
    for task, minute in zip(tasks, minutes, strict=True):
        at = _local(s.tz, day, 9, 30) + timedelta(minutes=minute)
        if task.next_call_at is not None and at < task.next_call_at:
            at = task.next_call_at + timedelta(minutes=s.rng.randint(0, 40))
        if at >= s.now or at.astimezone(s.tz).date() != day:
            continue
        _call(s, task, at=at, counts=counts)


def _arrivals(s: _Store, day: date, counts: Counter) -> None:
    """The cars booked for the day come (or not); the evening DMS export brings the orders of those that came,
    and of the reached customers who came by themselves."""
    start, end = _local(s.tz, day, 0), _local(s.tz, day + timedelta(days=1), 0)
    visits = []
    booked = (
        Appointment.objects.filter(store=s.store, starts_at__gte=start, starts_at__lt=end, status__in=PENDING_STATUSES)
        .exclude(vehicle=None)
        .select_related("vehicle", "advisor")
        .order_by("starts_at", "pk")
    )
    for appointment in booked:
        s.no_show_due += NO_SHOW_SHARE
        if s.no_show_due >= 1:
            s.no_show_due -= 1
            continue
        opened = appointment.starts_at + timedelta(minutes=s.rng.randint(-10, 25))
        ro_type = (
            RepairOrderType.FIRST_FREE_SERVICE
            if appointment.service == ServiceKind.FIRST_SERVICE
            else RepairOrderType.MAINTENANCE
        )
        advisor = appointment.advisor or (s.rng.choice(s.advisors) if s.advisors else None)
        visits.append(
            Visit(appointment.vehicle, opened, opened + timedelta(minutes=s.rng.randint(90, 200)), ro_type, advisor)
        )
    walk_ins = [vehicle_id for vehicle_id, on in s.walk_ins if on == day and vehicle_id not in s.booked_vehicles]
    for vehicle in Vehicle.objects.filter(pk__in=walk_ins).order_by("pk"):
        opened = _local(s.tz, day, s.rng.choice((9, 10, 11, 14, 15)), s.rng.randint(0, 59))
        advisor = s.rng.choice(s.advisors) if s.advisors else None
        visits.append(
            Visit(
                vehicle,
                opened,
                opened + timedelta(minutes=s.rng.randint(90, 200)),
                RepairOrderType.MAINTENANCE,
                advisor,
                booked=False,
            )
        )
        s.booked_vehicles.add(vehicle.pk)
    if visits:
        demo_visits_record(store=s.store, visits=visits, today=day)
        counts["visits of booked cars"] += sum(v.booked for v in visits)
        counts["visits without booking"] += sum(not v.booked for v in visits)


def _dms_bookings(s: _Store, day: date, counts: Counter) -> None:
    """The DMS export of bookings taken at reception for the coming days, imported the evening before `day`."""
    at = _local(s.tz, day - timedelta(days=1), 19)
    if at >= s.now:
        return
    vehicles = list(
        Vehicle.objects.filter(store=s.store)
        .exclude(pk__in=s.booked_vehicles)
        .exclude(plate="")
        .order_by("next_maintenance_date", "pk")[: DMS_BOOKINGS * 4]
    )
    s.rng.shuffle(vehicles)
    rows = []
    for n, vehicle in enumerate(vehicles[:DMS_BOOKINGS], start=1):
        found = s.free_slot(booked_at=at, ahead=s.rng.randint(1, 5))
        if found is None:
            continue
        starts_at, advisor = found
        rows.append(
            [
                f"YY{day:%Y%m%d}{n:03d}",
                f"{starts_at.astimezone(s.tz):%Y-%m-%d %H:%M}",
                vehicle.plate,
                vehicle.vin,
                s.rng.choice(("保养", "保养", "维修", "钣喷")),
                (advisor.display_name or advisor.username) if advisor else "",
                "已预约",
                f"{at - timedelta(hours=s.rng.randint(1, 8)):%Y-%m-%d %H:%M}",
                "前台电话预约",
            ]
        )
        s.booked_vehicles.add(vehicle.pk)
    if not rows:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"DMS预约_{day:%Y%m%d}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["预约单号", "预约时间", "车牌号", "VIN", "服务类型", "服务顾问", "状态", "登记时间", "备注"]
            )
            writer.writerows(rows)
        report = appointments_import_file(store=s.store, path=path, actor=None, now=at, dry_run=False)
    counts["appointments imported from the DMS"] += report.created


def _upcoming(s: _Store, today: date, counts: Counter) -> None:
    """Each of the next UPCOMING_DAYS open days gets at least UPCOMING_PER_DAY bookings, made from the
    customer page one to five days before the slot (never after now)."""
    booker = s.advisors + s.specialists
    if not booker:
        return
    days = [today + timedelta(days=n) for n in range(UPCOMING_DAYS + 7)]
    by_day = days_slots(store=s.store, policy=s.policy, days=days, now=_day_start(s, today))
    open_days = [day for day in days if by_day[day]][:UPCOMING_DAYS]
    candidates = iter(
        Vehicle.objects.filter(store=s.store, activity=ActivityState.ACTIVE)
        .exclude(pk__in=s.booked_vehicles)
        .select_related("customer")
        .order_by("-last_visit_at", "pk")[: UPCOMING_DAYS * UPCOMING_PER_DAY * 3]
    )
    for day in open_days:
        start, end = _local(s.tz, day, 0), _local(s.tz, day + timedelta(days=1), 0)
        have = (
            Appointment.objects.filter(store=s.store, starts_at__gte=start, starts_at__lt=end)
            .exclude(status=AppointmentStatus.CANCELLED)
            .count()
        )
        for _n in range(UPCOMING_PER_DAY - have):
            booked_at = _local(
                s.tz, day - timedelta(days=s.rng.randint(1, 5)), s.rng.randint(9, 17), s.rng.randint(0, 59)
            )
            if booked_at >= s.now:
                booked_at = s.now - timedelta(minutes=s.rng.randint(20, 120))
            slots = [slot for slot in by_day[day] if slot["start"] > booked_at]
            vehicle = next(candidates, None)
            if vehicle is None or not slots:
                return
            slot = s.rng.choice(slots)["start"]
            advisors = [
                a
                for a in s.advisors
                if not Appointment.objects.filter(store=s.store, starts_at=slot, advisor=a)
                .exclude(status=AppointmentStatus.CANCELLED)
                .exists()
            ]
            try:
                appointment_services.appointment_book(
                    store=s.store,
                    customer=vehicle.customer,
                    vehicle=vehicle,
                    service=s.rng.choice(UPCOMING_SERVICES),
                    starts_at=slot,
                    actor=s.rng.choice(booker),
                    now=booked_at,
                    source=AppointmentSource.CUSTOMER_PAGE,
                    advisor=s.rng.choice(advisors) if advisors else None,
                    note=s.rng.choice(UPCOMING_NOTES),
                )
            except ValidationError:
                counts["bookings refused"] += 1
                continue
            s.booked_vehicles.add(vehicle.pk)
            counts["appointments booked on the customer page"] += 1


def _day_start(s: _Store, today: date) -> datetime:
    return _local(s.tz, today, 0)


def _live_day(s: _Store, day: date, *, now: datetime, last: bool, counts: Counter) -> None:
    """One day of the store: the morning sweeps, the day's calls, the evening's orders and sweep."""
    sweep_run(store=s.store, now=_local(s.tz, day, 8), kinds=REMINDER_KINDS)
    # The appointments sweep as the scheduler runs it: no-shows of yesterday, the day-before reminders.
    appointment_services.appointments_sweep(store=s.store, now=min(_local(s.tz, day, 10, 5), now))
    _work_day(s, day, counts)
    if last:
        _dms_bookings(s, day + timedelta(days=1), counts)
    evening = _local(s.tz, day, 21)
    if evening < now:
        _arrivals(s, day, counts)
        appointment_services.appointments_sweep(store=s.store, now=evening)


def demo_appointments_seed(*, store: Store, now: datetime, days: int, seed: int = 42) -> Counter:
    """Give `store` the last `days` of reminder calls and the appointments they made, and the coming days'
    bookings; the caller (demo_history_seed) runs it once, on a demo store only."""
    counts: Counter = Counter()
    s = _Store(store, random.Random(f"{seed}-{store.code}-appointments"), now)
    today = now.astimezone(s.tz).date()
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        morning = _local(s.tz, day, 8)
        if morning >= now:
            break
        # One commit per day: the services' own transactions nest as savepoints (SQLite syncs every commit).
        with transaction.atomic():
            _live_day(s, day, now=now, last=back == 1, counts=counts)
    with transaction.atomic():
        _upcoming(s, today, counts)
    counts["appointments arrived"] = Appointment.objects.filter(store=store, status=AppointmentStatus.ARRIVED).count()
    counts["appointments no-show"] = Appointment.objects.filter(store=store, status=AppointmentStatus.NO_SHOW).count()
    return counts
