"""Writes to accounts: API tokens (only their hash is stored), stores, invitations."""

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from . import defaults
from .choices import GROUP_ROLES, Role, Scope
from .models import ApiToken, DealerGroup, Invitation, Membership, Region, Store, User


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `user`; the plain key is returned once and never stored."""
    if not name.strip():
        raise ValueError("a token needs a name")
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token: every later request with it answers 401."""
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    token.refresh_from_db()
    return token


# --- Store set-up (a group's administrator, without the system administrator) ---------------------------


class SetupError(ValueError):
    """A store or invitation that cannot be made as asked; the message names the problem."""


STORE_CODE_PATTERN = r"^[A-Za-z0-9_-]{2,32}$"


def dealer_group_create(*, code: str, name: str, actor: User | None, now: datetime) -> DealerGroup:
    """A new dealer group (经销商集团), audited."""
    code, name = code.strip(), name.strip()
    if not re.match(STORE_CODE_PATTERN, code):
        raise SetupError(_("Group code %(code)s: 2–32 letters, digits, - or _.") % {"code": code})
    if not name:
        raise SetupError(_("A dealer group needs a name."))
    if DealerGroup.objects.filter(code=code).exists():
        raise SetupError(_("A dealer group with code %(code)s exists already.") % {"code": code})
    with transaction.atomic():
        group = DealerGroup.objects.create(code=code, name=name)
        audit_record(obj=group, action=AuditAction.CREATE, at=now, actor=actor, changes={"code": code, "name": name})
    return group


def store_create(
    *,
    actor: User | None,
    group: DealerGroup,
    code: str,
    name: str,
    time_zone: str,
    now: datetime,
    region: Region | None = None,
    brand: str = "",
    city: str = "",
    phone: str = "",
) -> Store:
    """A new real store (not a demo store) of `group`, audited; its rules start from the seeded defaults."""
    code, name = code.strip(), name.strip()
    if not re.match(STORE_CODE_PATTERN, code):
        raise SetupError(_("Store code %(code)s: 2–32 letters, digits, - or _.") % {"code": code})
    if not name:
        raise SetupError(_("A store needs a name."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SetupError(_("Unknown time zone %(tz)s.") % {"tz": time_zone}) from exc
    if Store.objects.filter(code=code).exists():
        raise SetupError(_("A store with code %(code)s exists already.") % {"code": code})
    with transaction.atomic():
        store = Store.objects.create(
            code=code,
            name=name,
            group=group,
            region=region,
            time_zone=time_zone,
            brand=brand.strip(),
            city=city.strip(),
            phone=phone.strip(),
            is_demo=False,
        )
        audit_record(
            obj=store,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={"code": code, "name": name, "group": group.code, "time_zone": time_zone},
        )
    return store


def _invitation_valid_days() -> int:
    return getattr(settings, "INVITATION_VALID_DAYS", defaults.INVITATION_VALID_DAYS)


def invitation_create(
    *,
    actor: User | None,
    role: str,
    display_name: str,
    now: datetime,
    store: Store | None = None,
    group: DealerGroup | None = None,
    email: str = "",
) -> tuple[Invitation, str]:
    """An invitation to join `store` (or, for a group role, `group`) in `role`; the link key is returned once."""
    if role not in Role.values:
        raise SetupError(_("Unknown role %(role)s.") % {"role": role})
    if not display_name.strip():
        raise SetupError(_("An invitation needs the person's name."))
    if (store is None) == (group is None):
        raise SetupError(_("Invite to exactly one store or one dealer group."))
    if store is not None and role in GROUP_ROLES:
        raise SetupError(_("This role spans a dealer group: invite to the group."))
    if role == Role.OEM_REGIONAL:
        raise SetupError(_("OEM regional managers span a region: the system administrator sets them up."))
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email.strip(),
            display_name=display_name.strip(),
            role=role,
            scope=Scope.STORE if store is not None else Scope.GROUP,
            store=store,
            group=group,
            key_hash=ApiToken.hash_key(key),
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            expires_at=now + timedelta(days=_invitation_valid_days()),
        )
        audit_record(
            obj=invitation,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={"role": role, "name": invitation.display_name, "target": str(store or group)},
        )
    return invitation, key


def invitation_for_key(*, key: str, now: datetime) -> Invitation:
    """The open invitation a link key opens; SetupError when unknown, used or expired."""
    invitation = Invitation.objects.select_related("store", "group").filter(key_hash=ApiToken.hash_key(key)).first()
    if invitation is None:
        raise SetupError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise SetupError(_("This invitation has been used already."))
    if invitation.expires_at <= now:
        raise SetupError(_("This invitation has expired; ask for a new one."))
    return invitation


def invitation_accept(*, key: str, username: str, password: str, now: datetime) -> User:
    """Create the invited user with their membership; the link works once."""
    invitation = invitation_for_key(key=key, now=now)
    username = username.strip()
    if not username:
        raise SetupError(_("Choose a user name."))
    if User.objects.filter(username__iexact=username).exists():
        raise SetupError(_("The user name %(username)s is taken.") % {"username": username})
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(accepted_at=now)
        if claimed != 1:
            raise SetupError(_("This invitation has been used already."))
        user = User(username=username, display_name=invitation.display_name, email=invitation.email)
        user.set_password(password)
        user.save()
        Membership.objects.create(
            user=user,
            role=invitation.role,
            scope=invitation.scope,
            store=invitation.store,
            group=invitation.group,
        )
        Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
        audit_record(
            obj=invitation,
            action=AuditAction.UPDATE,
            at=now,
            actor=user,
            changes={"accepted_by": username},
        )
    return user
