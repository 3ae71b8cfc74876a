"""The archive JSON API: search, the 360 read with masked phones, logged reveals, audited corrections."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from huifang.accounts.choices import Role
from huifang.archive.choices import ContactRole, ImportStatus, RepairOrderType
from huifang.archive.models import Contact, Customer, ImportBatch, ImportRejection, MileageReading, RepairOrderLine
from huifang.archive.services import vehicle_figures_refresh
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")
API = "/api/archive"


@pytest.fixture
def zhang(store):
    """张三 of the test store: mobile 138 1234 5678, a company-car driver, one Octavia serviced twice."""
    customer = CustomerFactory(store=store, name="张三", mobile="+8613812345678", home_phone="+861065529988")
    customer.phone_digits = "13812345678 01065529988"
    customer.save()
    Contact.objects.create(customer=customer, role=ContactRole.DRIVER, name="李司机", phone="+8613900001111")
    vehicle = VehicleFactory(customer=customer, plate="粤B12345", model="明锐", delivery_date=date(2025, 1, 1))
    for opened, km in (("2026-05-01", 10000), ("2026-08-09", 15000)):
        order = RepairOrderFactory(
            vehicle=vehicle,
            ro_type=RepairOrderType.MAINTENANCE,
            opened_at=datetime.fromisoformat(opened).replace(hour=10, tzinfo=SH),
            mileage_in=km,
            total_amount=Decimal("680.00"),
        )
        RepairOrderLine.objects.create(repair_order=order, description="更换机油", amount=Decimal("380.00"))
        MileageReading.objects.create(vehicle=vehicle, read_on=date.fromisoformat(opened), km=km, source="repair_order")
    vehicle_figures_refresh(store=store, today=date(2026, 11, 25))
    return customer


@pytest.fixture
def stranger(other_store):
    """A customer of another store, with a name that would match the same searches."""
    customer = CustomerFactory(store=other_store, name="张三丰", mobile="+8613812349999")
    VehicleFactory(customer=customer, plate="粤B12399")
    return customer


def test_search_by_initials_finds_own_store_customer_only(client, specialist, zhang, stranger):
    # given
    client.force_login(specialist)
    # when
    response = client.get(f"{API}/customers", {"q": "zs"})
    # then
    body = response.json()
    assert response.status_code == 200
    assert [item["name"] for item in body["items"]] == ["张三"]
    assert body["count"] == 1
    assert body["items"][0]["mobile"] == "138****5678"
    assert body["items"][0]["vehicles"][0]["plate"] == "粤B12345"
    assert body["items"][0]["store"]["code"] == "SZ01"


@pytest.mark.parametrize("query", ["138 1234 5678", "+86-138-1234-5678", "粤b12345", "zhangsan", "张三"])
def test_search_finds_by_phone_plate_and_name_in_any_spelling(client, specialist, zhang, stranger, query):
    client.force_login(specialist)
    response = client.get(f"{API}/customers", {"q": query})
    assert [item["id"] for item in response.json()["items"]] == [zhang.pk]


def test_search_with_another_stores_code_is_404(client, specialist, zhang, other_store):
    client.force_login(specialist)
    assert client.get(f"{API}/customers", {"store": other_store.code}).status_code == 404
    assert client.get(f"{API}/customers", {"store": "SZ01"}).json()["count"] == 1


def test_search_pages_through_results(client, specialist, store):
    # given 25 customers named 王…
    for n in range(25):
        CustomerFactory(store=store, name=f"王{n:02d}")
    client.force_login(specialist)
    # when
    first = client.get(f"{API}/customers", {"q": "王", "limit": 10}).json()
    last = client.get(f"{API}/customers", {"q": "王", "limit": 10, "offset": 20}).json()
    # then
    assert first["count"] == 25
    assert [c["name"] for c in first["items"]] == [f"王{n:02d}" for n in range(10)]
    assert [c["name"] for c in last["items"]] == [f"王{n:02d}" for n in range(20, 25)]
    assert client.get(f"{API}/customers", {"limit": 500}).status_code == 422


def test_search_query_count_does_not_grow_with_hits(client, specialist, store, django_assert_num_queries):
    # given 30 customers with two vehicles each
    for n in range(30):
        customer = CustomerFactory(store=store, name=f"李{n:02d}")
        VehicleFactory(customer=customer)
        VehicleFactory(customer=customer)
    client.force_login(specialist)
    # when / then: session, user, count, page, vehicles of the page
    with django_assert_num_queries(5):
        response = client.get(f"{API}/customers", {"q": "李", "limit": 30})
    assert len(response.json()["items"]) == 30
    assert all(len(item["vehicles"]) == 2 for item in response.json()["items"])


def test_detail_masks_every_phone_and_shows_derived_figures(client, specialist, zhang):
    client.force_login(specialist)
    # when
    body = client.get(f"{API}/customers/{zhang.pk}").json()
    # then
    assert body["name"] == "张三"
    assert body["mobile"] == "138****5678"
    assert body["home_phone"] == "010****9988"
    assert body["office_phone"] == ""
    assert body["contacts"] == [
        {
            "id": zhang.contacts.get().pk,
            "role": "driver",
            "name": "李司机",
            "phone": "139****1111",
            "extension": "",
            "department": "",
            "note": "",
        }
    ]
    vehicle = body["vehicles"][0]
    assert vehicle["plate"] == "粤B12345"
    assert vehicle["last_maintenance_km"] == 15000
    assert vehicle["next_maintenance_km"] == 20000
    assert vehicle["avg_days_between_maintenance"] == pytest.approx(100.0)
    assert vehicle["is_lost"] is False
    assert body["may_reveal_phone"] is True
    assert "13812345678" not in str(body)


def test_detail_of_another_stores_customer_is_404(client, outsider, zhang):
    client.force_login(outsider)
    assert client.get(f"{API}/customers/{zhang.pk}").status_code == 404


def test_reveal_returns_the_full_number_and_logs_it(client, specialist, zhang):
    client.force_login(specialist)
    # when
    response = client.post(
        f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
    )
    # then
    assert response.status_code == 200
    assert response.json() == {"field": "mobile", "number": "138 1234 5678"}
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL_PHONE)
    assert (entry.actor, entry.object_id, entry.source, entry.changes) == (
        specialist,
        zhang.pk,
        "api",
        {"field": "mobile"},
    )


def test_reveal_of_an_unknown_field_is_422_and_not_logged(client, specialist, zhang):
    client.force_login(specialist)
    response = client.post(
        f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "id_number"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert not AuditEntry.objects.exists()


def test_reveal_by_a_role_that_does_not_call_is_403_and_by_an_outsider_404(client, store, outsider, zhang):
    regional = member(store, Role.GROUP_MANAGER)
    client.force_login(regional)
    assert (
        client.post(
            f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(outsider)
    assert (
        client.post(
            f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert not AuditEntry.objects.exists()


def test_patch_with_a_bad_phone_is_422_naming_the_field(client, specialist, zhang):
    client.force_login(specialist)
    # when
    response = client.patch(
        f"{API}/customers/{zhang.pk}", {"mobile": "12345", "address": "深圳"}, content_type="application/json"
    )
    # then
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [e["loc"][-1] for e in errors] == ["mobile"]
    assert "12345" in errors[0]["msg"]
    zhang.refresh_from_db()
    assert (zhang.mobile, zhang.address) == ("+8613812345678", "")


def test_patch_normalises_the_phone_and_records_the_change(client, specialist, zhang):
    client.force_login(specialist)
    # when
    response = client.patch(
        f"{API}/customers/{zhang.pk}",
        {"mobile": "139-0000-2222", "occupation": "律师", "birthday": "1980-02-03"},
        content_type="application/json",
    )
    # then the answer is masked, the row normalised and searchable, the change audited
    assert response.status_code == 200
    assert response.json()["mobile"] == "139****2222"
    assert response.json()["sensitive_occupation"] is True
    zhang.refresh_from_db()
    assert zhang.mobile == "+8613900002222"
    assert "13900002222" in zhang.phone_digits
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=zhang.pk)
    assert entry.actor == specialist
    assert entry.source == "api"
    assert entry.changes["mobile"] == ["+8613812345678", "+8613900002222"]
    assert entry.changes["birthday"] == [None, "1980-02-03"]


def test_patch_null_name_is_ignored_and_unchanged_data_writes_nothing(client, specialist, zhang):
    client.force_login(specialist)
    response = client.patch(
        f"{API}/customers/{zhang.pk}", {"name": None, "mobile": "13812345678"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Customer.objects.get(pk=zhang.pk).name == "张三"
    assert not AuditEntry.objects.exists()


def test_patch_by_a_role_that_does_not_edit_is_403_and_by_an_outsider_404(client, store, outsider, zhang):
    advisor = member(store, Role.SERVICE_ADVISOR)
    client.force_login(advisor)
    assert (
        client.patch(f"{API}/customers/{zhang.pk}", {"address": "x"}, content_type="application/json").status_code
        == 403
    )
    client.force_login(outsider)
    assert (
        client.patch(f"{API}/customers/{zhang.pk}", {"address": "x"}, content_type="application/json").status_code
        == 404
    )
    zhang.refresh_from_db()
    assert zhang.address == ""


def test_audit_trail_shows_changes_with_phones_masked(client, specialist, director, zhang):
    # given a correction by the specialist
    client.force_login(specialist)
    client.patch(
        f"{API}/customers/{zhang.pk}", {"mobile": "13900002222", "level": "A"}, content_type="application/json"
    )
    client.post(f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "home_phone"}, content_type="application/json")
    # when the director reads the trail
    client.force_login(director)
    body = client.get(f"{API}/customers/{zhang.pk}/audit").json()
    # then
    assert body["count"] == 2
    reveal, update = body["items"]
    assert reveal["action"] == "reveal_phone"
    assert update["action"] == "update"
    assert update["actor"] == str(specialist)
    assert update["object_type"] == "customer"
    assert update["changes"] == {"mobile": ["138****5678", "139****2222"], "level": ["", "A"]}


def test_vehicles_by_plate_and_vin(client, specialist, zhang, stranger):
    client.force_login(specialist)
    vehicle = zhang.vehicles.get()
    # when
    by_plate = client.get(f"{API}/vehicles", {"plate": "粤b·123"}).json()
    by_vin = client.get(f"{API}/vehicles", {"vin": vehicle.vin[-6:]}).json()
    detail = client.get(f"{API}/vehicles/{vehicle.pk}").json()
    # then
    assert [v["id"] for v in by_plate["items"]] == [vehicle.pk]
    assert [v["id"] for v in by_vin["items"]] == [vehicle.pk]
    assert detail["customer_name"] == "张三"
    assert [r["km"] for r in detail["mileage_readings"]] == [10000, 15000]
    assert client.get(f"{API}/vehicles/{stranger.vehicles.get().pk}").status_code == 404


def test_repair_orders_with_lines_filtered_by_date(client, specialist, zhang, stranger):
    RepairOrderFactory(vehicle=stranger.vehicles.get())
    client.force_login(specialist)
    # when
    everything = client.get(f"{API}/repair-orders", {"customer": zhang.pk}).json()
    august = client.get(f"{API}/repair-orders", {"since": "2026-08-09", "until": "2026-08-09"}).json()
    foreign = client.get(f"{API}/repair-orders", {"customer": stranger.pk}).json()
    # then
    assert everything["count"] == 2
    assert [o["mileage_in"] for o in everything["items"]] == [15000, 10000]
    assert everything["items"][0]["lines"][0]["description"] == "更换机油"
    assert everything["items"][0]["plate"] == "粤B12345"
    assert [o["mileage_in"] for o in august["items"]] == [15000]
    assert foreign["count"] == 0


def test_every_endpoint_needs_authentication(client, zhang):
    assert client.get(f"{API}/customers").status_code == 401
    assert client.get(f"{API}/customers/{zhang.pk}").status_code == 401
    assert (
        client.post(
            f"{API}/customers/{zhang.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
        ).status_code
        == 401
    )


def test_openapi_schema_lists_every_archive_route_with_responses(client):
    # when
    response = client.get("/api/openapi.json")
    # then
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        ("/api/archive/customers", "get"),
        ("/api/archive/customers/{customer_id}", "get"),
        ("/api/archive/customers/{customer_id}", "patch"),
        ("/api/archive/customers/{customer_id}/reveal-phone", "post"),
        ("/api/archive/customers/{customer_id}/audit", "get"),
        ("/api/archive/vehicles", "get"),
        ("/api/archive/vehicles/{vehicle_id}", "get"),
        ("/api/archive/repair-orders", "get"),
        ("/api/archive/imports", "post"),
        ("/api/archive/imports/{batch_id}", "get"),
        ("/api/archive/imports/{batch_id}/rejections", "get"),
    }
    found = {(path, method) for path, methods in paths.items() for method in methods}
    assert expected <= found
    for path, method in expected:
        operation = paths[path][method]
        assert operation["operationId"].startswith("archive_")
        assert " / " in operation["summary"]
        assert "401" in operation["responses"]
        if "{" in path:
            assert "404" in operation["responses"]
    assert client.get("/api/docs").status_code == 200


# DMS import through the API


@pytest.fixture
def batch(store, specialist):
    batch = ImportBatch.objects.create(
        store=store,
        created_by=specialist,
        filename="dms.csv",
        status=ImportStatus.RUNNING,
        rows_total=3,
        rows_rejected=1,
        counts={"customers": {"created": 2}},
    )
    ImportRejection.objects.create(batch=batch, row_number=3, field="vin", value="LSV123", reason="VIN must have 17")
    return batch


def test_import_status_shows_progress_and_counts(client, specialist, batch):
    cache.set(f"import-progress:{batch.pk}", {"phase": "repair_orders", "done": 2, "total": 3})
    client.force_login(specialist)
    # when
    body = client.get(f"{API}/imports/{batch.pk}").json()
    # then
    assert body["status"] == "running"
    assert body["progress"] == {"phase": "repair_orders", "done": 2, "total": 3}
    assert body["rows_rejected"] == 1
    assert body["counts"] == {"customers": {"created": 2}}
    assert body["rejections_url"] == f"{API}/imports/{batch.pk}/rejections"


def test_import_rejections_list_row_field_and_reason(client, specialist, batch):
    client.force_login(specialist)
    body = client.get(f"{API}/imports/{batch.pk}/rejections").json()
    assert body["items"] == [
        {
            "severity": "error",
            "sheet": "",
            "row_number": 3,
            "field": "vin",
            "value": "LSV123",
            "reason": "VIN must have 17",
        }
    ]


def test_import_rejections_need_an_importing_role_and_the_store(client, store, outsider, batch):
    client.force_login(member(store, Role.SERVICE_ADVISOR))
    assert client.get(f"{API}/imports/{batch.pk}/rejections").status_code == 403
    client.force_login(outsider)
    assert client.get(f"{API}/imports/{batch.pk}").status_code == 404
    assert client.get(f"{API}/imports/{batch.pk}/rejections").status_code == 404


def _upload(name="dms.csv", text="客户名称,手机\n张三,13812345678\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_import_upload_into_another_store_is_404_and_without_the_role_403(client, store, other_store, outsider):
    client.force_login(outsider)
    assert client.post(f"{API}/imports", {"file": _upload(), "store": store.code}).status_code == 404
    client.force_login(member(store, Role.SERVICE_ADVISOR))
    assert client.post(f"{API}/imports", {"file": _upload(), "store": store.code}).status_code == 403
    assert not ImportBatch.objects.exists()


def test_import_upload_runs_the_import_and_reports_rejected_rows(
    client, specialist, store, settings, django_capture_on_commit_callbacks
):
    # given the worker runs tasks at once
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(specialist)
    csv = "客户编号,客户名称,手机\nC001,赵六,13812345678\nC002,钱七,12345\n"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/imports", {"file": _upload(text=csv), "store": store.code})
    # then
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    batch = ImportBatch.objects.get()
    assert (batch.store, batch.created_by, batch.filename, batch.dry_run) == (store, specialist, "dms.csv", False)
    status = client.get(status_url).json()
    assert status["status"] == "done"
    assert status["progress"]["phase"] == "done"
    assert status["rows_rejected"] == 1
    assert list(Customer.objects.filter(store=store).values_list("name", flat=True)) == ["赵六"]
    rejected = client.get(status["rejections_url"]).json()["items"]
    assert [(r["row_number"], r["field"]) for r in rejected] == [(3, "手机")]


def test_import_dry_run_upload_writes_nothing(client, specialist, store, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(specialist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{API}/imports",
            {
                "file": _upload(text="客户编号,客户名称,手机\nC001,赵六,13812345678\n"),
                "store": store.code,
                "dry_run": "true",
            },
        )
    status = client.get(response.json()["status_url"]).json()
    assert status["dry_run"] is True
    assert status["status"] == "done"
    assert not Customer.objects.exists()


def test_repair_order_list_query_count_does_not_grow_with_orders(client, specialist, store, django_assert_num_queries):
    # given 12 orders with two lines each
    for _ in range(12):
        order = RepairOrderFactory(vehicle__customer__store=store)
        RepairOrderLine.objects.create(repair_order=order, description="工时")
        RepairOrderLine.objects.create(repair_order=order, description="机油", position=1)
    client.force_login(specialist)
    # when / then: session, user, count, page with vehicles, lines of the page
    with django_assert_num_queries(5):
        response = client.get(f"{API}/repair-orders", {"limit": 50})
    assert response.json()["count"] == 12
    assert all([line["description"] for line in o["lines"]] == ["工时", "机油"] for o in response.json()["items"])


def test_contact_reveal_returns_the_drivers_number_and_logs_it(client, store, specialist, outsider):
    # given a company customer with a driver
    company = CustomerFactory(store=store, name="华强物流有限公司", kind="company")
    driver = Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘师傅", phone="+8613911112222")
    url = f"{API}/customers/{company.pk}/contacts/{driver.pk}/reveal-phone"
    # when
    client.force_login(specialist)
    response = client.post(url)
    # then
    assert response.status_code == 200
    assert response.json() == {"contact_id": driver.pk, "number": "139 1111 2222"}
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL_PHONE)
    assert (entry.object_id, entry.source) == (company.pk, "api")
    # and another store's user gets 404, an OEM regional manager 403, neither logged
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    oem = member(store, Role.OEM_REGIONAL)
    client.force_login(oem)
    assert client.post(url).status_code == 403
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE).count() == 1


def test_patch_changes_the_customers_source_and_audits_it_as_an_api_change(client, specialist, zhang):
    # given (found by tests/test_hostile_api.py: "source" collided with the service's audit channel, a 500)
    client.force_login(specialist)
    # when
    response = client.patch(f"{API}/customers/{zhang.pk}", {"source": "referral"}, content_type="application/json")
    # then
    assert response.status_code == 200
    zhang.refresh_from_db()
    assert zhang.source == "referral"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=zhang.pk)
    assert (entry.source, entry.changes["source"][1]) == ("api", "referral")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/customers/{c}/audit", {"offset": str(2**63)}, "offset"),
        ("/vehicles", {"offset": str(2**63)}, "offset"),
        ("/repair-orders", {"offset": str(2**63)}, "offset"),
        ("/repair-orders", {"vehicle": str(2**63)}, "vehicle"),
        ("/repair-orders", {"customer": "-1"}, "customer"),
        ("/repair-orders", {"since": "0001-01-01"}, "since"),
        ("/repair-orders", {"until": "9999-12-31"}, "until"),
    ],
)
def test_an_id_offset_or_day_out_of_range_is_422_naming_it(client, specialist, zhang, path, query, field):
    # given (found by tests/test_hostile_api.py: each overflowed SQLite or date arithmetic, a 500)
    client.force_login(specialist)
    # when
    response = client.get(API + path.format(c=zhang.pk), query)
    # then
    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]
