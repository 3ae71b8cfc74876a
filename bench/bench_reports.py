"""Time a store's monthly analysis report (`reports.monthly.monthly_report`) and its PDF/XLSX on a big store.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_rep .venv/bin/python bench/bench_reports.py --scale 0.1
.venv/bin/python bench/bench_reports.py --scale 1          # 1,000,000 vehicles, ≈5 M repair orders (long load)
.venv/bin/python bench/bench_reports.py --store REP123     # a store loaded before: only the timings

`--scale 1` is the issue's size (a group with 1 M vehicles and 5 M repair orders). The archive comes from the
demo generator (`load_into_db`); the report month (the last full month) then gets its activity made here: a
post-service call task for every repair order delivered in it (80 % done with a call and answers, 8 %
unreachable after three attempts, the rest open), complaints for 1 % of the orders with their follow-up
calls, and problem records for 3 % of the calls. The report is timed three times (cold, warm, warm).
"""

import argparse
import random
import time
from collections import Counter
from datetime import timedelta

from common import bench_store, database_label, report, setup_django, timer

VEHICLES_PER_CUSTOMER = 1.25
FULL_SIZE = 1_000_000
SPECIALISTS = 6
BATCH = 5000


def make_month_activity(*, store, month, seed: int) -> Counter:
    """The month's calls, answers, complaints and problems, bulk-inserted (bench data, not app code)."""
    from zoneinfo import ZoneInfo

    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership, User
    from huifang.archive.models import RepairOrder
    from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
    from huifang.complaints.models import Complaint, ComplaintFollowUp
    from huifang.followups.choices import AttemptOutcome, RuleKind, TaskChannel, TaskStatus
    from huifang.followups.models import ContactAttempt, FollowUpRule, FollowUpTask
    from huifang.reports.figures import month_bounds
    from huifang.workbench.choices import CallOutcome, QuestionKind
    from huifang.workbench.models import Answer, CallRecord, Problem, Question, Questionnaire

    rng = random.Random(seed)
    tz = ZoneInfo(store.time_zone)
    start, end = month_bounds(month, tz)
    counts: Counter = Counter()
    specialists = []
    for i in range(SPECIALISTS):
        user, _ = User.objects.get_or_create(
            username=f"{store.code.lower()}_care{i}", defaults={"display_name": f"专员{i}"}
        )
        Membership.objects.get_or_create(user=user, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
        specialists.append(user.pk)
    rule, _ = FollowUpRule.objects.get_or_create(
        store=store, kind=RuleKind.POST_SERVICE_CALL, defaults={"name": "修后回访"}
    )
    crule, _ = FollowUpRule.objects.get_or_create(
        store=store, kind=RuleKind.COMPLAINT_FOLLOW_UP, defaults={"name": "投诉回访"}
    )
    questionnaire, created = Questionnaire.objects.get_or_create(
        store=store, version=1, defaults={"is_current": True, "created_at": start}
    )
    if created:
        Question.objects.bulk_create(
            Question(questionnaire=questionnaire, position=i, code=c, text=t, kind=k, weight=w)
            for i, (c, t, k, w) in enumerate(
                [
                    ("overall", "整体满意度", QuestionKind.SCALE_10, 40),
                    ("reception", "及时迎接", QuestionKind.SCALE_10, 20),
                    ("explain", "解释维修项目", QuestionKind.SCALE_5, 20),
                    ("wash", "免费洗车", QuestionKind.YES_NO, 10),
                    ("come_back", "再次到店", QuestionKind.YES_NO, 10),
                ],
                start=1,
            )
        )
    questions = list(questionnaire.questions.values_list("pk", "kind"))
    orders = RepairOrder.objects.filter(store=store, delivered_at__gte=start, delivered_at__lt=end).values_list(
        "pk", "customer_id", "vehicle_id", "delivered_at", "advisor_id"
    )
    rows = list(orders.iterator(chunk_size=BATCH))
    for offset in range(0, len(rows), BATCH):
        chunk = rows[offset : offset + BATCH]
        tasks, plans = [], []
        for ro, customer, vehicle, delivered, advisor in chunk:
            roll = rng.random()
            status = TaskStatus.DONE if roll < 0.8 else TaskStatus.UNREACHABLE if roll < 0.88 else TaskStatus.OPEN
            first_call = delivered + timedelta(hours=rng.uniform(2, 90))
            tasks.append(
                FollowUpTask(
                    store=store,
                    rule=rule,
                    kind=RuleKind.POST_SERVICE_CALL,
                    customer_id=customer,
                    vehicle_id=vehicle,
                    repair_order_id=ro,
                    subject=f"v{vehicle}",
                    occurrence_key=f"ro{ro}",
                    due_at=delivered,
                    window_end=delivered + timedelta(hours=72),
                    status=status,
                    assigned_to_id=rng.choice(specialists),
                    channel=TaskChannel.CALL,
                    created_at=delivered,
                    closed_at=first_call if status != TaskStatus.OPEN else None,
                )
            )
            plans.append((status, first_call, customer, vehicle, ro, advisor))
        tasks = FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=False)
        attempts, call_plans = [], []
        for task, (status, first_call, customer, vehicle, ro, advisor) in zip(tasks, plans, strict=True):
            if status == TaskStatus.UNREACHABLE:
                attempts.extend(
                    ContactAttempt(
                        task=task,
                        at=first_call - timedelta(hours=h),
                        outcome=AttemptOutcome.NO_ANSWER,
                        actor_id=task.assigned_to_id,
                    )
                    for h in (4, 2, 0)
                )
            elif status == TaskStatus.DONE:
                attempt = ContactAttempt(
                    task=task, at=first_call, outcome=AttemptOutcome.COMPLETED, actor_id=task.assigned_to_id
                )
                attempts.append(attempt)
                call_plans.append((attempt, task, customer, vehicle, ro, advisor))
        ContactAttempt.objects.bulk_create(attempts)
        calls, answer_plans = [], []
        for attempt, task, customer, vehicle, ro, advisor in call_plans:
            happy = rng.random() < 0.85
            seconds = rng.randint(15, 420)
            calls.append(
                CallRecord(
                    store=store,
                    task=task,
                    attempt=attempt,
                    customer_id=customer,
                    vehicle_id=vehicle,
                    repair_order_id=ro,
                    advisor_id=advisor,
                    caller_id=task.assigned_to_id,
                    questionnaire=questionnaire,
                    outcome=CallOutcome.SATISFIED if happy else CallOutcome.WITH_ISSUE,
                    started_at=attempt.at - timedelta(seconds=seconds),
                    ended_at=attempt.at,
                    duration_seconds=seconds,
                    recording_url="https://pbx.example.com/r.mp3" if rng.random() < 0.03 else "",
                )
            )
            answer_plans.append(happy)
        calls = CallRecord.objects.bulk_create(calls)
        answers, problems = [], []
        for record, happy in zip(calls, answer_plans, strict=True):
            for pk, kind in questions:
                top = {"scale10": 10, "scale5": 5, "yes_no": 1}[kind]
                low = max(top - (3 if happy else 6), 0) if kind != "yes_no" else (1 if happy else 0)
                answers.append(Answer(call=record, question_id=pk, value=rng.randint(low, top)))
            if rng.random() < 0.03:
                problems.append(
                    Problem(
                        store=store,
                        call=record,
                        customer_id=record.customer_id,
                        description="bench",
                        created_at=record.ended_at,
                        status="resolved" if rng.random() < 0.9 else "open",
                    )
                )
        Answer.objects.bulk_create(answers, batch_size=BATCH)
        Problem.objects.bulk_create(problems)
        counts.update(
            tasks=len(tasks), attempts=len(attempts), calls=len(calls), answers=len(answers), problems=len(problems)
        )
    # Complaints: 1 % of the month's orders, 70 % closed with a follow-up call.
    complaints = []
    for n, (ro, customer, vehicle, delivered, _advisor) in enumerate(rows):
        if rng.random() >= 0.01:
            continue
        received = delivered + timedelta(hours=rng.uniform(1, 200))
        if received >= end:
            continue
        closed = rng.random() < 0.7
        complaints.append(
            Complaint(
                store=store,
                number=f"B{month:%y%m}{n:07d}",
                channel=rng.choice(ComplaintChannel.values),
                category=rng.choice(ComplaintCategory.values),
                customer_id=customer,
                vehicle_id=vehicle,
                repair_order_id=ro,
                customer_name="客户",
                content="bench",
                received_at=received,
                first_contact_due=received + timedelta(hours=2),
                first_contacted_at=received + timedelta(hours=rng.uniform(0.2, 4)),
                status=ComplaintStatus.CLOSED if closed else ComplaintStatus.IN_PROCESS,
                closed_at=received + timedelta(days=rng.expovariate(1 / 6)) if closed else None,
            )
        )
    complaints = Complaint.objects.bulk_create(complaints)
    ctasks, cfollow, cattempts = [], [], []
    for c in complaints:
        if c.closed_at is None:
            continue
        ctasks.append(
            FollowUpTask(
                store=store,
                rule=crule,
                kind=RuleKind.COMPLAINT_FOLLOW_UP,
                customer_id=c.customer_id,
                subject=f"c{c.customer_id}",
                occurrence_key=f"complaint{c.pk}",
                due_at=c.closed_at,
                window_end=c.closed_at + timedelta(days=3),
                status=TaskStatus.DONE,
                channel=TaskChannel.CALL,
                created_at=c.closed_at,
                closed_at=c.closed_at + timedelta(days=1),
            )
        )
    ctasks = FollowUpTask.objects.bulk_create(ctasks)
    closed = [c for c in complaints if c.closed_at is not None]
    for c, task in zip(closed, ctasks, strict=True):
        reached = rng.random() < 0.9
        cattempts.append(
            ContactAttempt(
                task=task, at=task.closed_at, outcome=AttemptOutcome.COMPLETED if reached else AttemptOutcome.NO_ANSWER
            )
        )
        cfollow.append(
            ComplaintFollowUp(
                complaint=c,
                task=task,
                satisfied=(rng.random() < 0.85) if reached else None,
                answered_at=task.closed_at if reached else None,
            )
        )
    ContactAttempt.objects.bulk_create(cattempts)
    ComplaintFollowUp.objects.bulk_create(cfollow)
    counts.update(complaints=len(complaints))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="share of 1,000,000 vehicles (1 = the full size)")
    parser.add_argument("--store", help="report on this already loaded store instead of loading a new one")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=2000, help="customers per load transaction")
    args = parser.parse_args()
    setup_django()
    from dateutil.relativedelta import relativedelta

    from huifang.accounts.models import Store
    from huifang.archive.demo import DemoGenerator, load_into_db
    from huifang.archive.models import RepairOrder, Vehicle
    from huifang.core import clock
    from huifang.reports import exports
    from huifang.reports.monthly import monthly_report

    today = clock.today()
    month = today.replace(day=1) - relativedelta(months=1)
    if args.store:
        store = Store.objects.get(code=args.store)
    else:
        store = bench_store(f"REP{int(time.time())}")
        customers = round(FULL_SIZE * args.scale / VEHICLES_PER_CUSTOMER)
        started = time.perf_counter()

        def progress(counts: Counter) -> None:
            print(f"  {counts['vehicles']:>9,} vehicles  {time.perf_counter() - started:7.1f} s", flush=True)

        with timer() as load_elapsed:
            load_into_db(
                store=store,
                customers=DemoGenerator(seed=args.seed, today=today).customers(customers),
                today=today,
                batch_size=args.batch_size,
                progress=progress,
            )
        print(f"loaded store {store.code} in {load_elapsed():.1f} s")
        with timer() as activity_elapsed:
            made = make_month_activity(store=store, month=month, seed=args.seed)
        print(f"made {month:%Y-%m} activity in {activity_elapsed():.1f} s: {dict(made)}")
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql":
        # Bulk-loaded tables have no planner statistics until autovacuum gets to them; production tables do.
        with connection.cursor() as cursor, timer() as analyze_elapsed:
            cursor.execute("ANALYZE")
        print(f"ANALYZE in {analyze_elapsed():.1f} s")

    vehicles = Vehicle.objects.filter(store=store).count()
    orders = RepairOrder.objects.filter(store=store).count()
    timings = []
    for _ in range(3):
        reset_queries()
        with CaptureQueriesContext(connection) as queries, timer() as elapsed:
            data = monthly_report(store=store, month=month)
        timings.append(elapsed())
        print(f"monthly_report {month:%Y-%m}: {elapsed():6.2f} s, {len(queries.captured_queries)} queries")
    with timer() as pdf_elapsed:
        pdf = exports.report_pdf(data)
    with timer() as xlsx_elapsed:
        xlsx = exports.report_xlsx(data)
    print(f"PDF {len(pdf):,} bytes in {pdf_elapsed():.2f} s; XLSX {len(xlsx):,} bytes in {xlsx_elapsed():.2f} s")
    print(
        f"{vehicles:,} vehicles, {orders:,} repair orders on {database_label()}; "
        f"{data['followups']['total']['due']:,} calls due, {data['complaints']['received']:,} complaints in the month"
    )
    report(
        "monthly_report",
        timings[0],
        database=database_label(),
        vehicles=vehicles,
        orders=orders,
        warm_seconds=round(min(timings[1:]), 2),
        pdf_seconds=round(pdf_elapsed(), 2),
        xlsx_seconds=round(xlsx_elapsed(), 2),
    )
    # Each figure beside hand-written SQL on the same data (best of three each; counts must agree).
    from baseline_report import compare

    print(f"{'figure':<16} {'project':>9} {'hand SQL':>9} {'ratio':>6}  same figures")
    for row in compare(store, month):
        ratio = f"{row['ratio']:.2f}" if row["ratio"] else "-"
        print(f"{row['figure']:<16} {row['project_s']:>8.3f}s {row['baseline_s']:>8.3f}s {ratio:>6}  {row['same']}")
        report(
            f"report_{row['figure']}",
            row["project_s"],
            database=database_label(),
            baseline_seconds=round(row["baseline_s"], 3),
            ratio=round(row["ratio"], 2) if row["ratio"] else None,
            same=row["same"],
        )


if __name__ == "__main__":
    main()
