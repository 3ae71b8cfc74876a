from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.choices import ContactRole, CustomerKind, LineKind, RepairOrderType
from huifang.archive.models import Contact, Customer, MileageReading, RepairOrderLine
from huifang.archive.selectors import customer_timeline
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.audit.services import audit_record

from ..factories import CustomerFactory, RepairOrderFactory, UserFactory, VehicleFactory, member

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def zhang(store):
    return CustomerFactory(
        store=store,
        name="张三",
        mobile="+8613812345678",
        home_phone="+861065529988",
        occupation="深圳特区报记者",
        sensitive_occupation=True,
        birthday=datetime(1985, 8, 15).date(),
        birthday_is_lunar=True,
    )


@pytest.fixture
def orders(zhang):
    vehicle = VehicleFactory(customer=zhang, plate="粤B12345")
    old = RepairOrderFactory(
        vehicle=vehicle, number="RO-OLD", opened_at=datetime(2026, 3, 1, 9, tzinfo=SH), ro_type=RepairOrderType.REPAIR
    )
    new = RepairOrderFactory(
        vehicle=vehicle,
        number="RO-NEW",
        opened_at=datetime(2026, 10, 1, 9, tzinfo=SH),
        is_repeat_repair=True,
        is_appointment=True,
        total_amount=Decimal("1234.50"),
    )
    RepairOrderLine.objects.create(repair_order=new, kind=LineKind.LABOUR, description="更换机油机滤", amount=200)
    RepairOrderLine.objects.create(repair_order=new, kind=LineKind.PART, description="机油 5W-30", amount=400)
    return old, new


def page(client, user, customer):
    client.force_login(user)
    return client.get(reverse("archive:customer_detail", args=[customer.pk]))


def test_customer_page_shows_basic_data_with_masked_phones(client, specialist, zhang):
    # when
    html = page(client, specialist, zhang).content.decode()
    # then
    assert "张三" in html
    assert "138****5678" in html and "010****9988" in html
    assert "13812345678" not in html and "138 1234 5678" not in html
    assert "1985-08-15" in html
    assert 'class="badge warn"' in html  # sensitive occupation


def test_caller_sees_a_reveal_button_that_returns_the_number_and_logs_it(client, specialist, zhang):
    # given
    html = page(client, specialist, zhang).content.decode()
    url = reverse("archive:phone_reveal", args=[zhang.pk, "mobile"])
    assert url in html
    # when
    response = client.post(url, headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert "138 1234 5678" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL_PHONE)
    assert entry.actor == specialist and entry.object_id == zhang.pk and entry.changes == {"field": "mobile"}
    # and the reveal shows in the audit trail on the page, naming the field
    trail = page(client, specialist, zhang).content.decode().split('id="audit-trail"')[1]
    assert (
        str(AuditAction.REVEAL_PHONE.label) in trail and str(Customer._meta.get_field("mobile").verbose_name) in trail
    )


def test_oem_regional_manager_sees_no_reveal_button_and_gets_403(client, store, zhang):
    # given a regional manager of the store's region: may see the customer, does not call
    oem = UserFactory(username="oem")
    Membership.objects.create(user=oem, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    # when
    html = page(client, oem, zhang).content.decode()
    response = client.post(reverse("archive:phone_reveal", args=[zhang.pk, "mobile"]))
    # then
    assert "138****5678" in html
    assert reverse("archive:phone_reveal", args=[zhang.pk, "mobile"]) not in html
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


def test_reveal_needs_post(client, specialist, zhang):
    client.force_login(specialist)
    assert client.get(reverse("archive:phone_reveal", args=[zhang.pk, "mobile"])).status_code == 405


def test_another_stores_customer_gives_404_everywhere(client, outsider, zhang, orders):
    # given
    client.force_login(outsider)
    vehicle = zhang.vehicles.get()
    # when / then
    assert client.get(reverse("archive:customer_detail", args=[zhang.pk])).status_code == 404
    assert client.get(reverse("archive:customer_edit", args=[zhang.pk])).status_code == 404
    assert client.get(reverse("archive:vehicle_detail", args=[vehicle.pk])).status_code == 404
    assert client.post(reverse("archive:phone_reveal", args=[zhang.pk, "mobile"])).status_code == 404


def test_company_customer_shows_contacts_with_masked_phones(client, specialist, store):
    # given
    company = CustomerFactory(store=store, name="深圳某物流有限公司", kind=CustomerKind.COMPANY)
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="司机老王", phone="+8613600001111")
    Contact.objects.create(
        customer=company, role=ContactRole.DECISION_MAKER, name="刘总", phone="+867558888999", extension="8012"
    )
    # when
    html = page(client, specialist, company).content.decode()
    # then
    assert "司机老王" in html and "136****1111" in html and "刘总" in html and "8012" in html
    assert "13600001111" not in html


def test_repair_history_newest_first_with_badges_and_lines(client, specialist, zhang, orders):
    # when
    html = page(client, specialist, zhang).content.decode()
    # then
    assert html.index("RO-NEW") < html.index("RO-OLD")
    assert "更换机油机滤" in html and "机油 5W-30" in html
    assert "1234.50" in html


def test_customer_page_query_count_does_not_grow_with_orders(
    client, specialist, zhang, orders, django_assert_max_num_queries
):
    # given the page's query count with two orders
    client.force_login(specialist)
    url = reverse("archive:customer_detail", args=[zhang.pk])
    client.get(url)  # warms the content-type cache the audit trail uses
    # The page, the bell, one query per timeline source (orders, calls, complaints, club, audit...), and the
    # data-rights button (one role check), the appointments panel (its rows and one role check).
    with django_assert_max_num_queries(19) as few:
        client.get(url)
    # and fifteen more orders with lines on a second car
    vehicle = VehicleFactory(customer=zhang)
    for i in range(15):
        ro = RepairOrderFactory(vehicle=vehicle, number=f"RO-X{i}")
        RepairOrderLine.objects.create(repair_order=ro, description="工时", amount=10)
    # when / then: the same number of queries (orders, lines, vehicles and advisors are fetched in bulk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="ro-lines"') == 17


def test_timeline_merges_orders_and_audit_events_newest_first(zhang, orders, specialist):
    # given
    audit_record(obj=zhang, action=AuditAction.UPDATE, at=datetime(2026, 6, 1, tzinfo=SH), actor=specialist)
    # when
    events = customer_timeline(zhang)
    # then
    assert [e.kind for e in events] == ["repair_order", "audit", "repair_order"]
    assert "RO-NEW" in events[0].title


def test_audit_trail_of_customer_vehicles_and_orders_is_on_the_page(client, specialist, zhang, orders):
    # given
    vehicle = zhang.vehicles.get()
    audit_record(
        obj=vehicle,
        action=AuditAction.UPDATE,
        at=datetime(2026, 6, 1, tzinfo=SH),
        actor=specialist,
        changes={"plate": ["粤B00000", "粤B12345"]},
    )
    audit_record(obj=orders[1], action=AuditAction.CREATE, at=datetime(2026, 10, 1, tzinfo=SH), source="import #3")
    # when
    html = page(client, specialist, zhang).content.decode()
    # then
    assert "粤B00000" in html and "import #3" in html and str(specialist) in html


def test_edit_saves_basic_data_and_records_what_changed(client, specialist, zhang):
    # given
    client.force_login(specialist)
    url = reverse("archive:customer_edit", args=[zhang.pk])
    data = {"name": "张三", "kind": "individual", "gender": "M", "occupation": "教师", "mobile": "139 0000 1234"}
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.mobile == "+8613900001234" and zhang.occupation == "教师" and not zhang.sensitive_occupation
    assert zhang.home_phone == "+861065529988"  # left blank: kept
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=zhang.pk)
    assert entry.changes["occupation"] == ["深圳特区报记者", "教师"]
    assert entry.changes["mobile"] == ["+8613812345678", "+8613900001234"]
    assert Customer.objects.get(pk=zhang.pk).phone_digits.startswith("13900001234")


def test_edit_shows_an_error_per_field(client, specialist, zhang):
    client.force_login(specialist)
    response = client.post(
        reverse("archive:customer_edit", args=[zhang.pk]),
        {"name": "", "kind": "individual", "mobile": "12345", "email": "not-an-email"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count("field-error") == 3
    zhang.refresh_from_db()
    assert zhang.mobile == "+8613812345678"


def test_service_advisor_may_not_edit(client, store, zhang):
    advisor = member(store, Role.SERVICE_ADVISOR, username="advisor")
    client.force_login(advisor)
    assert client.get(reverse("archive:customer_edit", args=[zhang.pk])).status_code == 403
    assert reverse("archive:customer_edit", args=[zhang.pk]) not in page(client, advisor, zhang).content.decode()


def test_vehicle_page_shows_orders_readings_and_trail(client, specialist, zhang, orders):
    # given
    vehicle = zhang.vehicles.get()
    MileageReading.objects.create(vehicle=vehicle, read_on=datetime(2026, 10, 1).date(), km=23456, source="manual")
    audit_record(obj=vehicle, action=AuditAction.CREATE, at=datetime(2026, 1, 1, tzinfo=SH), source="import #1")
    client.force_login(specialist)
    # when
    html = client.get(reverse("archive:vehicle_detail", args=[vehicle.pk])).content.decode()
    # then
    assert "RO-NEW" in html and "RO-OLD" in html and "23456" in html and "import #1" in html


def test_a_company_contacts_number_is_revealed_and_logged_on_the_customer(client, store, specialist, outsider):
    # given a company with a driver
    company = CustomerFactory(store=store, name="华强物流有限公司", kind=CustomerKind.COMPANY)
    driver = Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘师傅", phone="+8613911112222")
    url = reverse("archive:contact_phone_reveal", args=[company.pk, driver.pk])
    assert url in page(client, specialist, company).content.decode()
    # when the specialist reveals it
    response = client.post(url)
    # then the full number comes back and the reveal is on the company's trail
    assert "139 1111 2222" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL_PHONE, object_id=company.pk)
    assert entry.actor == specialist and "刘师傅" in entry.changes["contact"]
    # and a user of another store gets 404 without a log
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE).count() == 1


def test_a_contact_of_another_customer_is_404(client, store, specialist):
    company = CustomerFactory(store=store, kind=CustomerKind.COMPANY)
    other = CustomerFactory(store=store, kind=CustomerKind.COMPANY)
    driver = Contact.objects.create(customer=other, role=ContactRole.DRIVER, name="王师傅", phone="+8613911113333")
    client.force_login(specialist)
    assert client.post(reverse("archive:contact_phone_reveal", args=[company.pk, driver.pk])).status_code == 404


def test_edit_changes_the_customers_source(client, specialist, zhang):
    # given (the form's "source" was taken for the audit channel: the customer's own field never changed)
    client.force_login(specialist)
    url = reverse("archive:customer_edit", args=[zhang.pk])
    data = {"name": zhang.name, "kind": "individual", "mobile": "138 1234 5678", "source": "walk_in"}
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.source == "walk_in"
    assert AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=zhang.pk).source == "web"
