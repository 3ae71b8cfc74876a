"""Every KPI of the October data set (conftest.october) computed by hand and compared figure by figure."""

from decimal import Decimal as D

from huifang.reports import figures
from huifang.reports.choices import Kpi

from .conftest import OCTOBER


def test_complaint_kpis_match_the_hand_count(store, other_store, october):
    # given the four complaints received in October (C1..C4) and the complaint follow-up calls
    # when
    k = figures.complaint_kpis(stores=[store], month=OCTOBER)["total"]
    # then
    assert k["received"] == 4  # C1, C2, C3, C4 (C5 came on 30 Sep, the other store's is not ours)
    assert k[Kpi.COMPLAINT_SATISFACTION] == D("25.0")  # only C1's follow-up was satisfied: 1 / 4
    assert k[Kpi.COMPLAINT_TIMELINESS] == D("50.0")  # C1 and C4 contacted by the 2 h deadline: 2 / 4
    assert k[Kpi.COMPLAINT_HANDLING] == D("75.0")  # C1, C2, C4 closed: 3 / 4
    # follow-up calls made in October: C1 completed, C2 completed, C5 no answer (C4's is in November): 2 / 3
    assert (k["valid_callbacks"], k["callbacks"]) == (2, 3)
    assert k[Kpi.COMPLAINT_VALID_CALLBACK] == D("66.7")


def test_complaint_statistics_by_category_channel_and_handling_time(store, october):
    # when
    s = figures.complaint_statistics(stores=[store], month=OCTOBER)
    # then
    category = {r["code"]: (r["count"], r["percent"]) for r in s["by_category"]}
    assert category == {
        "S": (1, D("25.0")),  # C4
        "SA": (2, D("50.0")),  # C1, C3
        "SQ": (1, D("25.0")),  # C2
        "SP": (0, D("0.0")),
        "OT": (0, D("0.0")),
    }
    channel = {r["code"]: r["count"] for r in s["by_channel"] if r["count"]}
    assert channel == {"phone": 2, "in_store": 1, "follow_up_call": 1}
    buckets = {r["code"]: r["count"] for r in s["by_bucket"]}
    # C1 48 h, C2 3 days + 1 minute, C4 10 days; C3 still open
    assert buckets == {"d3": 1, "d7": 1, "d14": 1, "d30": 0, "d60": 0, "over60": 0}
    assert (s["closed"], s["open"]) == (3, 1)


def test_followup_kpis_per_store_specialist_and_advisor(store, october):
    # when
    f = figures.followup_kpis(stores=[store], month=OCTOBER, by=("store", "specialist", "advisor"))
    # then: T1..T4 due in October (T5 cancelled, T6 due in September)
    t = f["total"]
    assert (t["due"], t["attempted"], t["within"], t["reached"]) == (4, 3, 1, 2)
    assert t[Kpi.CALLBACK] == D("75.0")  # T1, T2, T3 attempted: 3 / 4
    assert t[Kpi.WITHIN_WINDOW] == D("25.0")  # only T1 done before its window end (T2 done on day 4): 1 / 4
    assert t[Kpi.REACH] == D("66.7")  # T1, T2 reached, T3 three times no answer: 2 / 3
    a, b = october["a"], october["b"]
    specialist = {r["id"]: r for r in f["specialist"]}
    assert (specialist[a.pk][Kpi.CALLBACK], specialist[a.pk][Kpi.WITHIN_WINDOW], specialist[a.pk][Kpi.REACH]) == (
        D("100.0"),  # 2 / 2
        D("50.0"),  # 1 / 2
        D("100.0"),  # 2 / 2
    )
    assert (specialist[b.pk][Kpi.CALLBACK], specialist[b.pk][Kpi.WITHIN_WINDOW], specialist[b.pk][Kpi.REACH]) == (
        D("50.0"),  # T3 of T3, T4
        D("0.0"),
        D("0.0"),  # 0 / 1
    )
    advisor = {r["id"]: r for r in f["advisor"]}
    assert advisor[october["x"].pk]["due"] == 2 and advisor[october["y"].pk]["due"] == 2
    assert advisor[october["y"].pk][Kpi.REACH] == D("0.0")
    assert [r["due"] for r in f["store"]] == [4]


def test_problem_resolution_counts_problems_and_complaints_from_calls(store, october):
    # P1 resolved, P2 open, C3 (follow-up call channel) open: 1 / 3
    p = figures.problem_resolution(stores=[store], month=OCTOBER)["total"]
    assert (p["resolved"], p["opened"], p[Kpi.PROBLEM_RESOLUTION]) == (1, 3, D("33.3"))


def test_reminder_return_reuses_the_effectiveness_figures(store, october):
    # V2's reminder (3 Oct) was followed by RO2 (10 Oct); V4's was not: 1 / 2
    r = figures.reminder_return(stores=[store], month=OCTOBER)["total"]
    assert (r["returned"], r["reminded"], r[Kpi.REMINDER_RETURN]) == (1, 2, D("50.0"))


def test_first_time_fix_and_appointment_rates(store, october):
    # October orders: RO1 repair (appointment), RO2 repair, RO3 repeat repair, RO4 maintenance (appointment),
    # RO5 warranty; RO2 has a repeat 15 days later; RO5's repeat comes 32 days later (outside 30 days).
    w = figures.workshop_kpis(stores=[store], month=OCTOBER)["total"]
    assert (w["orders"], w["appointments"], w[Kpi.APPOINTMENT]) == (5, 2, D("40.0"))
    assert (w["repairs"], w["repeated"], w["fixed"], w[Kpi.FIRST_TIME_FIX]) == (4, 1, 3, D("75.0"))


def test_css_weighted_per_item_and_total_against_the_previous_month(store, october):
    # October calls: T1 overall 9, reception 4 (of 5), come back yes; T2 overall 7, reception 5, come back no.
    # overall (90 + 70) / 2 = 80; reception (80 + 100) / 2 = 90; come back (100 + 0) / 2 = 50
    # total = (50 × 80 + 30 × 90 + 20 × 50) / (50 + 30 + 20) = 7700 / 100 = 77.0
    # September (T6): 60, 60, 100 -> (3000 + 1800 + 2000) / 100 = 68.0
    # when
    c = figures.css_comparison(stores=[store], month=OCTOBER)
    # then
    items = {i["code"]: (i["score"], i["previous"]) for i in c["items"]}
    assert items == {
        "overall": (D("80.0"), D("60.0")),
        "reception": (D("90.0"), D("60.0")),
        "come_back": (D("50.0"), D("100.0")),
    }
    assert [i["code"] for i in c["items"]] == ["overall", "reception", "come_back"]  # questionnaire order
    assert (c["total"], c["previous_total"], c["change"]) == (D("77.0"), D("68.0"), D("9.0"))
    assert c["advisors"] == [{"id": october["x"].pk, "name": "顾问X", "total": D("77.0"), "answers": 6}]


def test_kpi_actuals_collect_every_figure(store, october):
    actuals = figures.kpi_actuals(stores=[store], month=OCTOBER)
    assert actuals == {
        Kpi.COMPLAINT_SATISFACTION: D("25.0"),
        Kpi.COMPLAINT_TIMELINESS: D("50.0"),
        Kpi.COMPLAINT_HANDLING: D("75.0"),
        Kpi.COMPLAINT_VALID_CALLBACK: D("66.7"),
        Kpi.CALLBACK: D("75.0"),
        Kpi.WITHIN_WINDOW: D("25.0"),
        Kpi.REACH: D("66.7"),
        Kpi.PROBLEM_RESOLUTION: D("33.3"),
        Kpi.REMINDER_RETURN: D("50.0"),
        Kpi.CSS: D("77.0"),
        Kpi.FIRST_TIME_FIX: D("75.0"),
        Kpi.APPOINTMENT: D("40.0"),
    }


def test_customer_flow_counts_deliveries_as_new_and_the_archive_rule_as_lost(store):
    from datetime import date

    from tests.factories import CustomerFactory, VehicleFactory

    from .conftest import at

    # given two customers delivered a car in October (one of them two cars) and one in August;
    # a vehicle last seen on 15 Oct 2025 turns lost 12 months later (the archive's default), in October 2026
    first = CustomerFactory(store=store)
    VehicleFactory(customer=first, delivery_date=date(2026, 10, 3))
    VehicleFactory(customer=first, delivery_date=date(2026, 10, 20))
    VehicleFactory(customer=CustomerFactory(store=store), delivery_date=None, purchase_date=date(2026, 10, 9))
    VehicleFactory(customer=CustomerFactory(store=store), delivery_date=date(2026, 8, 1))
    VehicleFactory(
        customer=CustomerFactory(store=store), delivery_date=date(2020, 1, 1), last_visit_at=at(2025, 10, 15, 9)
    )
    # when
    flow = {row["month"]: (row["new"], row["lost"]) for row in figures.customer_flow(stores=[store], month=OCTOBER)}
    # then
    assert len(flow) == 12 and next(iter(flow)) == "2025-11"
    assert flow["2026-10"] == (2, 1)
    assert flow["2026-08"] == (1, 0)
    assert flow["2026-09"] == (0, 0)


def test_first_services_lost_are_counted_per_car_apart_from_lost_customers(store):
    from datetime import date

    from huifang.archive.choices import RepairOrderType
    from huifang.reports.monthly import monthly_report
    from tests.factories import RepairOrderFactory, VehicleFactory

    from .conftest import at

    # given a car delivered 3 Oct 2025 and never serviced (lost first service on 3 Oct 2026), one bought
    # 20 Sep 2025 without a delivery date (20 Sep 2026), and one delivered 5 Oct 2025 and serviced on 1 Jan 2026
    VehicleFactory(customer__store=store, delivery_date=date(2025, 10, 3))
    VehicleFactory(customer__store=store, delivery_date=None, purchase_date=date(2025, 9, 20))
    serviced = VehicleFactory(customer__store=store, delivery_date=date(2025, 10, 5))
    RepairOrderFactory(vehicle=serviced, opened_at=at(2026, 1, 1, 9), ro_type=RepairOrderType.FIRST_FREE_SERVICE)
    # when
    flow = {row["month"]: row["count"] for row in figures.first_service_lost_flow(stores=[store], month=OCTOBER)}
    # then one in September, one in October, and none of them is a lost customer
    assert {m: n for m, n in flow.items() if n} == {"2026-09": 1, "2026-10": 1}
    assert sum(row["lost"] for row in figures.customer_flow(stores=[store], month=OCTOBER)) == 0
    # and the monthly report carries the figure
    report = monthly_report(store=store, month=OCTOBER, today=date(2026, 11, 5))
    assert report["first_service_lost"]["monthly"][-1] == {"month": "2026-10", "count": 1}
