from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from huifang.archive.choices import ActivityState, Gender
from huifang.archive.models import ArchivePolicy, Customer
from huifang.archive.statistics import archive_statistics

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)


def at(y, m, d):
    return datetime(y, m, d, 10, tzinfo=SH)


@pytest.fixture
def archive(store, other_store):
    """Five customers of `store`, hand-built so every figure can be counted by eye."""
    # 1. man, 30, teacher, Octavia active; first order Mar 2026
    a = CustomerFactory(store=store, name="甲", gender="M", birthday=date(1996, 6, 1), occupation="教师")
    va = VehicleFactory(customer=a, model="明锐", last_visit_at=at(2026, 10, 1))
    RepairOrderFactory(vehicle=va, opened_at=at(2026, 3, 5))
    RepairOrderFactory(vehicle=va, opened_at=at(2026, 10, 1))
    # 2. woman, turns 25 on 26 Nov 2026 (still 24 today), teacher, Superb dormant + Octavia lost
    b = CustomerFactory(store=store, name="乙", gender="F", birthday=date(2001, 11, 26), occupation="教师")
    VehicleFactory(customer=b, model="昊锐", activity=ActivityState.DORMANT, last_visit_at=at(2026, 4, 1))
    VehicleFactory(customer=b, model="明锐", activity=ActivityState.LOST, last_visit_at=at(2025, 11, 2))
    # 3. no gender, no birthday, no occupation, Fabia active; no order, first visit Jul 2026
    c = CustomerFactory(store=store, name="丙", first_visit_at=at(2026, 7, 9))
    VehicleFactory(customer=c, model="晶锐")
    # 4. man of 60, lawyer, only a lost car: not retained; lost in Aug 2026 (last visit Aug 2025)
    d = CustomerFactory(store=store, name="丁", gender="M", birthday=date(1966, 1, 1), occupation="律师")
    VehicleFactory(customer=d, model="明锐", activity=ActivityState.LOST, last_visit_at=at(2025, 8, 20))
    # 5. a customer without any vehicle: not retained
    CustomerFactory(store=store, name="戊")
    # New customers before the window, and another store's customer that must not count.
    Customer.objects.filter(name__in=["丁", "乙", "戊"]).update(created_at=at(2024, 1, 1))
    Customer.objects.filter(name="丙").update(created_at=at(2024, 1, 1))
    Customer.objects.filter(name="甲").update(created_at=at(2024, 1, 1))
    VehicleFactory(customer__store=other_store, model="明锐")


def test_retained_customers_by_model_gender_age_and_occupation(store, archive):
    # when
    figures = archive_statistics(stores=[store], today=TODAY)
    # then: 甲, 乙, 丙 are retained; 丁 (only a lost car) and 戊 (no car) are not
    assert figures["customers_total"] == 5
    assert figures["retained_total"] == 3
    assert {r["label"]: r["count"] for r in figures["by_model"]} == {"明锐": 1, "昊锐": 1, "晶锐": 1}
    genders = {str(r["label"]): r["count"] for r in figures["by_gender"]}
    assert genders == {str(Gender.MALE.label): 1, str(Gender.FEMALE.label): 1, str(Gender.UNKNOWN.label): 1}
    ages = {str(r["label"]): r["count"] for r in figures["by_age"]}
    assert ages["<25"] == 1 and ages["25–34"] == 1 and ages["55+"] == 0 and sum(ages.values()) == 3
    occupations = [(str(r["label"]), r["count"]) for r in figures["by_occupation"]]
    assert occupations[0] == ("教师", 2) and len(occupations) == 2  # teacher, then unknown


def test_top_ten_occupations_and_the_rest_as_others(store):
    # given twelve occupations, each of one retained customer, one of them twice
    for i in range(12):
        VehicleFactory(customer=CustomerFactory(store=store, occupation=f"职业{i:02d}"))
    VehicleFactory(customer=CustomerFactory(store=store, occupation="职业05"))
    # when
    rows = archive_statistics(stores=[store], today=TODAY)["by_occupation"]
    # then
    assert rows[0] == {"label": "职业05", "count": 2}
    assert len(rows) == 11 and rows[-1]["count"] == 2  # ten named, then two others


def test_new_and_lost_customers_per_month(store, archive):
    # when
    figures = archive_statistics(stores=[store], today=TODAY)
    monthly = {row["month"]: (row["new"], row["lost"]) for row in figures["monthly"]}
    # then: twelve months, December 2025 to November 2026
    assert list(monthly)[0] == "2025-12" and list(monthly)[-1] == "2026-11" and len(monthly) == 12
    assert monthly["2026-03"][0] == 1  # 甲's first order
    assert monthly["2026-07"][0] == 1  # 丙's first visit, no order
    assert sum(n for n, _ in monthly.values()) == 2
    assert monthly["2026-08"][1] == 1  # 丁: last visit 20 Aug 2025 + 12 months
    assert monthly["2026-11"][1] == 1  # 乙's lost Octavia: 2 Nov 2025 + 12 months, already past
    assert sum(lo for _, lo in monthly.values()) == 2


def test_lost_month_follows_the_store_policy(store):
    # given a store that calls a customer lost after 6 months
    ArchivePolicy.objects.create(store=store, lost_after_months=6)
    VehicleFactory(customer__store=store, last_visit_at=at(2026, 3, 10))
    # when
    monthly = archive_statistics(stores=[store], today=TODAY)["monthly"]
    # then
    assert [row["month"] for row in monthly if row["lost"]] == ["2026-09"]


def test_statistics_run_a_fixed_number_of_queries(store, archive, django_assert_num_queries):
    with django_assert_num_queries(11):  # + policy and first-service-lost counts (issue 14)
        archive_statistics(stores=[store], today=TODAY)


def test_statistics_page_shows_tables_and_chart_data(client, store, other_store, archive):
    # given a director of both stores
    director = member(store, "care_director", username="boss")
    from huifang.accounts.models import Membership

    Membership.objects.create(user=director, role="care_director", scope="store", store=other_store)
    client.force_login(director)
    # when
    whole = client.get(reverse("archive:statistics")).content.decode()
    one = client.get(reverse("archive:statistics"), {"store": other_store.pk}).content.decode()
    # then
    assert "昊锐" in whole and 'id="stats-data"' in whole and "echarts-5.6.0.min.js" in whole
    assert 'name="store"' in whole
    assert "昊锐" not in one


def test_statistics_of_another_store_are_not_shown(client, store, other_store, archive, outsider):
    client.force_login(outsider)
    html = client.get(reverse("archive:statistics"), {"store": store.pk}).content.decode()
    assert "昊锐" not in html
