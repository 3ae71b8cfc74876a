"""The signed-in user read by core.session_user is the user Django's get_user returns, for every case of
django.contrib.auth.get_user: a live session, an inactive or deleted user, a changed password, a rotated
SECRET_KEY (fallback), a backend no longer configured. The session keeps Django's format and backend path."""

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import RequestFactory

from huifang.core.session_user import MEMBERSHIPS_ATTR, MODEL_BACKEND, session_user

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


# The memberships read with the user (one LEFT JOIN statement): what accounts.selectors.memberships_of reads.


def _memberships_read_with_the_user(client):
    request = _request_of(client)
    user = session_user(request)
    return user, getattr(user, MEMBERSHIPS_ATTR)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_memberships_read_with_the_user_are_memberships_of(client, store, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huifang.accounts.selectors import memberships_of

    user = _user_with_memberships(store, "several", count)
    client.force_login(user)
    request = _request_of(client)
    request.session.get(SESSION_KEY)  # the session read before the statements counted
    with CaptureQueriesContext(connection) as queries:
        ours = session_user(request)
    assert len(queries) == 1  # the user and its memberships, one statement
    expected = memberships_of(user=user)
    assert len(expected) == count
    assert sorted(getattr(ours, MEMBERSHIPS_ATTR), key=str) == sorted(expected, key=str)
    # The instance is the ORM's: no annotation left on it, the same fields as Django's get_user reads.
    django = auth.get_user(_request_of(client))
    fields = [f.attname for f in type(ours)._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(django, f) for f in fields]
    assert set(vars(ours)) - set(vars(django)) == {MEMBERSHIPS_ATTR}


def test_a_request_answers_its_roles_from_the_statement_of_the_user(client, specialist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(specialist)
    client.get("/workbench/ping/")  # the session's last-seen mark written
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/workbench/ping/").status_code == 200
    # The session with the user and its memberships (core.sessions, from the session's second request on): no
    # statement of its own for the role check, none for the user.
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "django_session" in queries[0]["sql"] and "accounts_membership" in queries[0]["sql"]


def test_another_user_object_of_the_request_is_asked_for_its_own_memberships(client, specialist, manager):
    from huifang.core.permissions import request_memberships, request_roles

    client.force_login(specialist)
    request = _request_of(client)
    request.user = session_user(request)
    assert request_roles(request) == {"care_specialist"}
    # A user set later on the request (Django's login does this) carries no memberships read for another user.
    other = RequestFactory().get("/")
    other.user = type(manager).objects.get(pk=manager.pk)
    assert not hasattr(other.user, MEMBERSHIPS_ATTR)
    assert [m[0] for m in request_memberships(other)] == ["service_manager"]


def test_a_role_taken_away_counts_at_the_next_request(client, specialist):
    from huifang.accounts.models import Membership

    client.force_login(specialist)
    assert client.get("/workbench/ping/").status_code == 200
    Membership.objects.filter(user=specialist).delete()
    assert client.get("/workbench/ping/").status_code == 403


def _read_along(client, user):
    """The client signed in as `user`, its user read once: this process now reads the user with the session."""
    client.force_login(user)
    assert session_user(_request_of(client)).pk == user.pk


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_user_read_with_the_session_is_the_user_read_alone(client, store, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huifang.accounts.selectors import memberships_of

    user = _user_with_memberships(store, "along", count)
    _read_along(client, user)
    request = _request_of(client)
    with CaptureQueriesContext(connection) as queries:
        ours = session_user(request)
    # The session and the user with its memberships: one statement.
    assert len(queries) == 1 and "django_session" in queries[0]["sql"], [q["sql"] for q in queries]
    assert sorted(getattr(ours, MEMBERSHIPS_ATTR), key=str) == sorted(memberships_of(user=user), key=str)
    django = auth.get_user(_request_of(client))
    fields = [f.attname for f in type(ours)._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(django, f) for f in fields]
    assert set(vars(ours)) - set(vars(django)) == {MEMBERSHIPS_ATTR}
    assert ours._state.adding is False and ours._state.db == "default"


def test_rows_read_along_for_another_user_are_not_used(client, specialist, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huifang.core import sessions

    _read_along(client, specialist)
    sessions.remember_user(client.session.session_key, manager.pk)  # a wrong guess of whom to read along
    request = _request_of(client)
    with CaptureQueriesContext(connection) as queries:
        ours = session_user(request)
    assert ours.pk == specialist.pk == auth.get_user(_request_of(client)).pk
    assert len(queries) == 2  # the session (with the manager's rows, unused), then the specialist alone


def test_read_along_an_inactive_deleted_or_changed_user_is_checked_as_alone(client, specialist):
    _read_along(client, specialist)
    type(specialist).objects.filter(pk=specialist.pk).update(is_active=False)
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated
    type(specialist).objects.filter(pk=specialist.pk).update(is_active=True)
    assert _both(client)[0].pk == specialist.pk
    specialist.set_password("another one 2026")
    specialist.save()
    request = _request_of(client)
    assert not session_user(request).is_authenticated
    assert SESSION_KEY not in request.session  # flushed, as Django flushes it
    _read_along(client, specialist)
    type(specialist).objects.filter(pk=specialist.pk).delete()
    ours, django = _both(client)
    assert not ours.is_authenticated and not django.is_authenticated


def test_the_remembered_users_are_bounded(monkeypatch):
    from huifang.core import sessions

    monkeypatch.setattr(sessions, "_USER_OF_SESSION", {})
    monkeypatch.setattr(sessions, "USERS_REMEMBERED", 2)
    for i in range(5):
        sessions.remember_user(f"key{i}", i)
    assert len(sessions._USER_OF_SESSION) <= 2
    sessions.remember_user(None, 1)  # a session not saved yet has no key
    assert None not in sessions._USER_OF_SESSION


def _user_with_memberships(store, username, count):
    """A user with the first `count` of three memberships: the store's, its group's and its region's."""
    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership

    from ..factories import UserFactory

    user = UserFactory(username=username)
    scopes = [
        {"role": Role.CARE_SPECIALIST, "scope": Scope.STORE, "store": store},
        {"role": Role.SERVICE_MANAGER, "scope": Scope.GROUP, "group": store.group},
        {"role": Role.CARE_DIRECTOR, "scope": Scope.REGION, "region": store.region},
    ]
    for fields in scopes[:count]:
        Membership.objects.create(user=user, **fields)
    return user
