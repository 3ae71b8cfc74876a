"""Login, search by initials/plate/phone, the customer page with masked and revealed phones, statistics."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.choices import ActivityState, ContactRole, CustomerKind, LineKind, RepairOrderType
from huifang.archive.models import Contact, RepairOrderLine
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry

from ..factories import PASSWORD, CustomerFactory, RepairOrderFactory, UserFactory, VehicleFactory, make_vin, member
from .conftest import login

pytestmark = pytest.mark.browser
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def archive(store):
    """张三 with a car and two orders, a company with a driver, and a few other customers."""
    zhang = CustomerFactory(
        store=store,
        name="张三",
        gender="M",
        mobile="+8613812345678",
        birthday=date(1985, 8, 15),
        birthday_is_lunar=True,
        occupation="深圳特区报记者",
        sensitive_occupation=True,
        level="VIP",
        address="深圳市南山区科技园路 1 号",
    )
    car = VehicleFactory(
        customer=zhang,
        plate="粤B12345",
        vin=make_vin(777),
        model="明锐",
        trim="1.4T 豪华版",
        delivery_date=date(2024, 5, 1),
        last_visit_at=datetime(2026, 10, 1, 9, tzinfo=SH),
        current_km=23456,
        avg_km_per_day=38.5,
        next_maintenance_date=date(2027, 1, 1),
        next_maintenance_km=28000,
        visits_12m=2,
    )
    ro = RepairOrderFactory(
        vehicle=car,
        number="RO2026100001",
        opened_at=datetime(2026, 10, 1, 9, tzinfo=SH),
        advisor_name="李顾问",
        is_repeat_repair=True,
        total_amount=Decimal("880.00"),
    )
    RepairOrderLine.objects.create(repair_order=ro, kind=LineKind.LABOUR, description="更换机油机滤", amount=180)
    RepairOrderLine.objects.create(repair_order=ro, kind=LineKind.PART, description="机油 5W-30 4L", amount=700)
    RepairOrderFactory(
        vehicle=car, number="RO2026030001", opened_at=datetime(2026, 3, 1, 9, tzinfo=SH), ro_type=RepairOrderType.REPAIR
    )
    company = CustomerFactory(store=store, name="深圳顺达物流有限公司", kind=CustomerKind.COMPANY, mobile="")
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="王师傅", phone="+8613600001111")
    VehicleFactory(customer=company, plate="粤BD12345", model="昊锐")
    for name, model, activity in (("李四", "晶锐", ActivityState.DORMANT), ("王五", "明锐", ActivityState.LOST)):
        VehicleFactory(customer=CustomerFactory(store=store, name=name, gender="F"), model=model, activity=activity)
    return zhang


def test_login_page_signs_in_with_user_name_and_password(page, specialist, shot):
    # when
    login(page, "specialist", PASSWORD)
    # then
    expect(page.locator(".who")).to_contain_text(str(specialist))
    expect(page.locator("h1")).to_contain_text("首页看板")
    expect(page.locator(".mainnav")).to_contain_text("客户")


def test_wrong_password_is_refused(page, specialist):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", "specialist")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_be_visible()


def test_search_by_initials_plate_and_phone_then_open_with_the_keyboard(page, specialist, archive, shot):
    # given
    login(page, "specialist", PASSWORD)
    page.goto(page.base_url + "/archive/customers/")
    box = page.locator("#customer-q")
    # when: pinyin initials, typed live
    page.keyboard.press("/")
    page.keyboard.type("zs")
    # then
    expect(page.locator("#search-results tbody tr")).to_have_count(1)
    expect(page.locator("#search-results")).to_contain_text("张三")
    expect(page.locator("#search-results")).to_contain_text("138****5678")
    shot(page, "search")
    # plate, lower case and partial
    box.fill("粤b123")
    expect(page.locator("#search-results")).to_contain_text("粤B12345")
    expect(page.locator("#search-results tbody tr")).to_have_count(1)
    # phone written with separators
    box.fill("138-1234-5678")
    expect(page.locator("#search-results tbody tr")).to_have_count(1)
    expect(page.locator("#search-results")).to_contain_text("张三")
    # ↓ then Enter opens the selected customer (粤B12345 and the new-energy 粤BD12345)
    box.fill("12345")
    expect(page.locator("#search-results tbody tr")).to_have_count(2)
    box.press("ArrowDown")
    expect(page.locator("#search-results tbody tr").nth(1)).to_have_class("selected")
    second = page.locator("#search-results tbody tr").nth(1).locator("a").inner_text()
    box.press("Enter")
    expect(page.locator("h1")).to_contain_text(second)


def test_customer_page_masks_phones_and_a_specialist_reveals_one(page, specialist, archive, shot):
    # given
    login(page, "specialist", PASSWORD)
    page.goto(page.base_url + f"/archive/customers/{archive.pk}/")
    contact = page.locator("#contact-data")
    # then: masked first
    expect(contact).to_contain_text("138****5678")
    expect(page.locator("#basic-data")).to_contain_text("敏感")
    expect(page.locator("#vehicles")).to_contain_text("粤B12345")
    expect(page.locator("#repair-history")).to_contain_text("RO2026100001")
    page.locator("summary", has_text="RO2026100001").click()
    expect(page.locator("#repair-history")).to_contain_text("更换机油机滤")
    shot(page, "customer")
    # when
    contact.get_by_role("button", name="显示").first.click()
    # then
    expect(contact).to_contain_text("138 1234 5678")
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE, actor=specialist).count() == 1


def test_oem_regional_manager_sees_masked_phones_without_reveal(page, store, archive):
    # given
    oem = UserFactory(username="oem")
    Membership.objects.create(user=oem, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    login(page, "oem", PASSWORD)
    # when
    page.goto(page.base_url + f"/archive/customers/{archive.pk}/")
    # then
    expect(page.locator("#contact-data")).to_contain_text("138****5678")
    expect(page.locator("#contact-data button.reveal")).to_have_count(0)
    # and "/" anywhere opens the customer search at once (in the top bar)
    page.keyboard.press("/")
    expect(page.locator("#quick-q")).to_be_focused()


def test_statistics_page_draws_charts(page, store, archive, shot):
    # given
    member(store, Role.CARE_DIRECTOR, username="boss")
    login(page, "boss", PASSWORD)
    # when
    page.goto(page.base_url + "/archive/statistics/")
    # then
    expect(page.locator("#chart-by_model canvas")).to_have_count(1)
    expect(page.locator("#chart-monthly canvas")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("档案统计")
    shot(page, "statistics")


def test_edit_form_shows_the_error_under_the_field_then_saves(page, specialist, archive, shot):
    # given
    login(page, "specialist", PASSWORD)
    page.goto(page.base_url + f"/archive/customers/{archive.pk}/edit/")
    # when: a number that is not a phone
    page.fill("#id_mobile", "12345")
    page.click("button.primary")
    # then
    expect(page.locator("#field-mobile .field-error")).to_be_visible()
    shot(page, "customer_edit")
    # when: a mobile in any format
    page.fill("#id_mobile", "139-0000-1234")
    page.fill("#id_occupation", "教师")
    page.click("button.primary")
    # then: back on the customer page, masked, with the change in the audit trail
    expect(page.locator("#contact-data")).to_contain_text("139****1234")
    expect(page.locator("#audit-trail")).to_contain_text("教师")
    shot(page, "customer_after_edit")
    page.goto(page.base_url + f"/archive/vehicles/{archive.vehicles.get().pk}/")
    expect(page.locator("h1")).to_contain_text("粤B12345")
    shot(page, "vehicle")
