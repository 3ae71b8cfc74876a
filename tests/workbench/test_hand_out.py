""" "Next" hands a task to exactly one caller: agents racing for the same tasks, a manager moving tasks between
agents meanwhile, the hold running out, skipping, and saving a call on a task someone else holds."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.followups.defaults import CALL_CLAIM_MINUTES
from huifang.followups.models import FollowUpTask
from huifang.followups.offering import call_task_claim_first, call_tasks_offerable
from huifang.workbench import selectors, services
from huifang.workbench.choices import CallOutcome
from huifang.workbench.models import CallRecord

from ..factories import PASSWORD, CustomerFactory, member
from .factories import NOW, at, call_task


def _tasks(store, n, **kwargs):
    return [
        call_task(
            store, customer=CustomerFactory(store=store), due_at=at(2026, 11, 24, 9) + timedelta(minutes=i), **kwargs
        )
        for i in range(n)
    ]


def _run_threads(n, target):
    """Run target(i) in n threads that start together, each on its own database connection."""
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one at a time; the race between connections is exercised on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_agents_racing_for_one_pool_each_get_different_tasks(store):
    # given 24 due tasks nobody holds and 6 agents claiming from the same pool at once, on 6 connections
    _needs_postgres()
    tasks = _tasks(store, 24)
    agents = [member(store, Role.CARE_SPECIALIST, username=f"agent{i}") for i in range(6)]
    handed: list[tuple[int, int]] = []
    lock = threading.Lock()

    def agent(i):
        while True:
            pool = call_tasks_offerable(stores=[store], now=NOW).order_by("window_end", "due_at", "id")
            task = call_task_claim_first(tasks=pool, user=agents[i], now=NOW, until=NOW + timedelta(minutes=30))
            if task is None:
                return
            with lock:
                handed.append((task.pk, agents[i].pk))
            # the call is made and saved: the task is done (a held task of one's own is offered again)
            FollowUpTask.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)

    errors = _run_threads(len(agents), agent)
    # then every task went to exactly one agent, and the database says the same
    assert errors == []
    assert sorted(pk for pk, _agent in handed) == sorted(t.pk for t in tasks)
    assert dict(FollowUpTask.objects.values_list("pk", "claimed_by_id")) == dict(handed)
    assert len({a for _pk, a in handed}) > 1  # the agents really raced: more than one got work


@pytest.mark.django_db(transaction=True)
def test_no_task_goes_to_two_agents_while_a_manager_moves_tasks_between_them(store):
    # given 20 tasks split between two agents, who press "next" over and over while their manager moves
    # every task to the other agent and back, at the same time, on three connections
    _needs_postgres()
    a = member(store, Role.CARE_SPECIALIST, username="agent_a")
    b = member(store, Role.CARE_SPECIALIST, username="agent_b")
    manager = member(store, Role.SERVICE_MANAGER, username="boss")
    tasks = _tasks(store, 10, assigned_to=a) + _tasks(store, 10, assigned_to=b)
    ids = [t.pk for t in tasks]
    handed: dict[int, set[int]] = {}
    holder: dict[int, int] = {}  # task -> the agent holding it now (handed, not given back)
    doubles: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def work(i):
        if i == 2:
            for round_ in range(12):
                services.tasks_move(task_ids=ids, to_user=(a, b)[round_ % 2], store=store, actor=manager, now=NOW)
            return
        agent = (a, b)[i]
        skip_id = None
        for _press in range(40):
            task = services.next_task_hand_out(user=agent, now=NOW, skip_id=skip_id)
            skip_id = None
            if task is not None:
                with lock:
                    handed.setdefault(task.pk, set()).add(agent.pk)
                    if holder.get(task.pk, agent.pk) != agent.pk:
                        doubles.append((task.pk, holder[task.pk], agent.pk))
                    holder[task.pk] = agent.pk
                # the call is not saved yet: "next" again skips it (gives it back) half of the time; it is
                # marked given back before the database releases it, so the other agent may take it after
                if _press % 2:
                    with lock:
                        holder.pop(task.pk, None)
                    skip_id = task.pk

    errors = _run_threads(3, work)
    assert errors == []
    assert handed, "the agents were handed tasks"
    # then no task was ever held by both agents at once, although each task changed hands twelve times (a
    # task one agent gave back may rightly go to the other after a move)
    assert doubles == []


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.django_db
def test_a_held_task_is_not_handed_to_the_new_assignee_until_saved_or_run_out(store, frozen):
    # given agent A was handed a task, and the manager then gave it to agent B
    a = member(store, Role.CARE_SPECIALIST, username="agent_a")
    b = member(store, Role.CARE_SPECIALIST, username="agent_b")
    manager = member(store, Role.SERVICE_MANAGER, username="boss")
    (task,) = _tasks(store, 1, assigned_to=a)
    assert services.next_task_hand_out(user=a, now=NOW) == task
    services.tasks_move(task_ids=[task.pk], to_user=b, store=store, actor=manager, now=NOW)
    # then B is not offered it while A holds it (nor shown it as next), but is once the hold runs out
    assert services.next_task_hand_out(user=b, now=NOW) is None
    assert selectors.next_task_for(user=b, now=NOW) is None
    later = NOW + timedelta(minutes=CALL_CLAIM_MINUTES, seconds=1)
    assert services.next_task_hand_out(user=b, now=later) == task
    # and A, whose hold ran out and who no longer has the task, is not offered it again
    assert services.next_task_hand_out(user=a, now=later) is None


@pytest.mark.django_db
def test_the_holder_saves_the_call_after_a_move_and_the_other_agent_cannot(client, store, frozen):
    # given A was handed a task by the screen's "next", then the manager gave the task to B
    a = member(store, Role.CARE_SPECIALIST, username="agent_a")
    b = member(store, Role.CARE_SPECIALIST, username="agent_b")
    manager = member(store, Role.SERVICE_MANAGER, username="boss")
    (task,) = _tasks(store, 1, assigned_to=a)
    client.login(username=a.username, password=PASSWORD)
    assert client.get(reverse("workbench:next"))["Location"] == reverse("workbench:task", args=[task.pk])
    services.tasks_move(task_ids=[task.pk], to_user=b, store=store, actor=manager, now=NOW)
    # when B saves a call on it from the queue, it is refused naming A; nothing is written
    with pytest.raises(ValidationError) as refused:
        services.call_record_save(task=task, actor=b, now=NOW, outcome=CallOutcome.NOT_REACHED)
    assert "task" in refused.value.message_dict and str(a) in refused.value.message_dict["task"][0]
    assert not CallRecord.objects.exists()
    # and A still opens the call screen and saves the call in progress, which gives the task back
    assert client.get(reverse("workbench:task", args=[task.pk])).status_code == 200
    response = client.post(
        reverse("workbench:task", args=[task.pk]), {"outcome": CallOutcome.NOT_REACHED, "not_reached_as": "no_answer"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert CallRecord.objects.get().caller == a
    task.refresh_from_db()
    assert (task.claimed_by, task.claimed_until) == (None, None)


@pytest.mark.django_db
def test_skipping_gives_the_task_back_and_hands_out_the_one_after(store, frozen):
    a = member(store, Role.CARE_SPECIALIST, username="agent_a")
    first, second = _tasks(store, 2, assigned_to=a)
    assert services.next_task_hand_out(user=a, now=NOW) == first
    # pressing "next" again without saving hands the same task (still A's), skipping hands the second
    assert services.next_task_hand_out(user=a, now=NOW) == first
    assert services.next_task_hand_out(user=a, now=NOW, skip_id=first.pk) == second
    held = Counter(FollowUpTask.objects.exclude(claimed_by=None).values_list("pk", flat=True))
    assert held == Counter({second.pk: 1})


@pytest.mark.django_db(transaction=True)
def test_a_task_locked_by_another_transaction_is_passed_over_and_not_handed_twice(store):
    # given two due tasks of agent A, the more urgent one locked by another connection (a manager moving it)
    _needs_postgres()
    a = member(store, Role.CARE_SPECIALIST, username="agent_a")
    first, second = _tasks(store, 2, assigned_to=a)
    locked = threading.Event()
    release = threading.Event()
    handed = []

    def manager(_i):
        from django.db import transaction

        with transaction.atomic():
            FollowUpTask.objects.select_for_update().filter(pk=first.pk).get()
            locked.set()
            release.wait(10)

    def agent(_i):
        locked.wait(10)
        handed.append(services.next_task_id_hand_out(user=a, now=NOW))
        release.set()

    errors = _run_threads(2, lambda i: (manager, agent)[i](i))
    # then A was handed the second at once (no wait for the lock), and holds only it
    assert errors == [] and handed == [second.pk]
    assert list(FollowUpTask.objects.exclude(claimed_by=None).values_list("pk", flat=True)) == [second.pk]
    # and once the lock is gone the first is offered again (A's own held task comes after it)
    assert services.next_task_id_hand_out(user=a, now=NOW) == first.pk


def test_only_plain_choice_values_are_written_into_the_claim():
    from huifang.workbench import hand_out

    assert hand_out._literal("open") == "'open'"
    assert "status = 'open' AND channel = 'call'" in hand_out._claim_first_sql(2, False)
    for value in ("open'; DROP TABLE x; --", "Open", "", "o pen"):
        with pytest.raises(ValueError):
            hand_out._literal(value)


@pytest.mark.django_db
def test_the_claim_keeps_one_plan_on_a_connection_instead_of_planning_every_run(store, other_store):
    """Run on a kept connection, "next"'s claim is planned once (PostgreSQL's generic plan) rather than on every
    run: with status and channel bound as parameters the generic plan was costed from a guess (one in as many
    as the column has values) and never used on a store like the load test's."""
    _needs_postgres()
    from huifang.followups.offering import quiet_rules_for
    from huifang.workbench import hand_out

    if not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        pytest.skip("prepared statements are off (DB_SERVER_SIDE_BINDING=0)")
    # given 100 agents with 60 tasks each, as on the load test's database: half of them in another store, a
    # sixth closed, one in 400 by text message, a fifth not due yet, and the table's statistics read
    agents = [member(store, Role.CARE_SPECIALIST, username=f"agent{i}") for i in range(100)]
    first = call_task(
        store, customer=CustomerFactory(store=store), due_at=NOW - timedelta(hours=1), assigned_to=agents[0]
    )
    table = FollowUpTask._meta.db_table
    columns = [f.column for f in FollowUpTask._meta.concrete_fields if f.column != "id"]
    varied = {  # column: (its value in the copies, the parameters it takes)
        "store_id": ("CASE WHEN g %% 2 = 1 THEN %s ELSE store_id END", [other_store.pk]),
        "assigned_to_id": ("(%s::bigint[])[1 + g %% 100]", [[a.pk for a in agents]]),
        "occurrence_key": ("'k' || g", []),
        "status": ("CASE WHEN g / 100 %% 6 = 1 THEN 'done' ELSE 'open' END", []),
        "channel": ("CASE WHEN g %% 400 = 0 THEN 'sms' ELSE 'call' END", []),
        "due_at": ("due_at + CASE WHEN g / 100 %% 5 = 0 THEN interval '2 days' ELSE -g * interval '1 minute' END", []),
        "window_end": ("window_end + g * interval '1 minute'", []),
    }
    values = [varied.get(c, (c, [])) for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(v for v, _p in values)}"
            f" FROM {table}, generate_series(1, 6000) g WHERE id = %s",
            [*(p for _v, params in values for p in params), first.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    stores = selectors.workbench_stores_marked(user=agents[0])
    rules = quiet_rules_for(stores=stores)
    # when the first agent presses "next" 12 times (each call saved: the task closed)
    for _ in range(12):
        got = hand_out.task_claim_first(
            user_id=agents[0].pk, now=NOW, until=NOW + timedelta(minutes=30), stores=stores, quiet_rules=rules
        )
        assert got is not None
        FollowUpTask.objects.filter(pk=got).update(status=TaskStatus.DONE)
    # then the claim statement ran on its kept plan after PostgreSQL's five planned runs
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FOR UPDATE SKIP LOCKED%"],
        )
        (name, generic, custom), *_ = cursor.fetchall()
        assert custom <= 5 and generic >= 12 - 2 - 5  # psycopg prepares it on its 2nd run
        # and that plan walks the assignee's index in the hand-out's order: no sort of the caller's tasks
        # (EXPLAIN takes no bound parameters: the values are written in, ids and ISO times)
        until, at = (f"'{t.isoformat()}'::timestamptz" for t in (NOW + timedelta(minutes=30), NOW))
        me = int(agents[0].pk)
        cursor.execute(f"EXPLAIN EXECUTE {name}({me}, {until}, {int(store.pk)}, {at}, {at}, {me}, {at}, {me})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "task_assignee_order" in plan and "Sort" not in plan, plan
