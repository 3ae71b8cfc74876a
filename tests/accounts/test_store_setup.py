"""A store set up by the group's administrator: store, invitations with roles, first import, on screens and as commands."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import DealerGroup, Invitation, Membership, Store, User
from huifang.accounts.services import SetupError, invitation_accept, invitation_create, store_create
from huifang.audit.models import AuditEntry
from tests.factories import GroupFactory, StoreFactory, UserFactory, member

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def group():
    return GroupFactory(code="HANGTONG", name="杭通汽车集团")


@pytest.fixture
def group_admin(group):
    user = UserFactory(username="groupadmin")
    Membership.objects.create(user=user, role=Role.ADMIN, scope=Scope.GROUP, group=group)
    return user


def test_store_create_makes_a_real_store_and_audits_it(group, group_admin):
    # when the group's administrator creates a store
    store = store_create(
        actor=group_admin, group=group, code="HZ01", name="杭州杭通大众4S店", time_zone="Asia/Shanghai", now=NOW
    )
    # then it is a real (non-demo) store of the group, and the creation is audited
    assert (store.code, store.group, store.time_zone, store.is_demo) == ("HZ01", group, "Asia/Shanghai", False)
    entry = AuditEntry.objects.get(object_id=store.pk, action="create", object_repr=store.name)
    assert entry.actor == group_admin
    assert entry.changes["code"] == "HZ01"


@pytest.mark.parametrize(
    ("code", "name", "tz", "reason"),
    [
        ("H", "杭州店", "Asia/Shanghai", "HZ-bad-code"),
        ("HZ 01", "杭州店", "Asia/Shanghai", "HZ-bad-code"),
        ("HZ01", " ", "Asia/Shanghai", "name"),
        ("HZ01", "杭州店", "Mars/Olympus", "tz"),
        ("SZ01", "杭州店", "Asia/Shanghai", "taken"),
    ],
)
def test_store_create_refuses_bad_input(group, code, name, tz, reason):
    # given a store SZ01 exists already
    StoreFactory(code="SZ01")
    # when a store is created with bad input, then it is refused and nothing is written
    with pytest.raises(SetupError):
        store_create(actor=None, group=group, code=code, name=name, time_zone=tz, now=NOW)
    assert Store.objects.count() == 1


def test_invitation_link_creates_the_user_with_the_role_once(group, group_admin):
    # given a store and an invitation for a care specialist
    store = StoreFactory(code="HZ01", group=group)
    invitation, key = invitation_create(
        actor=group_admin, store=store, role=Role.CARE_SPECIALIST, display_name="钱晓燕", now=NOW
    )
    # then only the key's hash is kept and it expires in 7 days
    assert key not in invitation.key_hash
    assert invitation.expires_at == NOW + timedelta(days=7)
    # when the person accepts it
    user = invitation_accept(key=key, username="qianxy", password="Hz-care-2026!", now=NOW + timedelta(hours=2))
    # then they log in with the role in that store only
    assert user.check_password("Hz-care-2026!")
    assert user.display_name == "钱晓燕"
    assert list(user.memberships.values_list("role", "store__code")) == [(Role.CARE_SPECIALIST, "HZ01")]
    # and the link works once
    with pytest.raises(SetupError):
        invitation_accept(key=key, username="someone", password="Hz-care-2026!", now=NOW + timedelta(hours=3))
    assert not User.objects.filter(username="someone").exists()


def test_expired_invitation_is_refused(group):
    # given an invitation made 7 days and 1 second ago
    store = StoreFactory(group=group)
    _, key = invitation_create(actor=None, store=store, role=Role.SERVICE_ADVISOR, display_name="李", now=NOW)
    # when accepted too late, then refused
    with pytest.raises(SetupError):
        invitation_accept(key=key, username="late", password="Hz-care-2026!", now=NOW + timedelta(days=7, seconds=1))
    assert not User.objects.filter(username="late").exists()


def test_screens_create_a_store_invite_and_link_to_the_first_import(client, group, group_admin):
    # given the group's administrator signed in
    client.force_login(group_admin)
    # when they create a store on the screen
    response = client.post(
        "/accounts/stores/new/",
        {"group": group.pk, "code": "HZ02", "name": "杭州杭通滨江店", "time_zone": "Asia/Shanghai"},
    )
    store = Store.objects.get(code="HZ02")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/stores/{store.pk}/"
    # and invite a service manager
    page = client.post(
        f"/accounts/stores/{store.pk}/invite/", {"display_name": "陈经理", "role": Role.SERVICE_MANAGER, "email": ""}
    ).content.decode()
    # then the one-time link is shown, with the links to the hours settings and the first import
    invitation = Invitation.objects.get(store=store)
    assert invitation.role == Role.SERVICE_MANAGER
    assert "/accounts/invite/" in page
    assert f"/archive/imports/?store={store.pk}" in page or f"?store={store.pk}" in page
    assert f"/complaints/settings/{store.pk}/policy/" in page
    # and the import page has the new store chosen
    upload = client.get(f"/archive/imports/?store={store.pk}").content.decode()
    assert f'<option value="{store.pk}" selected>' in upload


def test_a_store_user_may_not_set_up_stores_and_another_groups_store_is_404(client, group, group_admin):
    # given a care director of a store of the group, and a store of another group
    store = StoreFactory(group=group)
    director = member(store, Role.CARE_DIRECTOR)
    foreign = StoreFactory(group=GroupFactory())
    # when the director opens the set-up screens, then 403
    client.force_login(director)
    assert client.get("/accounts/stores/").status_code == 403
    assert client.post("/accounts/stores/new/", {"code": "X1"}).status_code == 403
    # and the group administrator gets 404 for the other group's store
    client.force_login(group_admin)
    assert client.get(f"/accounts/stores/{foreign.pk}/").status_code == 404
    assert (
        client.post(f"/accounts/stores/{foreign.pk}/invite/", {"display_name": "x", "role": Role.ADMIN}).status_code
        == 404
    )
    assert not Invitation.objects.exists()


def test_accept_page_signs_the_new_user_in(client, group):
    # given an invitation
    store = StoreFactory(group=group)
    _, key = invitation_create(actor=None, store=store, role=Role.CARE_DIRECTOR, display_name="周总监", now=NOW)
    # when the link is opened and the form sent
    assert client.get(f"/accounts/invite/{key}/").status_code == 200
    response = client.post(
        f"/accounts/invite/{key}/", {"username": "zhouzj", "password": "Hz-care-2026!", "password2": "Hz-care-2026!"}
    )
    # then the user exists, is signed in and lands on the start page
    assert response.status_code == 302
    assert User.objects.get(username="zhouzj").memberships.get().role == Role.CARE_DIRECTOR
    assert client.get("/").status_code in (200, 302)
    # and the used link shows the invalid page
    assert client.get(f"/accounts/invite/{key}/").status_code == 410


def test_commands_set_up_a_group_store_and_invitations():
    # when the commands are run in order
    out = StringIO()
    call_command("create_group", "HANGTONG", "--name", "杭通汽车集团", "--admin", "王管理", stdout=out)
    call_command("create_store", "HZ01", "--name", "杭州杭通大众4S店", "--group", "HANGTONG", stdout=out)
    call_command("invite_user", "钱晓燕", "--role", Role.CARE_SPECIALIST, "--store", "HZ01", stdout=out)
    # then the group, the store and two open invitations (group admin, store specialist) exist, with links printed
    assert DealerGroup.objects.filter(code="HANGTONG").exists()
    assert Store.objects.get(code="HZ01").group.code == "HANGTONG"
    assert sorted(Invitation.objects.values_list("role", "scope")) == [
        (Role.ADMIN, Scope.GROUP),
        (Role.CARE_SPECIALIST, Scope.STORE),
    ]
    assert out.getvalue().count("/accounts/invite/") == 2
    # and bad input names the problem
    with pytest.raises(CommandError, match="NOPE"):
        call_command("create_store", "HZ02", "--name", "x", "--group", "NOPE", stdout=out)
    with pytest.raises(CommandError):
        call_command("create_store", "HZ01", "--name", "again", "--group", "HANGTONG", stdout=out)
