"""Staff notifications: my list (unread first), marking read, the header bell and the API; never another's."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from huifang.core import clock
from huifang.notifications.models import Notification
from huifang.notifications.services import notify

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def note(user, store, title, *, at=NOW, read=False, url="/complaints/1/") -> Notification:
    notify(users=[user], store=store, now=at, title=title, url=url, key=title, email=False)
    row = Notification.objects.get(user=user, key=title)
    if read:
        Notification.objects.filter(pk=row.pk).update(read_at=at)
    return row


def test_list_shows_mine_unread_first(client, store, manager, specialist):
    note(manager, store, "旧的未读", at=NOW - timedelta(days=2))
    note(manager, store, "新的已读", at=NOW - timedelta(hours=1), read=True)
    note(specialist, store, "别人的通知")
    signed_in(client, manager)

    page = client.get(reverse("notifications:list")).content.decode()

    assert page.index("旧的未读") < page.index("新的已读")
    assert "别人的通知" not in page
    assert "1 unread" in page


def test_mark_read_and_open_goes_to_the_object(client, store, manager):
    row = note(manager, store, "投诉升级", url="/complaints/7/")
    signed_in(client, manager)

    response = client.post(reverse("notifications:read", args=[row.pk]), {"open": "1"})

    assert response.status_code == 302 and response["Location"] == "/complaints/7/"
    row.refresh_from_db()
    assert row.read_at == NOW


def test_an_outside_link_is_not_followed(client, store, manager):
    row = note(manager, store, "可疑链接", url="https://evil.example/x")
    signed_in(client, manager)

    response = client.post(reverse("notifications:read", args=[row.pk]), {"open": "1"})

    assert response["Location"] == reverse("notifications:list")


def test_another_users_notification_is_404(client, store, manager, specialist):
    row = note(specialist, store, "专员的通知")
    signed_in(client, manager)

    assert client.post(reverse("notifications:read", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_bell_counts_my_unread(client, store, manager):
    note(manager, store, "一")
    note(manager, store, "二")
    note(manager, store, "三", read=True)
    signed_in(client, manager)

    bell = client.get(reverse("notifications:bell")).content.decode()

    assert '<span class="bell-count"' in bell and ">2</span>" in bell
    assert 'hx-trigger="every 60s"' in bell


def test_read_all(client, store, manager):
    note(manager, store, "一")
    note(manager, store, "二")
    signed_in(client, manager)

    client.post(reverse("notifications:read_all"))

    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()


def test_api_lists_mine_and_marks_read(client, store, manager, specialist):
    mine = note(manager, store, "我的")
    theirs = note(specialist, store, "别人的")
    signed_in(client, manager)

    listing = client.get("/api/notifications/").json()
    read = client.post(f"/api/notifications/{mine.pk}/read")
    other = client.post(f"/api/notifications/{theirs.pk}/read")

    assert [item["title"] for item in listing["items"]] == ["我的"]
    assert listing["unread"] == 1
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert other.status_code == 404


def test_pages_need_a_login(client):
    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.get("/api/notifications/").status_code == 401


@pytest.mark.parametrize("offset", [str(2**63), "-5"])
def test_the_api_list_answers_an_offset_past_any_list_with_no_items(client, specialist, offset):
    # given (found by tests/test_hostile_api.py: an offset past 64 bits overflowed SQLite, a 500)
    client.force_login(specialist)
    # when
    response = client.get("/api/notifications/", {"offset": offset})
    # then
    assert response.status_code == 200
    assert response.json()["items"] == [] or offset == "-5"
