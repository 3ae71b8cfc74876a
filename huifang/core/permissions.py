"""View guards: a role somewhere for the page, the store checked again on every object."""

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def request_memberships(request) -> list[tuple]:
    """The signed-in user's memberships (role, store, group, region ids), read once per request: the access
    check, the menu and a view's per-store check (accounts.selectors.roles_in_store_of) all answer from it.
    Scoped to the request, so a changed role counts at once. The session's user is read with its memberships
    in one statement (core.session_user, kept on that user instance); any other user is asked here."""
    rows = getattr(request, "_huifang_memberships", None)
    if rows is None:
        user = request.user
        rows = getattr(user, "_huifang_memberships", None)  # core.session_user.MEMBERSHIPS_ATTR
        if rows is None:
            from huifang.accounts.selectors import memberships_of

            rows = memberships_of(user=user)
        request._huifang_memberships = rows
    return rows


def request_roles(request) -> set[str]:
    """Every role the signed-in user holds anywhere, from request_memberships (as accounts.selectors.all_roles)."""
    roles = getattr(request, "_huifang_roles", None)
    if roles is None:
        if request.user.is_superuser:
            from huifang.accounts.selectors import all_roles

            roles = frozenset(all_roles(user=request.user))
        else:
            roles = frozenset(role for role, *_scope in request_memberships(request))
        request._huifang_roles = roles
    return roles


def role_required(*roles: str) -> Callable:
    """Allow the view only to users holding one of `roles` in at least one store (superusers always)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_superuser and not (request_roles(request) & set(roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_store_role(*, user, store, roles: Iterable[str]) -> None:
    """Raise PermissionDenied unless the user has one of the roles in this store."""
    from huifang.accounts.selectors import has_role

    if not has_role(user=user, store=store, roles=roles):
        raise PermissionDenied
