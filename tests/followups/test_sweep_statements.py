"""Dated reminders run a statement compiled once per process (issue 18 §2): a changed rule, another store or
another set of enabled kinds never runs a statement compiled for different settings."""

from datetime import date, timedelta

import pytest

from huifang.archive.choices import CustomerKind
from huifang.followups.choices import RuleKind, TaskChannel
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.followups.sweep_statements import StatementCache, statements
from huifang.followups.sweeps import sweep_run

from ..factories import CustomerFactory, VehicleFactory
from .conftest import NOW, at

pytestmark = pytest.mark.django_db
MAINTENANCE = (RuleKind.MAINTENANCE_REMINDER,)


@pytest.fixture
def car(store):
    """A private customer's car due for maintenance on 1 Dec (7 days' lead: due 24 Nov, inside NOW's window),
    the customer without marketing consent."""
    rules_ensure_defaults(store=store)
    customer = CustomerFactory(store=store, marketing_consent=False, kind=CustomerKind.INDIVIDUAL)
    return VehicleFactory(
        customer=customer, next_maintenance_date=date(2026, 12, 1), last_maintenance_at=at(2026, 9, 1, 10)
    )


def swept(store, now=NOW) -> int:
    """Sweep the maintenance rule afresh (tasks of earlier sweeps removed); tasks made."""
    FollowUpTask.objects.filter(store=store).delete()
    return sweep_run(store=store, now=now, kinds=MAINTENANCE)[RuleKind.MAINTENANCE_REMINDER]


def set_rule(store, kind=RuleKind.MAINTENANCE_REMINDER, **values) -> None:
    FollowUpRule.objects.filter(store=store, kind=kind).update(**values)


def test_a_changed_rule_is_swept_with_its_new_settings(store, car):
    # given the statement compiled by a first sweep
    assert swept(store) == 1
    # when the rule is limited to marketing consent, then to companies, then back to everyone
    set_rule(store, marketing_only=True)
    marketing_only = swept(store)
    set_rule(store, marketing_only=False, segment={"kind": CustomerKind.COMPANY})
    companies = swept(store)
    set_rule(store, segment={})
    everyone = swept(store)
    # then each sweep follows the rule as it is now
    assert (marketing_only, companies, everyone) == (0, 0, 1)


def test_a_changed_lead_time_moves_the_due_day(store, car):
    # given the statement compiled with 7 days' lead (due 24 Nov)
    assert swept(store) == 1
    # when the lead becomes 3 days (due 28 Nov, after NOW)
    set_rule(store, lead_days=3)
    # then nothing is due now, and on 28 Nov the task is due that day
    assert swept(store) == 0
    assert swept(store, now=NOW + timedelta(days=3)) == 1
    assert FollowUpTask.objects.get().due_at == at(2026, 11, 28)


def test_switching_the_first_service_reminder_on_recompiles_the_maintenance_rule(store):
    # given a car never maintained, its first service predicted for 1 Dec, swept with the first-service rule off
    rules_ensure_defaults(store=store)
    VehicleFactory(customer__store=store, next_maintenance_date=date(2026, 12, 1), delivery_date=date(2026, 9, 1))
    set_rule(store, kind=RuleKind.FIRST_SERVICE_REMINDER, enabled=False)
    assert swept(store) == 1
    # when the first-service reminder is switched on
    set_rule(store, kind=RuleKind.FIRST_SERVICE_REMINDER, enabled=True)
    # then its reminder replaces the ordinary one (issue 14 §2)
    assert swept(store) == 0


def test_a_statement_is_not_shared_between_stores(store, other_store, car):
    # given the first store's statement compiled
    assert swept(store) == 1
    # when the other store, with the same settings, is swept
    rules_ensure_defaults(store=other_store)
    made = sweep_run(store=other_store, now=NOW, kinds=MAINTENANCE)[RuleKind.MAINTENANCE_REMINDER]
    # then it makes nothing: its archive is empty
    assert made == 0 and not FollowUpTask.objects.filter(store=other_store).exists()


def test_the_next_days_sweep_reuses_the_statement(store, car):
    # given the statement compiled by a first sweep
    swept(store)
    kept = len(statements)
    # when the rule is swept on the next days, then with a changed setting
    for days in (1, 2):
        swept(store, now=NOW + timedelta(days=days))
    reused = len(statements)
    set_rule(store, channel=TaskChannel.SMS)
    swept(store)
    # then the next days add no statement; the changed rule adds one
    assert (reused, len(statements)) == (kept, kept + 1)


def test_the_cache_keeps_the_most_recently_used_statements():
    # given a cache of two statements
    cache = StatementCache(size=2)
    built = []

    def build(name):
        return lambda: built.append(name) or name

    # when three are asked for, the first one again in between
    cache.get("a", build("a"))
    cache.get("b", build("b"))
    cache.get("a", build("a"))
    cache.get("c", build("c"))
    cache.get("a", build("a"))
    cache.get("b", build("b"))
    # then the least recently used one was dropped and built again
    assert built == ["a", "b", "c", "b"]
