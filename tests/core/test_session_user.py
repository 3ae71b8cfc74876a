"""The signed-in user read by core.session_user is the user Django's get_user returns, for every case of
django.contrib.auth.get_user: a live session, an inactive or deleted user, a changed password, a rotated
SECRET_KEY (fallback), a backend no longer configured. The session keeps Django's format and backend path."""

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import RequestFactory

from huifang.core.session_user import MODEL_BACKEND, session_user

pytestmark = pytest.mark.django_db


def _request_of(client):
    request = RequestFactory().get("/")
    request.session = client.session
    return request


def _both(client):
    """(ours, Django's) user for the client's session, each on its own copy of the session."""
    return session_user(_request_of(client)), auth.get_user(_request_of(client))


def test_a_signed_in_user_is_read_as_django_reads_it(client, specialist):
    client.force_login(specialist)
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
    ours, django = _both(client)
    assert ours.pk == django.pk == specialist.pk
    fields = [f.attname for f in type(ours)._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(django, f) for f in fields]
    assert ours._state.adding is False and ours._state.db == "default"


def test_an_inactive_or_deleted_user_is_nobody(client, specialist):
    client.force_login(specialist)
    type(specialist).objects.filter(pk=specialist.pk).update(is_active=False)
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated
    type(specialist).objects.filter(pk=specialist.pk).delete()
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated


def test_a_changed_password_signs_the_session_out(client, specialist):
    client.force_login(specialist)
    specialist.set_password("a new one 2026")
    specialist.save()
    request = _request_of(client)
    assert not session_user(request).is_authenticated
    assert SESSION_KEY not in request.session  # flushed, as Django flushes it
    assert client.get("/workbench/ping/").status_code == 302


def test_a_rotated_secret_keeps_the_session_with_a_new_hash(client, specialist, settings):
    old_secret = settings.SECRET_KEY
    client.force_login(specialist)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another secret key " * 3, [old_secret]
    request = _request_of(client)
    old_hash, old_key = request.session[HASH_SESSION_KEY], request.session.session_key
    assert session_user(request).pk == specialist.pk
    assert request.session[HASH_SESSION_KEY] != old_hash
    assert request.session[HASH_SESSION_KEY] == specialist.get_session_auth_hash()
    assert request.session.session_key != old_key


def test_a_backend_no_longer_configured_is_nobody(client, specialist, settings):
    client.force_login(specialist)
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated


def test_a_session_without_a_user_is_anonymous(client):
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated


def test_the_site_reads_the_user_this_way(client, specialist):
    client.force_login(specialist)
    response = client.get("/workbench/ping/")
    assert response.json()["signed_in"] is True
    assert type(response.wsgi_request.user._wrapped) is type(specialist)
    from django.conf import settings

    assert "huifang.core.session_user.AuthenticationMiddleware" in settings.MIDDLEWARE
