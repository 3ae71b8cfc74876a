"""A store's settings that every workbench request reads, kept per process behind a version.

The call screen read nine settings rows on every request (archive policy, calendar and its dated days, quiet
hours, scripts, questionnaire and its questions, call policy), the queue and "next" three (issue 18). They
change a few times a year and are read thousands of times a day, so each process keeps them per store and
asks the database only for the store's settings token (one query for all the stores of a request).

Every change of one of those rows gives the store a new random token in the same transaction, so the next
request in any process sees the edit: `post_save` / `post_delete` of the models (services, admin,
`get_or_create`), the audit entry every service writes beside its `.update()` (calendar, quiet hours, scripts,
call policy), and `settings_changed` called by the bulk writes. The token is random, not a counter, so a
rolled-back change (whose token a request inside that transaction may have kept) never comes back.

What is kept is shared by the threads of a process: read it, never change it.
"""

import secrets
import threading
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from huifang.accounts.models import Store
from huifang.archive.models import ArchivePolicy
from huifang.archive.services import policy_for as archive_policy_for
from huifang.audit.models import AuditEntry
from huifang.calendars.models import StoreCalendar, StoreDay
from huifang.core.hand_sql import fetch_all, placeholders
from huifang.followups.offering import QuietRules, quiet_rules_for
from huifang.messaging.models import MessagingPolicy
from huifang.messaging.services import policy_for as messaging_policy_for

from . import services
from .models import CallPolicy, CallScript, Question, Questionnaire, StoreSettingsVersion

# Rows a store's kept settings are made of; a change of any of them changes the store's token.
SETTINGS_MODELS = (ArchivePolicy, StoreCalendar, StoreDay, MessagingPolicy, CallScript, Questionnaire, CallPolicy)
SETTINGS_LABELS = frozenset(model._meta.label_lower for model in SETTINGS_MODELS)
# Stores kept per process at most (a store's settings are a few kB).
KEPT_STORES = 1000


@dataclass(frozen=True)
class StoreSettings:
    token: str
    archive_policy: ArchivePolicy
    quiet: QuietRules
    scripts: dict  # {(task kind, scenario): CallScript}
    questionnaire: Questionnaire
    questions: tuple[Question, ...]
    call_policy: CallPolicy


_kept: dict[int, StoreSettings] = {}
_lock = threading.Lock()


def settings_for(*, store: Store) -> StoreSettings:
    """The store's settings as of now: one query, and the rows themselves when they changed."""
    return settings_for_stores(stores=[store])[store.pk]


def settings_kept(*, store: Store, token: str | None) -> StoreSettings:
    """settings_for, when the request read the store's token already (with the task row of the call screen:
    selectors.task_for_call): no query at all while the kept settings are under that token."""
    kept = _kept.get(store.pk)
    if token is not None and kept is not None and kept.token == token:
        return kept
    return settings_for(store=store)


def settings_for_stores(*, stores: list[Store], tokens: dict[int, str] | None = None) -> dict[int, StoreSettings]:
    """{store id: settings} of several stores: one query for their tokens (none when the request read them with
    another query: `tokens`, as _tokens reads them), and the rows of those that changed."""
    tokens = _tokens(stores) if tokens is None else dict(tokens)
    result = {s.pk: kept for s in stores if (kept := _kept.get(s.pk)) is not None and kept.token == tokens.get(s.pk)}
    stale = [s for s in stores if s.pk not in result]
    if stale:
        # Rows a store lacks are made first (that changes its token), then read after the token: what is kept
        # is never older than the token it is kept under.
        for store in stale:
            _defaults_ensure(store)
        tokens.update(_tokens(stale))
        for store in stale:
            kept = result[store.pk] = _load(store, tokens.get(store.pk) or _token_give(store_id=store.pk))
            with _lock:
                _kept[store.pk] = kept
                while len(_kept) > KEPT_STORES:
                    _kept.pop(next(iter(_kept)))
    return result


def _tokens(stores: list[Store]) -> dict[int, str]:
    # Read on every workbench request: hand SQL, one string per number of stores.
    if not stores:
        return {}
    return dict(fetch_all(tokens_sql(len(stores)), [s.pk for s in stores]))


def tokens_sql(stores: int) -> str:
    """The stores' settings tokens (store id, token), for `stores` store ids."""
    return (
        f"SELECT store_id, token FROM {StoreSettingsVersion._meta.db_table} WHERE store_id IN ({placeholders(stores)})"
    )


def quiet_rules_kept(*, stores: list[Store], tokens: dict[int, str] | None = None) -> dict[int, QuietRules]:
    """{store id: QuietRules} as offering.quiet_rules_for, from the kept settings (`tokens`: see
    settings_for_stores)."""
    return {pk: kept.quiet for pk, kept in settings_for_stores(stores=stores, tokens=tokens).items()}


def _defaults_ensure(store: Store) -> None:
    """The settings rows a store gets with the defaults the first time they are asked for."""
    services.scripts_ensure_defaults(store=store)
    services.questionnaire_current(store=store)
    services.call_policy_for(store=store)
    archive_policy_for(store=store)
    messaging_policy_for(store=store)


def _load(store: Store, token: str) -> StoreSettings:
    """Reads only (the rows exist: _defaults_ensure)."""
    questionnaire = Questionnaire.objects.prefetch_related("questions").get(store=store, is_current=True)
    return StoreSettings(
        token=token,
        archive_policy=ArchivePolicy.objects.get(store=store),
        quiet=quiet_rules_for(stores=[store])[store.pk],
        scripts={(s.kind, s.scenario): s for s in CallScript.objects.filter(store=store)},
        questionnaire=questionnaire,
        questions=tuple(questionnaire.questions.all()),
        call_policy=CallPolicy.objects.get(store=store),
    )


def _token_give(*, store_id: int) -> str:
    """The first token of a store never asked before (or whose row went with a rolled-back transaction)."""
    token = secrets.token_hex(16)
    StoreSettingsVersion.objects.bulk_create(
        [StoreSettingsVersion(store_id=store_id, token=token)],
        update_conflicts=True,
        unique_fields=["store"],
        update_fields=["token"],
    )
    return token


def settings_changed(*, store_id: int | None) -> None:
    """The store's kept settings are out of date: a new token, in the caller's transaction. A store without a
    token has nothing kept anywhere (it gets one when first read), so only an existing row changes."""
    if store_id is not None:
        StoreSettingsVersion.objects.filter(store_id=store_id).update(token=secrets.token_hex(16))


def _row_changed(sender, instance, **kwargs) -> None:
    settings_changed(store_id=instance.store_id)


def _question_changed(sender, instance, **kwargs) -> None:
    store_id = Questionnaire.objects.filter(pk=instance.questionnaire_id).values_list("store_id", flat=True).first()
    settings_changed(store_id=store_id)


def _audited(sender, instance: AuditEntry, created: bool, **kwargs) -> None:
    # Services change settings rows with `.update()` (no post_save) and audit each change (house rule). The
    # entry carries its content type object (audit_entry sets it), so this costs no query.
    # An entry about no row (a sign-in, an export) has no content type.
    if created and instance.store_id is not None and instance.content_type_id is not None:
        content_type = instance.content_type
        if f"{content_type.app_label}.{content_type.model}" in SETTINGS_LABELS:
            settings_changed(store_id=instance.store_id)


def _store_created(sender, instance: Store, created: bool, raw: bool = False, **kwargs) -> None:
    # A store gets its token with it, so reading its settings never writes (migration 0007 gave the existing
    # stores theirs); _token_give stays for a row deleted by hand.
    if created and not raw:
        StoreSettingsVersion.objects.bulk_create(
            [StoreSettingsVersion(store_id=instance.pk, token=secrets.token_hex(16))], ignore_conflicts=True
        )


def connect() -> None:
    """Called once from the app's ready()."""
    post_save.connect(_store_created, sender=Store, dispatch_uid="store_settings_store_created")
    for model in SETTINGS_MODELS:
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"store_settings_{model.__name__}_save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"store_settings_{model.__name__}_delete")
    post_save.connect(_question_changed, sender=Question, dispatch_uid="store_settings_Question_save")
    post_delete.connect(_question_changed, sender=Question, dispatch_uid="store_settings_Question_delete")
    post_save.connect(_audited, sender=AuditEntry, dispatch_uid="store_settings_audit")
