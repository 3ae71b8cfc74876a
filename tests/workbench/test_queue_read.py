"""The queue screen's hand-written SQL (workbench.queue_read) gives the rows, marks and counts that the ORM
reference (selectors.queue_for, the API's) gives, on a store with odd data: landlines and missing phones,
tasks without a vehicle or an assignee, call-backs and retries, another time zone, another store's tasks."""

from datetime import timedelta

import pytest
from django.db.models import Min
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.core import clock
from huifang.followups.models import FollowUpTask
from huifang.followups.offering import quiet_rules_for
from huifang.workbench import hand_out, queue_read, selectors, store_settings

from ..factories import CustomerFactory, StoreFactory, UserFactory, member
from .factories import NOW, at, call_task

BUCKETS = ("overdue", "due_now", "today", "later")


@pytest.fixture
def odd(store, other_store, specialist, manager, advisor):
    """Tasks of `store` (Shanghai) and of a Tokyo store the manager also leads, and one of another store."""
    tokyo = StoreFactory(code="TK03", name="东京店", time_zone="Asia/Tokyo")
    Membership.objects.create(user=manager, role=Role.SERVICE_MANAGER, scope=Scope.STORE, store=tokyo)
    Membership.objects.create(user=specialist, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=tokyo)
    nameless = UserFactory(username="nameless", display_name="", first_name="Li", last_name="Wei")
    Membership.objects.create(user=nameless, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)

    def customer(where=store, **kwargs):
        return CustomerFactory(store=where, **kwargs)

    tasks = {
        "overdue": call_task(store, assigned_to=specialist, due_at=at(2026, 11, 21, 9), advisor=advisor),
        "landline": call_task(
            store,
            assigned_to=specialist,
            customer=customer(mobile="", office_phone="+862083331234", name="<b>O'Neil & 子</b>"),
            due_at=at(2026, 11, 24, 15),
        ),
        "no_phone": call_task(store, assigned_to=specialist, customer=customer(mobile=""), due_at=NOW),
        "no_vehicle": call_task(
            store, assigned_to=specialist, kind="maintenance_reminder", customer=customer(), due_at=at(2026, 11, 24)
        ),
        "evening": call_task(
            store, assigned_to=specialist, customer=customer(best_contact_time="晚上"), due_at=at(2026, 11, 25, 23, 59)
        ),
        "later": call_task(store, assigned_to=specialist, customer=customer(), due_at=at(2026, 11, 26, 0, 0)),
        "retry": call_task(store, assigned_to=specialist, customer=customer(), due_at=at(2026, 11, 24, 8)),
        "call_back": call_task(store, assigned_to=specialist, customer=customer(), due_at=at(2026, 11, 24, 7)),
        "nobody": call_task(store, customer=customer(), due_at=at(2026, 11, 23, 9)),
        "advisors": call_task(store, assigned_to=advisor, customer=customer(), due_at=at(2026, 11, 22, 9)),
        "nameless": call_task(store, assigned_to=nameless, customer=customer(), due_at=at(2026, 11, 24, 11)),
        "closed": call_task(store, assigned_to=specialist, customer=customer(), status="done"),
        # 25 Nov 23:30 Shanghai is 26 Nov 00:30 in Tokyo: "later" there, "today" in Shanghai.
        "tokyo_later": call_task(
            tokyo, assigned_to=specialist, customer=customer(tokyo), due_at=at(2026, 11, 25, 23, 30)
        ),
        "tokyo_today": call_task(tokyo, assigned_to=specialist, customer=customer(tokyo), due_at=at(2026, 11, 25, 22)),
        "elsewhere": call_task(other_store, assigned_to=specialist, customer=customer(other_store)),
    }
    FollowUpTask.objects.filter(pk=tasks["retry"].pk).update(next_call_at=NOW + timedelta(hours=2))
    FollowUpTask.objects.filter(pk=tasks["call_back"].pk).update(next_call_at=NOW + timedelta(hours=3))
    FollowUpTask.objects.filter(pk=tasks["later"].pk).update(next_call_at=NOW - timedelta(hours=3))  # passed
    tasks["retry"].attempts.create(at=NOW - timedelta(hours=2), outcome="call_back")
    tasks["retry"].attempts.create(at=NOW - timedelta(hours=1), outcome="no_answer")  # the latest decides
    tasks["call_back"].attempts.create(at=NOW - timedelta(hours=1), outcome="call_back")
    for _ in range(3):
        tasks["overdue"].attempts.create(at=NOW - timedelta(days=1), outcome="busy")
    return tasks


def _shown(row) -> tuple:
    """Everything a queue row shows, from a marked task (queue_for) or a QueueRow (queue_read)."""
    if isinstance(row, FollowUpTask):
        plate = row.vehicle.plate if row.vehicle else None
        who = str(row.assigned_to) if row.assigned_to else ""
        best = row.customer.best_contact_time
    else:
        plate = row.plate if row.has_vehicle else None
        who, best = row.assigned_to, row.best_contact_time
    return (
        *(row.pk, row.bucket, row.kind_label, row.customer_name, row.phone_masked, plate, who, best),
        *(row.attempts_count, row.quiet, row.not_best_time, row.url),
        *(row.due_label, row.window_label, row.callback_label, row.retry_label),
    )


def _same(user, *, now, team=False, store=None, page=1, page_size=50, **filters):
    reference = selectors.queue_for(
        user=user, now=now, team=team, store=store, page=page, page_size=page_size, **filters
    )
    stores = [
        s
        for s in selectors.workbench_stores_marked(user=user)
        if (s.leads_team or not team) and (store is None or s.pk == store.pk)
    ]
    which = queue_read.QueueFilter(
        user_id=user.pk,
        stores=stores,
        team=team,
        assignee_id=filters.get("assignee_id"),
        kind=filters.get("kind", ""),
        advisor_id=filters.get("advisor_id"),
    )
    result = queue_read.queue_page(
        which=which, now=now, quiet_rules=quiet_rules_for(stores=stores), page=page, page_size=page_size
    )
    for bucket in BUCKETS:
        assert [_shown(r) for r in result[bucket]] == [_shown(t) for t in reference[bucket]], bucket
    for key in ("counts", "truncated", "page", "pages"):
        assert result[key] == reference[key], key
    return result


@pytest.mark.parametrize("now", [NOW, at(2026, 11, 25, 12, 30), at(2026, 11, 25, 19)])
def test_my_queue_is_the_orm_queue(odd, specialist, now):
    result = _same(specialist, now=now)
    shown = {r.pk for b in BUCKETS for r in result[b]}
    assert odd["elsewhere"].pk not in shown and odd["closed"].pk not in shown and odd["nobody"].pk not in shown
    assert result["counts"]["total"] == 10


def test_odd_rows_read_as_the_orm_reads_them(odd, specialist):
    rows = {r.pk: r for b in BUCKETS for r in _same(specialist, now=NOW)[b]}
    assert rows[odd["landline"].pk].phone_masked == "020****1234"
    assert rows[odd["no_phone"].pk].phone_masked == ""
    assert rows[odd["no_vehicle"].pk].has_vehicle is False
    assert rows[odd["retry"].pk].retry_label == "11-25 12:00" and rows[odd["retry"].pk].callback_label == ""
    assert rows[odd["call_back"].pk].callback_label == "11-25 13:00" and rows[odd["call_back"].pk].retry_label == ""
    assert (rows[odd["evening"].pk].due_label, rows[odd["evening"].pk].window_label) == ("11-25 23:59", "11-28 23:59")
    assert rows[odd["overdue"].pk].attempts_count == 3
    assert rows[odd["tokyo_later"].pk].bucket == "later" and rows[odd["tokyo_today"].pk].bucket == "today"


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"assignee_id": 0},  # nobody
        {"kind": "maintenance_reminder"},
        {"page": 2, "page_size": 4},
        {"page": 9, "page_size": 4},
    ],
)
def test_team_queue_is_the_orm_queue(odd, manager, filters):
    result = _same(manager, now=NOW, team=True, **filters)
    if not filters:
        assert result["counts"]["total"] == 13


def test_filters_are_the_orm_filters(odd, store, manager, specialist, advisor):
    _same(manager, now=NOW, team=True, assignee_id=advisor.pk)
    _same(manager, now=NOW, team=True, store=store)
    _same(specialist, now=NOW, advisor_id=advisor.pk)
    assert _same(specialist, now=NOW, advisor_id=advisor.pk)["counts"]["total"] == 1
    _same(manager, now=NOW)  # the manager's own queue: empty


def test_no_store_reads_nothing(specialist, django_assert_num_queries):
    which = queue_read.QueueFilter(user_id=specialist.pk, stores=[])
    with django_assert_num_queries(0):
        result = queue_read.queue_page(which=which, now=NOW, quiet_rules={}, page=1, page_size=50)
    assert result["counts"]["total"] == 0 and not any(result[b] for b in BUCKETS)


def test_earliest_due_is_the_orm_aggregate(odd, specialist, store):
    stores = selectors.workbench_stores_marked(user=specialist)
    reference = {}
    for s in stores:
        at_ = FollowUpTask.objects.filter(store=s, status="open", channel="call", assigned_to=specialist).aggregate(
            at=Min(Greatest("due_at", Coalesce("next_call_at", "due_at")))
        )["at"]
        if at_ is not None:
            reference[s.pk] = at_
    assert queue_read.earliest_due(user_id=specialist.pk, stores=stores) == reference
    assert set(reference) == {s.pk for s in stores}
    # the queue's counts read the same beside them when they count all of the user's own tasks
    which = queue_read.QueueFilter(user_id=specialist.pk, stores=stores)
    assert which.all_mine(stores)
    page = queue_read.queue_page(which=which, now=NOW, quiet_rules=quiet_rules_for(stores=stores), page=1, page_size=3)
    assert page["earliest"] == reference
    assert not queue_read.QueueFilter(user_id=specialist.pk, stores=stores[:1]).all_mine(stores)
    assert not queue_read.QueueFilter(user_id=specialist.pk, stores=stores, kind="x").all_mine(stores)
    assert not queue_read.QueueFilter(user_id=specialist.pk, stores=stores, team=True).all_mine(stores)


def test_advisors_are_the_stores_advisors(odd, store, other_store, advisor):
    member(other_store, Role.SERVICE_ADVISOR, username="elsewhere")
    assert [(p.pk, str(p)) for p in queue_read.advisors_of(stores=[store])] == [(advisor.pk, "王顾问")]


def test_advisors_and_tokens_read_together_as_apart(odd, store, other_store, advisor):
    """The queue reads the advisors and the stores' settings tokens in one statement: the same lists as
    advisors_of and store_settings' own read, the advisors by username."""
    # given advisors in both stores, one without a display name, and both stores' settings read once
    first = member(other_store, Role.SERVICE_ADVISOR, username="aaa_first", display_name="")
    member(store, Role.SERVICE_ADVISOR, username="zzz_last")
    stores = [store, other_store]
    store_settings.quiet_rules_kept(stores=stores)
    # when
    advisors, tokens = queue_read.advisors_and_tokens(stores=stores)
    # then
    shown = [(p.pk, str(p)) for p in advisors]
    assert shown == [(p.pk, str(p)) for p in queue_read.advisors_of(stores=stores)]
    assert shown[0][0] == first.pk and len(shown) == 3
    assert tokens == store_settings._tokens(stores) and set(tokens) == {store.pk, other_store.pk}
    assert store_settings.quiet_rules_kept(stores=stores, tokens=tokens) == store_settings.quiet_rules_kept(
        stores=stores
    )
    assert queue_read.advisors_and_tokens(stores=[]) == ([], {})


@pytest.mark.parametrize("now", [NOW, at(2026, 11, 25, 12, 30)])
def test_the_sql_hand_out_offers_the_orm_order(odd, specialist, manager, now):
    """workbench.hand_out hands out, one after the other, exactly the tasks selectors.next_task_for (the ORM
    offer: due, no call-back pending, outside quiet hours, nobody else's hold) names, in its order."""
    FollowUpTask.objects.filter(pk=odd["no_phone"].pk).update(
        claimed_by=manager, claimed_until=now + timedelta(hours=1)
    )
    FollowUpTask.objects.filter(pk=odd["landline"].pk).update(
        claimed_by=manager, claimed_until=now - timedelta(hours=1)
    )
    stores = selectors.workbench_stores_marked(user=specialist)
    handed = []
    while True:
        expected = selectors.next_task_for(user=specialist, now=now)
        got = hand_out.task_claim_first(
            user_id=specialist.pk,
            now=now,
            until=now + timedelta(minutes=30),
            stores=stores,
            quiet_rules=quiet_rules_for(stores=stores),
        )
        assert got == (expected.pk if expected else None)
        if got is None:
            break
        held = FollowUpTask.objects.get(pk=got)
        assert held.claimed_by_id == specialist.pk and held.claimed_until == now + timedelta(minutes=30)
        handed.append(got)
        FollowUpTask.objects.filter(pk=got).update(status="done")
    if now == NOW:
        # the held-by-another and the waiting ones are never offered; a run-out hold is
        assert odd["no_phone"].pk not in handed and odd["retry"].pk not in handed and odd["later"].pk not in handed
        assert odd["landline"].pk in handed and handed[0] == odd["overdue"].pk
    else:
        assert handed == []  # the lunch rest: quiet hours in both stores


def test_a_skipped_task_is_given_back_and_not_offered_again(odd, specialist):
    stores = selectors.workbench_stores_marked(user=specialist)
    rules = quiet_rules_for(stores=stores)
    args = {"user_id": specialist.pk, "now": NOW, "until": NOW + timedelta(minutes=30), "stores": stores}
    first = hand_out.task_claim_first(**args, quiet_rules=rules)
    hand_out.task_release(task_id=first, user_id=specialist.pk)
    assert FollowUpTask.objects.get(pk=first).claimed_by_id is None
    second = hand_out.task_claim_first(**args, quiet_rules=rules, skip_id=first)
    assert second not in (first, None)


@pytest.mark.parametrize("skip", ["²", "99999999999999999999999", "-1", "abc"])
def test_next_shrugs_off_an_odd_skip(client, odd, specialist, skip, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    client.force_login(specialist)
    response = client.get(reverse("workbench:next"), {"skip": skip})
    assert response.status_code == 302 and "/tasks/" in response["Location"]


def test_a_passed_call_back_shows_no_mark_whatever_the_last_try(odd, specialist):
    """The last attempt's outcome is looked up only for a row whose call-back time is still ahead: a task whose
    call-back time has passed shows neither mark, even when its last try failed (as the ORM's rows)."""
    odd["later"].attempts.create(at=NOW - timedelta(hours=4), outcome="no_answer")
    rows = {r.pk: r for b in BUCKETS for r in _same(specialist, now=NOW)[b]}
    assert (rows[odd["later"].pk].callback_label, rows[odd["later"].pk].retry_label) == ("", "")
    assert rows[odd["retry"].pk].retry_label == "11-25 12:00"


def test_the_last_outcome_is_read_for_call_back_rows_only(odd, specialist):
    """On PostgreSQL the page statement runs its last-outcome lookup once per row with a call-back time ahead
    (2 of the 10 rows: the retry and the call-back), not once per row of the page."""
    import json

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN's plan tree is PostgreSQL's")
    stores = selectors.workbench_stores_marked(user=specialist)
    which = queue_read.QueueFilter(user_id=specialist.pk, stores=stores)
    counts_sql, counts_params = queue_read._counts_statement(which, NOW)
    rows_sql, rows_params, _tz = queue_read._rows_statement(which, NOW, offset=0, limit=50)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + queue_read._page_sql(counts_sql, rows_sql),
            [*counts_params, *rows_params],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    lookups = [
        n
        for n in nodes(plan[0]["Plan"])
        if n.get("Subplan Name") and n["Node Type"] == "Limit" and n.get("Actual Loops", 0)
    ]
    per_row = [n for n in nodes(plan[0]["Plan"]) if n.get("Subplan Name") and n["Node Type"] == "Aggregate"]
    assert per_row and per_row[0]["Actual Loops"] == 10  # the attempts' count: every row
    assert [n["Actual Loops"] for n in lookups] == [2]


@pytest.mark.parametrize("who", ["specialist", "manager", "superuser"])
def test_stores_tokens_and_advisors_read_together_as_apart(odd, store, other_store, advisor, who, request,
                                                          django_assert_num_queries):  # fmt: skip
    """The queue reads the user's stores, their settings tokens and their advisors in one statement: the same
    stores (by code, each with leads_team), tokens and advisors (by username, each once) as read apart."""
    from huifang.accounts.selectors import memberships_of

    # given advisors in two of the stores, one of them in both, one without a display name
    both = member(other_store, Role.SERVICE_ADVISOR, username="aaa_both", display_name="")
    Membership.objects.create(user=both, role=Role.SERVICE_ADVISOR, scope=Scope.STORE, store=store)
    member(store, Role.SERVICE_ADVISOR, username="zzz_last")
    user = UserFactory(username="root", is_superuser=True) if who == "superuser" else request.getfixturevalue(who)
    memberships = memberships_of(user=user)
    stores = selectors.workbench_stores_marked(user=user, memberships=memberships)
    store_settings.quiet_rules_kept(stores=stores)  # every store's settings made (and its token)
    advisors, tokens = queue_read.advisors_and_tokens(stores=stores)
    # when
    with django_assert_num_queries(2 if who == "superuser" else 1):
        together = selectors.workbench_stores_tokens_advisors(user=user, memberships=memberships)
    # then
    marked = [(s.pk, s.code, s.name, s.time_zone, s.leads_team) for s in stores]
    assert [(s.pk, s.code, s.name, s.time_zone, s.leads_team) for s in together[0]] == marked and marked
    assert together[1] == tokens and set(tokens) == {s.pk for s in stores}
    assert [(p.pk, str(p)) for p in together[2]] == [(p.pk, str(p)) for p in advisors]
    assert [p.pk for p in together[2]].count(both.pk) == (1 if store in stores or other_store in stores else 0)


def test_no_workbench_store_reads_no_advisor(advisor, django_assert_num_queries):
    """A user with no membership: no store, no token, no advisor, and no statement."""
    stranger = UserFactory(username="stranger")
    with django_assert_num_queries(0):
        assert selectors.workbench_stores_tokens_advisors(user=stranger, memberships=[]) == ([], {}, [])
