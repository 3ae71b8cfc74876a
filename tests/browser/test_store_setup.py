"""The group's administrator sets up a store on screens: store, invitation, the invited user's first login,
and the first DMS import with the sample export."""

from pathlib import Path

import pytest

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership, Store, User
from huifang.archive.models import Customer

from ..factories import PASSWORD, GroupFactory, UserFactory
from .conftest import login

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "huifang" / "static" / "samples" / "dms-export-sample.csv"


def test_group_admin_creates_a_store_invites_a_specialist_who_imports_the_sample(page, settings, shot):
    # given a dealer group with its administrator, and nothing else
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    group = GroupFactory(code="HANGTONG", name="杭通汽车集团")
    admin = UserFactory(username="hz_admin", display_name="王管理")
    Membership.objects.create(user=admin, role=Role.ADMIN, scope=Scope.GROUP, group=group)
    login(page, admin.username, PASSWORD)
    # when the administrator creates the store on the screen
    page.goto(page.base_url + "/accounts/stores/")
    page.locator("#new-store").click()
    page.fill("input[name=code]", "HZ01")
    page.fill("input[name=name]", "杭州杭通大众4S店")
    page.select_option("select[name=time_zone]", "Asia/Shanghai")
    page.get_by_role("button", name="创建门店").click()
    page.locator("#next-steps").wait_for()
    store = Store.objects.get(code="HZ01")
    assert not store.is_demo
    # and invites a care specialist
    page.fill("#invite-form input[name=display_name]", "钱晓燕")
    page.select_option("#invite-form select[name=role]", Role.CARE_SPECIALIST.value)
    page.locator("#invite-form button[type=submit]").click()
    link = page.locator("#invitation-link input").input_value()
    shot(page, "store_setup")
    assert "/accounts/invite/" in link
    assert "钱晓燕" in page.locator("#open-invitations").inner_text()
    # then the invited person opens the link in a fresh session and chooses a login
    page.context.clear_cookies()
    page.goto(page.base_url + link[link.index("/accounts/invite/") :])
    page.fill("input[name=username]", "qianxy")
    page.fill("input[name=password]", "Hz-care-2026!")
    page.fill("input[name=password2]", "Hz-care-2026!")
    page.get_by_role("button", name="创建我的登录账号").click()
    page.wait_for_url(lambda url: "/accounts/invite/" not in url)
    user = User.objects.get(username="qianxy")
    assert list(user.memberships.values_list("role", "store__code")) == [(Role.CARE_SPECIALIST, "HZ01")]
    # and starts the store's first DMS import with the sample export
    page.goto(page.base_url + f"/archive/imports/?store={store.pk}")
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.locator("input[name=mode][value=import]").check()
    page.get_by_role("button", name="上传").click()
    page.wait_for_url("**/mapping/")
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url("**/archive/imports/*/")
    # then the store has its customers, and no demo store was involved
    assert Customer.objects.filter(store=store).count() == 5
    assert not Store.objects.filter(is_demo=True).exists()
