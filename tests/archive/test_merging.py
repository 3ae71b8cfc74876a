from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.archive.choices import ContactRole
from huifang.archive.merging import MergeError, customers_merge, duplicate_groups
from huifang.archive.models import Contact, Customer, RepairOrder, Vehicle
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry

from ..factories import CustomerFactory, RepairOrderFactory, member

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_customers_sharing_a_mobile_or_id_number_are_grouped_per_store(store, other_store):
    # given two 张三 records with one mobile, two with one ID number, and the same mobile in another store
    a = CustomerFactory(store=store, name="张三", mobile="+8613800000001")
    b = CustomerFactory(store=store, name="张三 ", mobile="+8613800000001")
    c = CustomerFactory(store=store, name="李四", id_number="440301199001011234")
    d = CustomerFactory(store=store, name="李四(公司)", id_number="440301199001011234")
    CustomerFactory(store=other_store, mobile="+8613800000001")
    CustomerFactory(store=store, mobile="+8613800000009")
    # when
    groups = duplicate_groups(customers=Customer.objects.all())
    # then
    found = {(g.reason, tuple(x.pk for x in g.customers)) for g in groups}
    assert found == {("mobile", (a.pk, b.pk)), ("id_number", (c.pk, d.pk))}


def test_merge_moves_everything_fills_blanks_and_deletes_the_duplicate(store, director):
    # given a kept record without an address and a duplicate with one, a car, an order and a driver
    keep = CustomerFactory(store=store, name="张三", mobile="+8613800000001", address="", kind="company")
    dup = CustomerFactory(
        store=store, name="张三", mobile="+8613800000001", address="深圳市南山区", dms_code="D9", kind="company"
    )
    order = RepairOrderFactory(vehicle__customer=dup)
    Contact.objects.create(customer=keep, role=ContactRole.DRIVER, name="刘师傅", phone="+8613911112222")
    Contact.objects.create(customer=dup, role=ContactRole.DRIVER, name="刘师傅", phone="+8613911112222")
    Contact.objects.create(customer=dup, role=ContactRole.FLEET_MANAGER, name="陈主任", phone="+8613911113333")
    # when
    customers_merge(survivor=keep, duplicates=[dup], actor=director, now=NOW)
    # then
    keep.refresh_from_db()
    assert not Customer.objects.filter(pk=dup.pk).exists()
    assert (keep.address, keep.dms_code) == ("深圳市南山区", "D9")
    assert Vehicle.objects.get(pk=order.vehicle_id).customer_id == keep.pk
    assert RepairOrder.objects.get(pk=order.pk).customer_id == keep.pk
    assert sorted(keep.contacts.values_list("name", flat=True)) == ["刘师傅", "陈主任"]
    assert "13911113333" in keep.phone_digits
    merge = AuditEntry.objects.get(action=AuditAction.MERGE, object_id=keep.pk)
    assert merge.actor == director and merge.changes["merged"] == [f"#{dup.pk} 张三"]
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=dup.pk).exists()


def test_customers_of_two_stores_are_never_merged(store, other_store, director):
    keep = CustomerFactory(store=store)
    theirs = CustomerFactory(store=other_store)
    with pytest.raises(MergeError):
        customers_merge(survivor=keep, duplicates=[theirs], actor=director, now=NOW)
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_duplicates_page_and_merge_through_the_web(client, store, director):
    keep = CustomerFactory(store=store, name="王五", mobile="+8613800000002")
    dup = CustomerFactory(store=store, name="王五", mobile="+8613800000002")
    client.force_login(director)
    html = client.get(reverse("archive:duplicates")).content.decode()
    assert "138****0002" in html and "13800000002" not in html
    response = client.post(reverse("archive:customers_merge"), {"survivor": keep.pk, "merge": [dup.pk]})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=dup.pk).exists()


def test_merge_needs_an_archive_role_and_the_store(client, store, outsider):
    keep = CustomerFactory(store=store, mobile="+8613800000003")
    dup = CustomerFactory(store=store, mobile="+8613800000003")
    advisor = member(store, Role.SERVICE_ADVISOR)
    client.force_login(advisor)
    assert client.get(reverse("archive:duplicates")).status_code == 403
    assert client.post(reverse("archive:customers_merge"), {"survivor": keep.pk, "merge": [dup.pk]}).status_code == 403
    client.force_login(outsider)
    assert client.post(reverse("archive:customers_merge"), {"survivor": keep.pk, "merge": [dup.pk]}).status_code == 404
    assert client.post(reverse("archive:customers_merge"), {"survivor": "x", "merge": ["y"]}).status_code == 404
    assert Customer.objects.filter(pk=dup.pk).exists()
