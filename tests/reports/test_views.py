"""Report screens: who sees what (outsider 404, specialist 403), forms, exports, query counts."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import Workbook

from huifang.accounts.choices import Role
from huifang.reports.choices import Kpi
from huifang.reports.models import Benchmark, KpiTarget, PdcaEntry, RecordingAudit

from ..factories import member
from .conftest import NOW, OCTOBER, at
from .factories import TaskFactory, call, questionnaire_for


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    monkeypatch.setattr("huifang.core.clock.now", lambda: NOW)
    monkeypatch.setattr("huifang.core.clock.today", lambda: NOW.date())


STORE_SCREENS = ["reports:monthly", "reports:monthly_pdf", "reports:monthly_xlsx", "reports:pdca"]
DIRECTOR_SCREENS = ["reports:targets", "reports:benchmarks"]


@pytest.mark.parametrize("name", STORE_SCREENS + DIRECTOR_SCREENS + ["reports:staff"])
def test_outsider_gets_404_on_another_stores_report(client, store, outsider, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[store.pk])).status_code == 404


@pytest.mark.parametrize("name", STORE_SCREENS + DIRECTOR_SCREENS + ["reports:staff"])
def test_specialist_gets_403_on_report_screens(client, store, specialist, name):
    client.force_login(specialist)
    assert client.get(reverse(name, args=[store.pk])).status_code == 403


@pytest.mark.parametrize("name", DIRECTOR_SCREENS)
def test_service_manager_reads_reports_but_may_not_edit_targets(client, store, manager, name):
    client.force_login(manager)
    assert client.get(reverse("reports:monthly", args=[store.pk])).status_code == 200
    assert client.get(reverse(name, args=[store.pk])).status_code == 403


def test_manager_may_not_write_the_pdca_sheet(client, store, manager):
    client.force_login(manager)
    response = client.post(reverse("reports:pdca", args=[store.pk]), {"kpi": Kpi.CSS, "measures": "x", "owner": "y"})
    assert response.status_code == 403
    assert not PdcaEntry.objects.exists()


def test_group_screens_deny_specialists(client, specialist):
    client.force_login(specialist)
    assert client.get(reverse("reports:kpis")).status_code == 403
    assert client.get(reverse("reports:css")).status_code == 403


def test_monthly_report_screen_shows_the_figures(client, store, october, director):
    client.force_login(director)
    response = client.get(reverse("reports:monthly", args=[store.pk]) + "?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert "77.0" in html  # the CSS total computed by hand in test_figures
    assert "66.7%" in html and "25.0%" in html
    assert "monthly-data" in html  # the ECharts data


def test_bad_month_is_404(client, store, director):
    client.force_login(director)
    assert client.get(reverse("reports:monthly", args=[store.pk]) + "?month=2026-13").status_code == 404


def test_monthly_report_query_count_does_not_grow_with_data(client, store, director, django_assert_num_queries):
    # given one month of data, then five times as many calls, tasks and answers
    def add_calls(n, start):
        for i in range(n):
            task = TaskFactory(customer__store=store, due_at=at(2026, 10, 2 + (start + i) % 25, 9))
            call(task, at(2026, 10, 2 + (start + i) % 25, 10), caller=director, answers={"overall": 8})

    client.force_login(director)
    url = reverse("reports:monthly", args=[store.pk]) + "?month=2026-10"
    add_calls(2, 0)
    client.get(url)  # the first visit creates the store's report settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add_calls(10, 2)
    # then the same number of queries
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_director_writes_a_pdca_line(client, store, october, director):
    client.force_login(director)
    url = reverse("reports:pdca", args=[store.pk]) + "?month=2026-10"
    response = client.post(
        url,
        {
            "kpi": Kpi.CALLBACK,
            "cause_analysis": "专员请假",
            "measures": "增加一名回访专员",
            "owner": "王总监",
            "completion_date": "2026-11-30",
        },
    )
    assert response.status_code == 302
    entry = PdcaEntry.objects.get()
    assert (entry.month, entry.kpi, entry.owner, entry.completion_date.isoformat()) == (
        OCTOBER,
        Kpi.CALLBACK,
        "王总监",
        "2026-11-30",
    )
    page = client.get(url).content.decode()
    assert "增加一名回访专员" in page and "×" in page  # callback 75 % against 100 %


def test_measures_without_an_owner_are_refused_naming_the_field(client, store, director):
    client.force_login(director)
    response = client.post(
        reverse("reports:pdca", args=[store.pk]) + "?month=2026-10", {"kpi": Kpi.CSS, "measures": "培训"}
    )
    assert response.status_code == 422
    assert "Name who carries out the measures." in response.content.decode() or "负责" in response.content.decode()
    assert not PdcaEntry.objects.exists()


def test_pdca_entry_page_edits_one_line(client, store, director, other_store):
    entry = PdcaEntry.objects.create(store=store, month=OCTOBER, kpi=Kpi.CSS, updated_at=NOW)
    foreign = PdcaEntry.objects.create(store=other_store, month=OCTOBER, kpi=Kpi.CSS, updated_at=NOW)
    client.force_login(director)
    assert client.get(reverse("reports:pdca_entry", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("reports:pdca_entry", args=[entry.pk]), {"kpi": Kpi.CSS, "measures": "话术培训", "owner": "李"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.measures, entry.owner) == ("话术培训", "李")


def test_director_sets_targets(client, store, director):
    client.force_login(director)
    url = reverse("reports:targets", args=[store.pk])
    context = client.get(url).context
    data = {name: context["form"][name].value() for name in context["form"].fields}
    data |= {name: context["policy_form"][name].value() for name in context["policy_form"].fields}
    data[f"target_{Kpi.REACH}"] = "80"
    data["implausible_seconds"] = "20"
    assert client.post(url, data).status_code == 302
    assert KpiTarget.objects.get(store=store, kpi=Kpi.REACH).target == D(80)
    assert store.report_policy.implausible_seconds == 20
    data[f"target_{Kpi.REACH}"] = "120"
    response = client.post(url, data)
    assert response.status_code == 422


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_benchmark_import_reads_the_seed_table(client, store, director):
    # given the seed 002 layout: CSS items as columns, 权重/上期/本期/RBO/全国平均分 rows
    questionnaire_for(store, NOW)
    content = _xlsx(
        [
            ["", "成功样本量", "整体满意度", "reception", "再次到店", "CSS分数"],
            ["权重", "", 50, 30, 20, 100],
            ["上期", 108, 84, 88, 88, 86],
            ["本期", 97, 80, 88.9, 75.6, 83.5],
            ["RBO", 551, 82.1, 85.3, 84.1, 88.4],
            ["全国平均分", 5895, 83.6, 85.8, 85.5, 88.9],
        ]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(director)
    response = client.post(
        reverse("reports:benchmarks", args=[store.pk]),
        {"month": "2026-10", "file": SimpleUploadedFile("css.xlsx", content)},
    )
    assert response.status_code == 302
    rows = {b.code: b for b in Benchmark.objects.filter(store=store, month=OCTOBER)}
    assert set(rows) == {"overall", "reception", "come_back", "total"}
    assert (rows["total"].previous_score, rows["total"].current_score) == (D("86"), D("83.5"))
    assert (rows["reception"].region_average, rows["reception"].national_average) == (D("85.3"), D("85.8"))
    # and the CSS screen shows them next to the internal figures
    page = client.get(reverse("reports:css") + "?month=2026-10").content.decode()
    assert "88.4" in page and "88.9" in page


def test_benchmark_import_lists_row_and_field_errors_and_saves_nothing(client, store, director):
    questionnaire_for(store, NOW)
    csv = "项目,整体满意度,服务环境,CSS分数\n本期,80,70,101\n去年,1,2,3\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(director)
    response = client.post(
        reverse("reports:benchmarks", args=[store.pk]),
        {"month": "2026-10", "file": SimpleUploadedFile("css.csv", csv)},
    )
    assert response.status_code == 422
    errors = [(e["row"], e["column"]) for e in response.context["result"]["errors"]]
    assert errors == [(1, "服务环境"), (2, "CSS分数"), (3, "去年")]
    assert not Benchmark.objects.exists()


def test_audit_sample_and_score(client, store, director):
    s = member(store, Role.CARE_SPECIALIST, username="spec_e", display_name="专员戊")
    task = TaskFactory(customer__store=store, due_at=at(2026, 10, 3, 9))
    call(task, at(2026, 10, 3, 10), caller=s, recording_url="https://pbx.example.com/1.mp3")
    client.force_login(director)
    response = client.post(reverse("reports:audit_sample", args=[store.pk]) + "?month=2026-10", {"seed": "x"})
    assert response.status_code == 302
    audit = RecordingAudit.objects.get()
    assert client.post(reverse("reports:audit_edit", args=[audit.pk]), {"score": "101"}).status_code == 422
    assert (
        client.post(reverse("reports:audit_edit", args=[audit.pk]), {"score": "88", "notes": "礼貌"}).status_code == 302
    )
    audit.refresh_from_db()
    assert (audit.score, audit.auditor) == (88, director)
    page = client.get(reverse("reports:staff", args=[store.pk]) + "?month=2026-10").content.decode()
    assert "专员戊" in page and "88" in page


def test_audit_of_another_store_is_404(client, store, other_store, director):
    other = member(other_store, Role.CARE_SPECIALIST)
    task = TaskFactory(customer__store=other_store, due_at=at(2026, 10, 3, 9))
    c = call(task, at(2026, 10, 3, 10), caller=other, recording_url="https://pbx.example.com/2.mp3")
    audit = RecordingAudit.objects.create(store=other_store, call=c, month=OCTOBER, specialist=other, sampled_at=NOW)
    client.force_login(director)
    assert client.get(reverse("reports:audit_edit", args=[audit.pk])).status_code == 404


def test_exports_answer_with_files(client, store, october, director):
    client.force_login(director)
    pdf = client.get(reverse("reports:monthly_pdf", args=[store.pk]) + "?month=2026-10")
    xlsx = client.get(reverse("reports:monthly_xlsx", args=[store.pk]) + "?month=2026-10")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert xlsx.content.startswith(b"PK") and "monthly-SZ01-2026-10.xlsx" in xlsx["Content-Disposition"]


def test_dashboard_per_role(client, store, other_store, specialist, director):
    # given one overdue and one due-today task of the specialist, a call today
    TaskFactory(customer__store=store, due_at=at(2026, 11, 1, 9), assigned_to=specialist)
    task = TaskFactory(customer__store=store, due_at=at(2026, 11, 5, 9), assigned_to=specialist)
    call(task, at(2026, 11, 5, 9, 30), caller=specialist)
    # when / then: the specialist sees their day
    client.force_login(specialist)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    mine = response.context["mine"]
    assert (mine["overdue"], mine["due_now"], mine["calls_today"], mine["reach_today"]) == (1, 1, 1, D("100.0"))
    assert "team" not in response.context
    # the director sees the store's day with 30 days of trend
    client.force_login(director)
    team = client.get(reverse("reports:dashboard")).context["team"]
    assert team["calls_today"] == 1 and len(team["trend"]["days"]) == 30 and team["trend"]["days"][-1] == "11-05"
    # a group manager sees the stores side by side
    group = member(store, Role.GROUP_MANAGER)
    client.force_login(group)
    rows = client.get(reverse("reports:dashboard")).context["side_by_side"]
    assert [r["store"].code for r in rows] == ["SZ01"]


def test_api_returns_kpis_and_denies_others(client, store, october, director, outsider, specialist):
    client.force_login(director)
    body = client.get(f"/api/reports/stores/{store.pk}/kpis?month=2026-10").json()
    kpis = {k["kpi"]: (k["actual"], k["mark"]) for k in body["kpis"]}
    assert kpis["callback"] == (75.0, "×") and kpis["css"] == (77.0, "×")
    monthly = client.get(f"/api/reports/stores/{store.pk}/monthly?month=2026-10").json()
    assert monthly["complaints"]["received"] == 4 and monthly["css"]["total"] == 77.0
    assert client.get(f"/api/reports/stores/{store.pk}/css?month=2026-10").json()["total"] == 77.0
    client.force_login(outsider)
    assert client.get(f"/api/reports/stores/{store.pk}/kpis").status_code == 404
    client.force_login(specialist)
    assert client.get(f"/api/reports/stores/{store.pk}/kpis").status_code == 403
