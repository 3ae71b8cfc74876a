"""Reminder rules limited to a seed 002 客户细分 segment: the sweep makes tasks only inside it, in one statement."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huifang.archive.choices import CustomerKind, RepairOrderType
from huifang.core import clock
from huifang.followups.choices import RuleKind
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.followups.sweeps import sweep_run
from huifang.operations.models import ClubLevel, ClubMember

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory
from .conftest import NOW, at
from .test_views import rule_audits, rule_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(store):
    """Three customers whose insurance reminder (25 Dec, 30 days lead) is due at NOW; paid visits 2 / 0 / 1."""
    w = {}
    w["regular"] = CustomerFactory(store=store, name="常客")
    w["free_only"] = CustomerFactory(store=store, name="只做免费保养")
    w["company"] = CustomerFactory(store=store, name="公司", kind=CustomerKind.COMPANY)
    for key, c in list(w.items()):
        w[f"{key}_car"] = VehicleFactory(customer=c, insurance_expiry=date(2026, 12, 25))
    for ro_type, amount in ((RepairOrderType.MAINTENANCE, "800"), (RepairOrderType.REPAIR, "1200")):
        RepairOrderFactory(
            vehicle=w["regular_car"], ro_type=ro_type, total_amount=Decimal(amount), opened_at=at(2026, 6, 1, 9)
        )
    for ro_type in (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.WARRANTY, RepairOrderType.INSURANCE):
        RepairOrderFactory(
            vehicle=w["free_only_car"], ro_type=ro_type, total_amount=Decimal("3000"), opened_at=at(2026, 6, 1, 9)
        )
    RepairOrderFactory(
        vehicle=w["company_car"], ro_type=RepairOrderType.REPAIR, total_amount=Decimal("300"), opened_at=at(2026, 6, 1)
    )
    return w


def rule_with(store, rule_kind=RuleKind.INSURANCE_RENEWAL, **segment) -> FollowUpRule:
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=rule_kind).update(segment=segment)
    return FollowUpRule.objects.get(store=store, kind=rule_kind)


def insurance_task_customers() -> set[str]:
    return set(FollowUpTask.objects.filter(kind=RuleKind.INSURANCE_RENEWAL).values_list("customer__name", flat=True))


@pytest.mark.parametrize(
    ("segment", "names"),
    [
        ({}, {"常客", "只做免费保养", "公司"}),
        ({"paid_visits_min": 1}, {"常客", "公司"}),
        ({"paid_visits_min": 2}, {"常客"}),
        ({"paid_visits_max": 0}, {"只做免费保养"}),
        ({"spend_min": "1000.00"}, {"常客"}),
        ({"spend_max": "500.00"}, {"只做免费保养", "公司"}),
        ({"kind": CustomerKind.COMPANY}, {"公司"}),
    ],
)
def test_the_sweep_creates_reminders_only_inside_the_rules_segment(store, customers, segment, names):
    # given the insurance rule limited to the segment
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=RuleKind.INSURANCE_RENEWAL).update(segment=segment)
    # when the sweep runs
    sweep_run(store=store, now=NOW, kinds=(RuleKind.INSURANCE_RENEWAL,))
    # then only the segment's customers have a reminder
    assert insurance_task_customers() == names


def test_club_level_segment_for_a_customer_level_rule(store, customers):
    # given a gold level with one active and one lapsed member
    gold = ClubLevel.objects.create(store=store, name="金卡", rank=3)
    ClubMember.objects.create(store=store, customer=customers["company"], level=gold, joined_on=NOW.date())
    ClubMember.objects.create(
        store=store, customer=customers["regular"], level=gold, joined_on=NOW.date(), active=False
    )
    rule_with(store, club_level=gold.pk)
    # when
    sweep_run(store=store, now=NOW, kinds=(RuleKind.INSURANCE_RENEWAL,))
    # then only the active member
    assert insurance_task_customers() == {"公司"}


def test_holiday_greetings_insert_select_respects_the_segment(store):
    # given two customers of the store, one a company, and a new-year greeting due tomorrow
    CustomerFactory(store=store, name="个人")
    CustomerFactory(store=store, name="公司", kind=CustomerKind.COMPANY)
    rules_ensure_defaults(store=store)
    FollowUpRule.objects.filter(store=store, kind=RuleKind.HOLIDAY_GREETING).update(
        festivals="new_year", lead_days=1, marketing_only=False, segment={"kind": CustomerKind.COMPANY}
    )
    # when the sweep runs on 31 December
    sweep_run(store=store, now=at(2026, 12, 31, 10), kinds=(RuleKind.HOLIDAY_GREETING,))
    # then only the company is greeted
    names = set(FollowUpTask.objects.filter(kind=RuleKind.HOLIDAY_GREETING).values_list("customer__name", flat=True))
    assert names == {"公司"}


def _sweep_statements(store) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        sweep_run(store=store, now=NOW, kinds=(RuleKind.INSURANCE_RENEWAL,))
    return [q["sql"] for q in ctx.captured_queries]


def test_the_segment_adds_no_query_it_is_a_subquery_of_the_rules_statement(
    store, customers, django_assert_max_num_queries
):
    # given the same sweep once for everyone and once for a segment
    rule_with(store)
    everyone = _sweep_statements(store)
    FollowUpTask.objects.all().delete()
    rule_with(store, paid_visits_min=1, spend_min="100.00", kind=CustomerKind.COMPANY)
    # when the segmented sweep runs
    with django_assert_max_num_queries(len(everyone)):
        segmented = _sweep_statements(store)
    # then the rule's one statement (INSERT … SELECT over the vehicles) carries the segment as a subquery,
    # and only the company got its reminder
    reads = [sql for sql in segmented if "insurance_expiry" in sql]
    assert len(reads) == 1 and reads[0].lstrip().upper().startswith("INSERT")
    assert "total_amount" in reads[0] and " IN (SELECT" in reads[0].upper().replace("\n", " ")
    assert insurance_task_customers() == {"公司"}


# --- the rule screen ---------------------------------------------------------------------------------


@pytest.fixture(autouse=False)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_director_sets_a_segment_on_the_rule_screen_and_it_is_audited(client, director, store, frozen):
    # given the insurance rule and a club level
    rule = rule_with(store)
    gold = ClubLevel.objects.create(store=store, name="金卡", rank=3)
    client.force_login(director)
    url = reverse("followups:rule_edit", args=[store.pk, rule.pk])
    # the screen shows the club invitation's segment widgets
    page = client.get(url).content.decode()
    assert 'name="segment-paid_visits_min"' in page and 'name="segment-club_level"' in page
    # when the director saves a segment
    post = rule_post(
        rule, **{"segment-paid_visits_min": "2", "segment-spend_min": "1000", "segment-club_level": str(gold.pk)}
    )
    response = client.post(url, post)
    # then it is stored as JSON, audited, and shown on the list
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.segment == {"spend_min": "1000.00", "paid_visits_min": 2, "club_level": gold.pk}
    assert rule_audits(rule).filter(changes__has_key="segment").exists()
    listing = client.get(reverse("followups:rule_list", args=[store.pk])).content.decode()
    assert f'id="segment-{rule.pk}"' in listing and "金卡" in listing


def test_a_bad_segment_is_refused_and_nothing_is_saved(client, director, store, frozen):
    # given
    rule = rule_with(store)
    client.force_login(director)
    # when the bounds are reversed (and the name changed in the same post)
    post = rule_post(rule, name="新名字", **{"segment-paid_visits_min": "3", "segment-paid_visits_max": "1"})
    response = client.post(reverse("followups:rule_edit", args=[store.pk, rule.pk]), post)
    # then the field error is shown and neither the name nor the segment changed
    assert response.status_code == 422
    fieldset = response.content.decode().split('id="segment"')[1].split("</fieldset>")[0]
    assert "不能小于下限" in fieldset
    rule.refresh_from_db()
    assert rule.segment == {}
    assert rule.name != "新名字"


def test_another_stores_club_level_is_refused(client, director, store, other_store, frozen):
    # given a level of the other store
    rule = rule_with(store)
    foreign = ClubLevel.objects.create(store=other_store, name="外店金卡", rank=3)
    client.force_login(director)
    # when
    post = rule_post(rule, **{"segment-club_level": str(foreign.pk)})
    response = client.post(reverse("followups:rule_edit", args=[store.pk, rule.pk]), post)
    # then
    assert response.status_code == 422
    rule.refresh_from_db()
    assert rule.segment == {}


def test_outsider_cannot_open_the_rule(client, outsider, store, frozen):
    rule = rule_with(store)
    client.force_login(outsider)
    assert client.get(reverse("followups:rule_edit", args=[store.pk, rule.pk])).status_code in (403, 404)
