"""The signed-in user of a request, read with SQL compiled once per process (issue 18).

Every signed-in request reads its user; ModelBackend.get_user compiled that one-row ORM query again each time,
a third of the CPU of the workbench's ping. AuthenticationMiddleware here does what Django's does, with one
change: for a session signed in through ModelBackend (the path stays in the session, unchanged) the user row
is read by a CompiledQuery, which makes the same model instance. Everything else is Django's rule, kept
line for line from django.contrib.auth.get_user: the backend must still be configured, an inactive user is
nobody, and the session's password hash must match (a fallback secret rotates it, anything else flushes
the session). Sessions of any other backend go through Django's own get_user.

The same statement reads the user's memberships (a LEFT JOIN, one row per membership): every signed-in page
needs them (core.permissions.request_memberships: the role check, the menu, the per-store checks), and a second
statement per request cost more Python than the join. They ride on the user instance read for this request
(MEMBERSHIPS_ATTR), so another user object (a login or logout during the request) never sees them.

From a session's second request in a process on, that statement runs inside the session's own read
(core.sessions: one round trip for both); the rows are used only for the user id the session names.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user_model
from django.contrib.auth import middleware as django_auth
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from huifang.core import sessions
from huifang.core.compiled import CompiledQuery

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# The membership columns as accounts.selectors.memberships_of reads them: (role, store id, group id, region id).
MEMBERSHIP_COLUMNS = ("role", "store_id", "group_id", "region_id")
_ANNOTATIONS = tuple(f"huifang_membership_{column}" for column in MEMBERSHIP_COLUMNS)
# The user's memberships read with the user: an attribute of that user instance (core.permissions reads it).
MEMBERSHIPS_ATTR = "_huifang_memberships"


def _user_with_memberships(user_id):
    return (
        get_user_model()
        ._default_manager.filter(pk=user_id)
        .annotate(
            **{name: F(f"memberships__{column}") for name, column in zip(_ANNOTATIONS, MEMBERSHIP_COLUMNS, strict=True)}
        )
    )


_USER_BY_ID = CompiledQuery(_user_with_memberships, "user_id")


def user_statement(user_id: int) -> tuple[str, list]:
    """The SQL and parameters of the user's rows (core.sessions reads them with the session)."""
    return _USER_BY_ID.statement(user_id=user_id)


def session_user(request):
    """The user of the request's session, or AnonymousUser: what django.contrib.auth.get_user returns."""
    backend_path = request.session.get(BACKEND_SESSION_KEY)
    if backend_path != MODEL_BACKEND:
        return auth.get_user(request)
    try:
        user_id = auth._get_user_session_key(request)
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    read_along = getattr(request.session, "user_rows_for", None)
    user = _active_user(user_id, None if read_along is None else read_along(user_id))
    if user is None:
        return AnonymousUser()
    session_hash = request.session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        sessions.remember_user(request.session.session_key, user_id)
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = session_auth_hash
        return user
    request.session.flush()
    return AnonymousUser()


def _active_user(user_id, rows=None):
    """ModelBackend.get_user: the user with this id if it may sign in (is_active), else None. `rows`: the
    statement's rows for this id already read (with the session), else it is run here."""
    rows = _USER_BY_ID(user_id=user_id) if rows is None else _USER_BY_ID.instances(rows)
    if not rows:
        return None
    user = rows[0]
    if not getattr(user, "is_active", True):
        return None
    # One row per membership (a single row of NULLs without any): the user is the first row's instance, the
    # annotations become the memberships list and leave the instance as the ORM would have made it.
    memberships = []
    for row in rows:
        membership = tuple(getattr(row, name) for name in _ANNOTATIONS)
        if membership[0] is not None:  # role is NOT NULL: None only on the LEFT JOIN's empty row
            memberships.append(membership)
    for name in _ANNOTATIONS:
        delattr(user, name)
    setattr(user, MEMBERSHIPS_ATTR, memberships)
    return user


def _cached_session_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)
    return request._cached_user


class AuthenticationMiddleware(django_auth.AuthenticationMiddleware):
    """Django's middleware (request.user lazy, request.auser as Django's) with the user read above."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_session_user(request))
