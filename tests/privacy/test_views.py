"""Screens and API of data rights, the retention list and the access log, with their role and store checks."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from huifang.accounts.choices import Role
from huifang.archive.models import Customer
from huifang.archive.services import phone_reveal
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.privacy.choices import ERASE_ACTION, RequestKind
from huifang.privacy.models import DataRightsRequest, PrivacyPolicy

from ..factories import PASSWORD, CustomerFactory, RepairOrderFactory, VehicleFactory, member
from .conftest import NAME, NOW, PLATE, SH


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_director_downloads_a_zip_with_one_sheet_per_kind_and_json(client, director, person):
    # when
    response = login(client, director).post(
        reverse("privacy:customer_export", args=[person.pk]), {"reason": "本人申请"}
    )
    # then
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [f"customer-{person.pk}.{ext}" for ext in ("json", "pdf", "xlsx")]
    assert archive.read(f"customer-{person.pk}.pdf").startswith(b"%PDF")
    data = json.loads(archive.read(f"customer-{person.pk}.json"))
    assert data["archive.Customer"][0]["name"] == NAME
    assert data["archive.Vehicle"][0]["plate"] == PLATE
    assert len(data["workbench.Answer"]) == 3
    assert {
        "complaints.ComplaintEvent",
        "messaging.OutboxMessage",
        "messaging.ChannelOptOut",
        "operations.ClubMember",
        "operations.EventSignup",
        "followups.ContactAttempt",
        "archive.RepairOrderLine",
        "audit.AuditEntry",
    } <= set(data)
    book = load_workbook(io.BytesIO(archive.read(f"customer-{person.pk}.xlsx")))
    assert len(book.sheetnames) == len(data)
    first = book[book.sheetnames[0]]
    assert NAME in [c.value for c in first[2]]
    # and the export is logged
    request = DataRightsRequest.objects.get(kind=RequestKind.EXPORT)
    assert (request.actor, request.reason, request.customer) == (director, "本人申请", person)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=person.pk, actor=director).count() == 1


def test_data_rights_page_offers_export_erase_and_earlier_requests(client, director, person):
    DataRightsRequest.objects.create(
        store=person.store, customer=person, kind=RequestKind.EXPORT, reason="上次导出", at=NOW, actor=director
    )
    response = login(client, director).get(reverse("privacy:customer", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="export-form"' in html and 'id="erase-form"' in html and "上次导出" in html


def test_erase_from_the_page_needs_a_reason_and_confirmation(client, director, person):
    url = reverse("privacy:customer_erase", args=[person.pk])
    response = login(client, director).post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 422
    assert "reason" in response.content.decode().lower() or "原因" in response.content.decode()
    assert Customer.objects.get(pk=person.pk).name == NAME
    response = client.post(url, {"reason": "客户申请", "confirm": "on"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=person.pk).name == f"ERASED-{person.pk}"


@pytest.mark.parametrize("role", [Role.CARE_SPECIALIST, Role.SERVICE_MANAGER])
def test_other_roles_of_the_store_may_not(client, store, person, role):
    user = member(store, role, username=f"u_{role}")
    login(client, user)
    assert client.get(reverse("privacy:customer", args=[person.pk])).status_code == 403
    assert (
        client.post(reverse("privacy:customer_erase", args=[person.pk]), {"reason": "x", "confirm": "on"}).status_code
        == 403
    )
    assert client.get(reverse("privacy:access_log")).status_code == 403


def test_another_stores_director_gets_404(client, other_director, person, store):
    login(client, other_director)
    for name in ("privacy:customer",):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    for name in ("privacy:customer_export", "privacy:customer_erase"):
        assert client.post(reverse(name, args=[person.pk]), {"reason": "x", "confirm": "on"}).status_code == 404
    assert client.get(reverse("privacy:retention", args=[store.pk])).status_code == 404
    assert client.post(reverse("privacy:policy_edit", args=[store.pk]), {"retention_years": 2}).status_code == 404
    assert Customer.objects.get(pk=person.pk).name == NAME
    assert client.get(f"/api/privacy/customers/{person.pk}/data").status_code == 404


def _old_customer(store, name, last_visit):
    customer = CustomerFactory(store=store, name=name)
    Customer.objects.filter(pk=customer.pk).update(created_at=last_visit)
    if last_visit:
        RepairOrderFactory(vehicle=VehicleFactory(customer=customer), opened_at=last_visit)
    return customer


def test_retention_list_shows_only_customers_past_the_stores_period(client, director, store, other_store):
    # given: activity 6 and 4 years ago; the other store's old customer is not listed
    old = _old_customer(store, "老客户甲", NOW - timedelta(days=6 * 365))
    recent = _old_customer(store, "老客户乙", NOW - timedelta(days=4 * 365))
    _old_customer(other_store, "别店客户", NOW - timedelta(days=9 * 365))
    # when
    response = login(client, director).get(reverse("privacy:retention", args=[store.pk]))
    # then
    listed = [c.pk for c in response.context["page"]]
    assert listed == [old.pk]
    # a shorter period (3 years) lists both
    client.post(reverse("privacy:policy_edit", args=[store.pk]), {"retention_years": 3})
    assert PrivacyPolicy.objects.get(store=store).retention_years == 3
    listed = [c.pk for c in client.get(reverse("privacy:retention", args=[store.pk])).context["page"]]
    assert listed == [old.pk, recent.pk]


def test_selected_customers_are_erased_with_one_reason(client, director, store):
    a = _old_customer(store, "老客户甲", NOW - timedelta(days=7 * 365))
    b = _old_customer(store, "老客户乙", NOW - timedelta(days=6 * 365))
    keep = _old_customer(store, "老客户丙", NOW - timedelta(days=8 * 365))
    url = reverse("privacy:retention", args=[store.pk])
    response = login(client, director).post(url, {"customers": [a.pk, b.pk], "reason": "保留期满", "confirm": "on"})
    assert response.status_code == 302
    names = dict(Customer.objects.filter(pk__in=[a.pk, b.pk, keep.pk]).values_list("pk", "name"))
    assert names == {a.pk: f"ERASED-{a.pk}", b.pk: f"ERASED-{b.pk}", keep.pk: "老客户丙"}
    assert (
        list(DataRightsRequest.objects.filter(kind=RequestKind.ERASE).values_list("reason", flat=True))
        == ["保留期满"] * 2
    )
    # erased customers leave the list
    listed = [c.pk for c in client.get(url).context["page"]]
    assert listed == [keep.pk]


def test_retention_erase_refuses_another_stores_customer(client, director, store, other_store):
    foreign = _old_customer(other_store, "别店客户", NOW - timedelta(days=9 * 365))
    url = reverse("privacy:retention", args=[store.pk])
    response = login(client, director).post(url, {"customers": [foreign.pk], "reason": "x", "confirm": "on"})
    assert response.status_code == 422
    assert Customer.objects.get(pk=foreign.pk).name == "别店客户"


def _log(store, director, specialist):
    customer = CustomerFactory(store=store)
    for days, actor in ((1, specialist), (2, specialist), (10, director)):
        phone_reveal(customer=customer, field="mobile", actor=actor, now=NOW - timedelta(days=days))
    AuditEntry.objects.create(at=NOW, store=store, actor=director, action=AuditAction.UPDATE, object_repr="not logged")
    return customer


def test_access_log_filters_by_who_action_and_dates(client, director, specialist, store, other_store):
    _log(store, director, specialist)
    _log(other_store, director, specialist)  # another store's reveals are not shown
    login(client, director)
    url = reverse("privacy:access_log")
    assert client.get(url).context["page"].paginator.count == 3
    assert client.get(url, {"actor": specialist.pk}).context["page"].paginator.count == 2
    assert client.get(url, {"action": AuditAction.EXPORT}).context["page"].paginator.count == 0
    since = (NOW - timedelta(days=5)).astimezone(SH).date().isoformat()
    rows = client.get(url, {"since": since, "action": AuditAction.REVEAL_PHONE}).context["page"]
    assert [e.actor for e in rows] == [specialist, specialist]


def test_access_log_pages_with_a_fixed_number_of_queries(
    client, director, specialist, store, django_assert_max_num_queries
):
    customer = CustomerFactory(store=store)
    for minutes in range(60):
        phone_reveal(customer=customer, field="mobile", actor=specialist, now=NOW - timedelta(minutes=minutes))
    login(client, director)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("privacy:access_log"), {"page": 2})
    assert len(response.context["page"].object_list) == 10


def test_access_log_export_is_an_xlsx_and_is_logged_itself(client, director, specialist, store):
    _log(store, director, specialist)
    response = login(client, director).get(reverse("privacy:access_log_export"), {"actor": specialist.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + 2
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=director, store=store).count() == 1
    # the export now shows in the log
    assert (
        client.get(reverse("privacy:access_log"), {"action": AuditAction.EXPORT}).context["page"].paginator.count == 1
    )


def test_access_log_export_details_read_as_on_the_screen(client, director, specialist, store, person):
    # given a reveal (of another customer: an erasure masks its customer's trail), an erasure and an export
    # of the log filtered by who and what
    phone_reveal(customer=CustomerFactory(store=store), field="mobile", actor=specialist, now=NOW - timedelta(days=1))
    login(client, director).post(
        reverse("privacy:customer_erase", args=[person.pk]), {"reason": "本人申请", "confirm": "on"}
    )
    client.get(reverse("privacy:access_log_export"), {"actor": specialist.pk, "action": AuditAction.REVEAL_PHONE})
    # when the whole log is exported
    response = client.get(reverse("privacy:access_log_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    details = {row[3]: row[5] for row in rows}
    # then the details column names each key and value in Chinese, no code names or query strings
    assert details["查看完整号码"] == "号码字段: 手机"
    erased = dict(part.split(": ") for part in details["已删除(匿名化)"].split("; "))  # PostgreSQL orders JSON keys
    assert erased["原因"] == "本人申请" and erased["客户"] == "1" and int(erased["改动的记录"]) > 0
    assert details["导出"] == f"访问日志筛选条件: 操作人 #{specialist.pk}, 操作 查看完整号码"
    for text in details.values():
        assert not any(code in text for code in ("field", "mobile", "reason", "actor=", "access_log"))


def test_erasure_shows_in_the_access_log(client, director, person, now):
    login(client, director).post(
        reverse("privacy:customer_erase", args=[person.pk]), {"reason": "申请", "confirm": "on"}
    )
    page = client.get(reverse("privacy:access_log"), {"action": ERASE_ACTION}).context["page"]
    assert [(e.object_id, e.actor) for e in page] == [(person.pk, director)]


# --- API ---------------------------------------------------------------------------------------------


def test_api_erase_and_log(client, director, person):
    login(client, director)
    bad = client.post(f"/api/privacy/customers/{person.pk}/erase", {"reason": " "}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.post(f"/api/privacy/customers/{person.pk}/erase", {"reason": "申请"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["counts"]["archive.Customer"] == 1
    log = client.get("/api/privacy/access-log", {"action": ERASE_ACTION}).json()
    assert log["count"] == 1 and log["items"][0]["changes"]["reason"] == "申请"


def test_api_data_is_the_export_and_is_logged(client, director, person):
    data = login(client, director).get(f"/api/privacy/customers/{person.pk}/data").json()["data"]
    assert data["archive.Customer"][0]["mobile"] == person.mobile
    assert DataRightsRequest.objects.filter(kind=RequestKind.EXPORT, customer=person).count() == 1


def test_api_refuses_other_roles_and_stores(client, specialist, other_director, person, store):
    login(client, specialist)
    assert client.get(f"/api/privacy/customers/{person.pk}/data").status_code == 404
    assert client.get("/api/privacy/access-log").status_code == 403
    client.logout()
    login(client, other_director)
    assert (
        client.post(
            f"/api/privacy/customers/{person.pk}/erase", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/privacy/stores/{store.pk}/retention").status_code == 404
    assert client.get("/api/privacy/access-log", {"store_id": store.pk}).status_code == 404
    assert Customer.objects.get(pk=person.pk).name == NAME


def test_api_retention(client, director, store):
    old = _old_customer(store, "老客户甲", NOW - timedelta(days=6 * 365))
    rows = login(client, director).get(f"/api/privacy/stores/{store.pk}/retention").json()
    assert [r["id"] for r in rows] == [old.pk]


def test_customer_page_button_only_for_directors(rf, director, specialist, person):
    from django.template.loader import render_to_string

    for user, shown in ((director, True), (specialist, False)):
        request = rf.get("/")
        request.user = user
        html = render_to_string("privacy/_customer_actions.html", {"customer": person, "request": request})
        assert ("privacy-data-rights" in html) is shown
