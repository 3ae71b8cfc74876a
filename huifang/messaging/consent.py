"""Consent (授权) per customer, channel and purpose: append-only records; the current state is derived.

The latest record (highest id) for a (customer, channel, purpose) is the current state. Without one,
service messages go and marketing follows the customer's general flag until any per-channel marketing
record exists (rules.consent_given). Customer.marketing_consent stays a summary flag: "marketing is
granted on at least one channel", recomputed in SQL after every write. ChannelOptOut rows mirror the
withdrawals on message channels for code that still reads them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from huifang.archive.importing.bulk import AUDIT_COLUMNS, insert_tuples, reserve_ids
from huifang.archive.models import Customer
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.audit.services import audit_entry, audit_record_many

from . import rules
from .choices import (
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    ConsentState,
    MessageChannel,
    OptOutScope,
    OptOutSource,
)
from .models import ChannelOptOut, ConsentRecord

# The opt-out source a consent withdrawal is mirrored with (ChannelOptOut knows fewer sources).
CONSENT_TO_OPTOUT_SOURCE = {
    ConsentSource.CALL: OptOutSource.CALL,
    ConsentSource.SMS_REPLY: OptOutSource.SMS_REPLY,
    ConsentSource.EMAIL: OptOutSource.EMAIL,
    ConsentSource.FRONT_DESK: OptOutSource.IN_STORE,
    ConsentSource.DMS_IMPORT: OptOutSource.IMPORT,
}
# The DMS column is one general "accepts marketing" flag: it speaks for every channel.
IMPORT_CHANNELS = tuple(ConsentChannel.values)
# Rows per bulk insert and per IN list when an import records consent for many customers.
CHUNK = 2000

Key = tuple[str, str]  # (channel, purpose)


@dataclass(frozen=True)
class ConsentChange:
    channel: str
    purpose: str
    state: str


# --- reading ---------------------------------------------------------------------------------------------


def consent_states(*, customer: Customer) -> dict[Key, bool]:
    """Whether each (channel, purpose) may be used now, for every channel and purpose (one query)."""
    latest: dict[Key, str] = {}
    for channel, purpose, state in (
        ConsentRecord.objects.filter(customer=customer).order_by("pk").values_list("channel", "purpose", "state")
    ):
        latest[(channel, purpose)] = state
    has_marketing = any(purpose == ConsentPurpose.MARKETING for _channel, purpose in latest)
    return {
        (channel, purpose): rules.consent_given(
            purpose=purpose,
            latest_state=latest.get((channel, purpose)),
            has_marketing_records=has_marketing,
            legacy_flag=customer.marketing_consent,
        )
        for channel in ConsentChannel.values
        for purpose in ConsentPurpose.values
    }


def consent_given(*, customer: Customer, channel: str, purpose: str) -> bool:
    """Whether the customer may be contacted on this channel for this purpose now."""
    return consent_states(customer=customer)[(channel, purpose)]


def consent_history(*, customer: Customer) -> QuerySet[ConsentRecord]:
    """Every consent record of the customer, newest first, with who recorded it."""
    return ConsentRecord.objects.filter(customer=customer).select_related("recorded_by").order_by("-pk")


def _latest_records(customer_ref: str, purpose: str) -> QuerySet[ConsentRecord]:
    """Records of the outer customer that no later record of the same channel and purpose replaced."""
    newer = ConsentRecord.objects.filter(
        customer=OuterRef("customer"), channel=OuterRef("channel"), purpose=OuterRef("purpose"), pk__gt=OuterRef("pk")
    )
    return ConsentRecord.objects.filter(customer=OuterRef(customer_ref), purpose=purpose).filter(~Exists(newer))


def marketing_consent_q(*, channel: str, prefix: str = "") -> Q:
    """A filter for querysets reaching a customer through `prefix` ("" on Customer, "customer__" on orders):
    the customer has marketing consent on `channel` now. The SQL form of consent_given for sweeps."""
    ref = prefix[:-2] if prefix else "pk"
    granted = _latest_records(ref, ConsentPurpose.MARKETING).filter(channel=channel, state=ConsentState.GRANTED)
    any_marketing = ConsentRecord.objects.filter(customer=OuterRef(ref), purpose=ConsentPurpose.MARKETING)
    return Q(Exists(granted)) | (Q(**{f"{prefix}marketing_consent": True}) & ~Q(Exists(any_marketing)))


def service_consent_q(*, channel: str, prefix: str = "") -> Q:
    """A filter like marketing_consent_q for service contacts: the customer has not withdrawn service
    messages or calls on `channel` (service goes unless withdrawn)."""
    ref = prefix[:-2] if prefix else "pk"
    withdrawn = _latest_records(ref, ConsentPurpose.SERVICE).filter(channel=channel, state=ConsentState.WITHDRAWN)
    return ~Q(Exists(withdrawn))


# --- writing ---------------------------------------------------------------------------------------------


def _summary_sync(*, customer_ids: Iterable[int]) -> None:
    """Set Customer.marketing_consent to "granted on some channel" for customers with marketing records."""
    granted = _latest_records("pk", ConsentPurpose.MARKETING).filter(state=ConsentState.GRANTED)
    has_records = ConsentRecord.objects.filter(customer=OuterRef("pk"), purpose=ConsentPurpose.MARKETING)
    ids = list(customer_ids)
    for start in range(0, len(ids), CHUNK):
        Customer.objects.filter(Exists(has_records), pk__in=ids[start : start + CHUNK]).update(
            marketing_consent=Exists(granted)
        )


def _validate(channel: str, purpose: str, state: str, source: str) -> None:
    errors = {}
    if channel not in ConsentChannel.values:
        errors["channel"] = f"未知渠道 / unknown channel {channel!r}; one of {', '.join(ConsentChannel.values)}"
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = f"未知用途 / unknown purpose {purpose!r}; one of {', '.join(ConsentPurpose.values)}"
    if state not in ConsentState.values:
        errors["state"] = f"未知状态 / unknown state {state!r}; one of {', '.join(ConsentState.values)}"
    if source not in ConsentSource.values:
        errors["source"] = f"未知来源 / unknown source {source!r}"
    if errors:
        raise ValidationError(errors)


def _append(
    *, customer: Customer, changes: Iterable[ConsentChange], source: str, actor, now: datetime, note: str = ""
) -> list[ConsentRecord]:
    """Append the records that change the current state (inside the caller's transaction), audited.

    A customer whose general marketing flag was never split per channel gets it split first (source
    "earlier"), so withdrawing one channel does not silently withdraw the others.
    """
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one writer per customer at a time
    customer.refresh_from_db(fields=["marketing_consent"])
    states = consent_states(customer=customer)
    has_marketing = ConsentRecord.objects.filter(customer=customer, purpose=ConsentPurpose.MARKETING).exists()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    base = {"store_id": customer.store_id, "customer_id": customer.pk, "at": now, "recorded_by_id": actor_id}
    records: list[ConsentRecord] = []
    wanted = [c for c in changes if states[(c.channel, c.purpose)] != (c.state == ConsentState.GRANTED)]
    if not wanted:
        return []
    if customer.marketing_consent and not has_marketing and any(c.purpose == ConsentPurpose.MARKETING for c in wanted):
        touched = {c.channel for c in wanted if c.purpose == ConsentPurpose.MARKETING}
        records += [
            ConsentRecord(
                **base,
                channel=channel,
                purpose=ConsentPurpose.MARKETING,
                state=ConsentState.GRANTED,
                source=ConsentSource.EARLIER,
            )
            for channel in ConsentChannel.values
            if channel not in touched
        ]
    records += [
        ConsentRecord(**base, channel=c.channel, purpose=c.purpose, state=c.state, source=source, note=note[:200])
        for c in wanted
    ]
    ConsentRecord.objects.bulk_create(records)
    audit_record_many(
        audit_entry(
            obj=record,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={
                "channel": record.channel,
                "purpose": record.purpose,
                "state": record.state,
                "source": record.source,
            },
        )
        for record in records
    )
    _summary_sync(customer_ids=[customer.pk])
    return records


def _mirror_optouts(*, customer: Customer, records: Iterable[ConsentRecord], now: datetime, actor) -> None:
    """Keep ChannelOptOut in step: a withdrawal adds the opt-out row, a grant removes it."""
    for record in records:
        if record.channel not in MessageChannel.values or record.source == ConsentSource.EARLIER:
            continue
        scope = OptOutScope.ALL if record.purpose == ConsentPurpose.SERVICE else OptOutScope.MARKETING
        rows = ChannelOptOut.objects.filter(customer=customer, channel=record.channel, purpose=scope)
        if record.state == ConsentState.GRANTED:
            rows.delete()
        else:
            ChannelOptOut.objects.get_or_create(
                customer=customer,
                channel=record.channel,
                purpose=scope,
                defaults={
                    "store_id": customer.store_id,
                    "at": now,
                    "source": CONSENT_TO_OPTOUT_SOURCE.get(record.source, OptOutSource.OTHER),
                    "recorded_by": actor if actor is not None and actor.is_authenticated else None,
                },
            )


def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    state: str,
    source: str,
    actor=None,
    now: datetime,
    note: str = "",
) -> ConsentRecord | None:
    """Record a consent statement; returns the new record, or None when it repeats the current state."""
    return consent_record_many(
        customer=customer,
        changes=[ConsentChange(channel, purpose, state)],
        source=source,
        actor=actor,
        now=now,
        note=note,
    ).get((channel, purpose))


def consent_record_many(
    *,
    customer: Customer,
    changes: Iterable[ConsentChange],
    source: str,
    actor=None,
    now: datetime,
    note: str = "",
) -> dict[Key, ConsentRecord]:
    """Record several statements at once (the unsubscribe page's form); all or nothing."""
    changes = list(changes)
    for change in changes:
        _validate(change.channel, change.purpose, change.state, source)
    with transaction.atomic():
        records = _append(customer=customer, changes=changes, source=source, actor=actor, now=now, note=note)
        _mirror_optouts(customer=customer, records=records, now=now, actor=actor)
    return {(r.channel, r.purpose): r for r in records if r.source != ConsentSource.EARLIER}


def consent_withdraw_for_optout(*, customer: Customer, channel: str, scope: str, source: str, actor, now) -> None:
    """The consent side of an opt-out (called by optout_record inside its transaction)."""
    purposes = [ConsentPurpose.MARKETING] if scope == OptOutScope.MARKETING else list(ConsentPurpose.values)
    changes = [ConsentChange(channel, purpose, ConsentState.WITHDRAWN) for purpose in purposes]
    _append(customer=customer, changes=changes, source=source, actor=actor, now=now)


def consent_import(
    *, store_id: int, values: Mapping[int, Mapping[str, bool]], actor, now: datetime, source: str = "import"
) -> int:
    """Marketing consent from a DMS import, set-based: {customer id: {channel: granted}}; returns records written.

    A record is written only where the DMS value differs from what the DMS said last time (or it never
    said anything), so re-importing the same file writes nothing and does not undo a later front-desk change.
    """
    ids = list(values)
    said: dict[tuple[int, str], str] = {}  # the DMS's latest word per customer and channel
    latest: dict[tuple[int, str], str] = {}  # the latest marketing record per customer and channel, any source
    for start in range(0, len(ids), CHUNK):
        rows = (
            ConsentRecord.objects.filter(customer_id__in=ids[start : start + CHUNK], purpose=ConsentPurpose.MARKETING)
            .order_by("pk")
            .values_list("customer_id", "channel", "state", "source")
        )
        for customer_id, channel, state, said_by in rows:
            latest[(customer_id, channel)] = state
            if said_by == ConsentSource.DMS_IMPORT:
                said[(customer_id, channel)] = state
    granted_state, withdrawn_state = ConsentState.GRANTED.value, ConsentState.WITHDRAWN.value
    wanted = [
        (customer_id, channel, state)
        for customer_id, channels in values.items()
        for channel, granted in channels.items()
        if said.get((customer_id, channel)) != (state := granted_state if granted else withdrawn_state)
    ]
    if not wanted:
        return 0
    # Ids are needed for the audit rows: taken from the sequence first, then the records go through COPY as
    # plain rows (a model instance per record cost more than its row; the values are the ones it would hold).
    ids = reserve_ids(ConsentRecord, len(wanted))
    recorded_by_id = actor.pk if actor is not None else None
    # Plain strings, not the choices' members: a row of plain values takes COPY's fast path (bulk._converted).
    marketing, dms_import = ConsentPurpose.MARKETING.value, ConsentSource.DMS_IMPORT.value
    insert_tuples(
        ConsentRecord,
        ("id", "store_id", "customer_id", "channel", "purpose", "state", "source", "at", "recorded_by_id", "note"),
        (
            (pk, store_id, customer_id, channel, marketing, state, dms_import, now, recorded_by_id, "")
            for pk, (customer_id, channel, state) in zip(ids, wanted, strict=True)
        ),
    )
    # One audit row per record, as audit_entry() makes it, with the record's text and changes built once per
    # kind of record: a big import writes thousands and the translated labels cost more than the rows.
    content_type = ContentType.objects.get_for_model(ConsentRecord)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    kinds: dict[tuple[str, str], tuple[str, dict]] = {}

    def kind_of(channel: str, state: str) -> tuple[str, dict]:
        kind = kinds.get((channel, state))
        if kind is None:
            record = ConsentRecord(channel=channel, purpose=ConsentPurpose.MARKETING, state=state)
            changes = {"channel": str(record.channel), "purpose": str(record.purpose), "state": str(record.state)}
            kind = kinds[(channel, state)] = (str(record).split(" ", 1)[1], changes)
        return kind

    head = (now, store_id, actor_id, source, AuditAction.CREATE.value, content_type.pk)
    insert_tuples(
        AuditEntry,
        AUDIT_COLUMNS,
        (
            (*head, pk, f"#{pk} {label}"[:200], changes)
            for pk, (_, channel, state) in zip(ids, wanted, strict=True)
            for label, changes in (kind_of(channel, state),)
        ),
    )
    latest.update({(customer_id, channel): state for customer_id, channel, state in wanted})  # the new come last
    _summary_write(summaries=_marketing_summaries(latest, {customer_id for customer_id, _, _ in wanted}))
    return len(wanted)


def _marketing_summaries(latest: Mapping[tuple[int, str], str], customer_ids: set[int]) -> dict[int, bool]:
    """_summary_sync's rule worked out from the records already in hand: marketing granted on some channel."""
    summaries = dict.fromkeys(customer_ids, False)
    for (customer_id, _channel), state in latest.items():
        if customer_id in summaries and state == ConsentState.GRANTED:
            summaries[customer_id] = True
    return summaries


def _summary_write(*, summaries: Mapping[int, bool]) -> None:
    """Set Customer.marketing_consent where it differs from `summaries`: an import's new customers already carry
    the DMS value their records repeat (and rewriting an unchanged row costs a row version in every index)."""
    ids = list(summaries)
    for start in range(0, len(ids), CHUNK):
        flags = list(Customer.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "marketing_consent"))
        for flag in (True, False):
            stale = [pk for pk, current in flags if summaries[pk] is flag and current is not flag]
            if stale:
                Customer.objects.filter(pk__in=stale).update(marketing_consent=flag)


def consent_channel_for(task_channel: str) -> str:
    """The consent channel of a follow-up task's channel: a call ("call") needs phone consent."""
    return ConsentChannel.PHONE if task_channel == "call" else task_channel
