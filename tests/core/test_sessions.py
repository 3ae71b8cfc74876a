"""The hand-SQL session load (core.sessions) reads what Django's database sessions read: the data of a
live session; nothing, and a new key on save, for an expired, unknown or malformed one."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from huifang.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_live_session_loads_as_django_loads_it():
    saved = SessionStore()
    saved["_last_seen"] = 123
    saved["who"] = "李雷"
    saved.save()
    mine, django = SessionStore(saved.session_key), db.SessionStore(saved.session_key)
    assert mine.load() == django.load() == {"_last_seen": 123, "who": "李雷"}
    assert mine.session_key == saved.session_key


@pytest.mark.parametrize("key", ["", "nosuchkey0000000000000000000000x", "' OR 1=1 --"])
def test_an_unknown_key_loads_nothing(key):
    SessionStore().save()  # another session is there
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_an_expired_session_loads_nothing():
    saved = SessionStore()
    saved["who"] = "韩梅梅"
    saved.save()
    Session.objects.filter(session_key=saved.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(saved.session_key)
    assert store.load() == db.SessionStore(saved.session_key).load() == {}
    assert store.session_key is None


def test_the_site_uses_it(client, specialist):
    client.force_login(specialist)
    assert client.session.__class__.__module__ == "huifang.core.sessions"
    assert client.get("/workbench/ping/").json()["signed_in"] is True
