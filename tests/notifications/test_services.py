"""Staff notifications: once per user and key, e-mail after commit to those with an address, read marks."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from huifang.accounts.choices import Role
from huifang.notifications import selectors, services
from huifang.notifications.models import Notification

from ..factories import member

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def people(store):
    with_mail = member(store, Role.SERVICE_MANAGER, username="m1", email="m1@example.com")
    without_mail = member(store, Role.CARE_DIRECTOR, username="d1", email="")
    return with_mail, without_mail


def test_notify_once_per_user_and_key(store, people, django_capture_on_commit_callbacks):
    # when the same notice is sent twice
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(
            users=people, store=store, now=NOW, title="投诉升级", body="详情", url="/c/1/", key="k1"
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = services.notify(users=people, store=store, now=NOW, title="投诉升级", key="k1")
    # then each person has one, and one e-mail went to the person with an address
    assert (first, again) == (2, 0)
    assert Notification.objects.filter(key="k1").count() == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["m1@example.com"]
    assert mail.outbox[0].subject == "投诉升级"
    assert "/c/1/" in mail.outbox[0].body


def test_a_new_person_on_the_same_key_is_still_notified(store, people):
    services.notify(users=people[:1], store=store, now=NOW, title="t", key="k2")
    assert services.notify(users=people, store=store, now=NOW, title="t", key="k2") == 1


def test_no_email_when_asked_or_when_rolled_back(store, people, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=people, store=store, now=NOW, title="t", key="k3", email=False)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify(users=people, store=store, now=NOW, title="t", key="k3b")
            raise RuntimeError("the caller's work failed")
    assert mail.outbox == []
    assert not Notification.objects.filter(key="k3b").exists()


def test_inactive_users_and_none_are_skipped(store, people):
    inactive = member(store, Role.CARE_SPECIALIST, username="gone", is_active=False)
    assert services.notify(users=[None, inactive], store=store, now=NOW, title="t", key="k4") == 0


def test_unread_count_and_reading(store, people):
    user, other = people
    services.notify(users=[user], store=store, now=NOW, title="a", key="a")
    services.notify(users=[user, other], store=store, now=NOW, title="b", key="b")
    assert selectors.unread_count(user=user) == 2
    assert [n.title for n in selectors.notifications_for(user=user)] == ["b", "a"]
    notification = selectors.notifications_for(user=user).get(key="a")
    services.notification_read(notification=notification, user=user, now=NOW)
    assert selectors.unread_count(user=user) == 1
    assert [n.key for n in selectors.notifications_for(user=user, unread_only=True)] == ["b"]
    with pytest.raises(PermissionError):
        services.notification_read(notification=notification, user=other, now=NOW)
    assert services.notifications_read_all(user=user, now=NOW) == 1
    assert selectors.unread_count(user=user) == 0
    assert selectors.unread_count(user=other) == 1
