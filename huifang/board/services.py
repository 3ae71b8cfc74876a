"""Writes of the team board: create a screen, issue its one-time pairing code, pair it, revoke it.
Every change is in the audit trail; only hashes of codes and screen secrets are stored."""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core.signed_tokens import token_make

from . import defaults, rules
from .models import BoardScreen


def _new_code() -> str:
    return "".join(secrets.choice(defaults.PAIRING_ALPHABET) for _ in range(defaults.PAIRING_CODE_LENGTH))


def _issue(screen: BoardScreen, *, actor: User, now: datetime) -> str:
    code = _new_code()
    screen.pairing_code_hash = rules.digest(code)
    screen.pairing_expires_at = now + timedelta(minutes=defaults.PAIRING_MINUTES)
    screen.code_issued_by = actor
    screen.save(update_fields=["pairing_code_hash", "pairing_expires_at", "code_issued_by"])
    return code


def screen_create(*, store: Store, name: str, actor: User, now: datetime) -> tuple[BoardScreen, str]:
    """A new screen of the store with its first pairing code (returned once, never stored in clear)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the screen a name, e.g. “Care area TV”.")})
    with transaction.atomic():
        screen = BoardScreen.objects.create(store=store, name=name[:60], created_by=actor, created_at=now)
        code = _issue(screen, actor=actor, now=now)
        audit_record(
            obj=screen,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={"name": [None, screen.name], "pairing_expires_at": [None, screen.pairing_expires_at]},
        )
    return screen, code


def screen_code_issue(*, screen: BoardScreen, actor: User, now: datetime) -> str:
    """A fresh one-time pairing code for the screen (the previous unused one stops working)."""
    if screen.revoked_at is not None:
        raise ValidationError(_("This screen was revoked; add a new screen instead."))
    with transaction.atomic():
        before = screen.pairing_expires_at
        code = _issue(screen, actor=actor, now=now)
        audit_record(
            obj=screen,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"pairing_expires_at": [before, screen.pairing_expires_at]},
        )
    return code


def screen_pair(*, code: str, now: datetime) -> tuple[BoardScreen, str] | None:
    """Pair the browser that shows a valid, unexpired code: the screen gets a new secret (any screen paired
    before with it stops showing the board) and the code is used up. Returns (screen, cookie token) or None."""
    wanted = rules.normalise_code(code)
    if len(wanted) != defaults.PAIRING_CODE_LENGTH:
        return None
    with transaction.atomic():
        screen = BoardScreen.objects.select_for_update().filter(pairing_code_hash=rules.digest(wanted)).first()
        if screen is None or not rules.pairing_usable(
            expires_at=screen.pairing_expires_at, revoked_at=screen.revoked_at, now=now
        ):
            return None
        secret = secrets.token_urlsafe(32)
        version = screen.token_version
        BoardScreen.objects.filter(pk=screen.pk).update(
            secret_hash=rules.digest(secret),
            token_version=version + 1,
            paired_at=now,
            paired_by=screen.code_issued_by,
            pairing_code_hash="",
            pairing_expires_at=None,
        )
        screen.refresh_from_db()
        audit_record(
            obj=screen,
            action=AuditAction.UPDATE,
            at=now,
            actor=screen.code_issued_by,
            source="board",
            changes={"paired_at": [None, now], "token_version": [version, version + 1]},
        )
    return screen, token_make(salt=defaults.TOKEN_SALT, record_id=screen.pk, nonce=secret)


def screen_revoke(*, screen: BoardScreen, actor: User, now: datetime) -> BoardScreen:
    """Unpair the screen for good: its cookie and any unused code stop working at the next refresh."""
    if screen.revoked_at is not None:
        return screen
    with transaction.atomic():
        BoardScreen.objects.filter(pk=screen.pk).update(
            revoked_at=now, revoked_by=actor, secret_hash="", pairing_code_hash="", pairing_expires_at=None
        )
        audit_record(obj=screen, action=AuditAction.UPDATE, at=now, actor=actor, changes={"revoked_at": [None, now]})
    screen.refresh_from_db()
    return screen


def screen_seen(*, screen: BoardScreen, now: datetime) -> None:
    """Note that the screen fetched the board (the settings page shows when each screen was last seen)."""
    BoardScreen.objects.filter(pk=screen.pk).update(last_seen_at=now)
