"""A care specialist imports a GBK DMS export with a bad row through the browser."""

import pytest

from huifang.archive.models import Customer, RepairOrder

from ..factories import PASSWORD, make_vin
from .conftest import login

pytestmark = pytest.mark.browser

HEADER = "客户编号,客户名称,手机号码,车架号,车牌号,车型,工单号,维修类型,进厂时间,交车时间,进厂里程,维修项目,金额\n"


def test_upload_confirm_columns_and_see_every_rejected_row(page, settings, specialist, tmp_path, shot):
    # given a GBK export with one good order and one with a wrong VIN check digit and a bad phone
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    good_vin, bad_vin = make_vin(501), make_vin(502)
    bad_vin = bad_vin[:8] + ("1" if bad_vin[8] != "1" else "2") + bad_vin[9:]
    body = HEADER + (
        f"K1,钱多多,13922334455,{good_vin},粤B7Q8W9,明锐,RK1,定保,2026-11-20 09:30,2026-11-20 15:00,12000,更换机油,380\n"
        f"K2,孙小圣,12345,{bad_vin},粤B12345,昊锐,RK2,维修,2026-11-21 10:00,2026-11-21 16:00,8000,刹车片,900\n"
    )
    path = tmp_path / "dms_gbk.csv"
    path.write_bytes(body.encode("gbk"))
    login(page, specialist.username, PASSWORD)
    # when the specialist uploads it, checks the guessed columns and starts the import
    page.goto(page.base_url + "/archive/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.locator("input[name=mode][value=import]").check()
    page.get_by_role("button", name="上传").click()
    page.wait_for_url("**/mapping/")
    assert page.locator("select").first.input_value() == "customer_code"
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url("**/archive/imports/*/")
    page.get_by_text("拒绝的行与提示").wait_for()
    shot(page, "import_result")
    # then the good order is in the archive and the bad row is listed with both reasons
    text = page.locator("main").inner_text()
    assert "VIN 校验位错误" in text and "不是有效的电话号码" in text
    assert list(Customer.objects.values_list("name", flat=True)) == ["钱多多"]
    assert list(RepairOrder.objects.values_list("number", flat=True)) == ["RK1"]
