"""Duplicate customers (same mobile or ID number in one store): finding them and merging them."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from .models import Contact, Customer
from .services import PHONE_FIELDS, customer_search_keys, policy_for

# Basic-data fields a survivor takes from a duplicate when its own is empty.
FILLABLE_FIELDS = (
    "dms_code", "gender", "birthday", "id_number", "occupation", "level", "category", "address", "email",
    "mobile", "home_phone", "office_phone", "preferred_channel", "best_contact_time", "language", "source",
    "club_level",
)  # fmt: skip


@dataclass
class DuplicateGroup:
    reason: str  # "mobile" or "id_number"
    value: str
    customers: list[Customer]


class MergeError(ValueError):
    """A merge that cannot be done (different stores, nothing to merge)."""


def duplicate_groups(*, customers: QuerySet[Customer], limit: int = 200) -> list[DuplicateGroup]:
    """Groups of customers of one store sharing a mobile number or an ID number, largest first."""
    groups: list[DuplicateGroup] = []
    for reason in ("mobile", "id_number"):
        shared = (
            customers.exclude(**{reason: ""})
            .values("store", reason)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .order_by("-n", reason)[:limit]
        )
        keys = [(row["store"], row[reason]) for row in shared]
        if not keys:
            continue
        condition = Q()
        for store_id, value in keys:
            condition |= Q(store_id=store_id, **{reason: value})
        members: dict[tuple, list[Customer]] = {}
        for customer in (
            customers.filter(condition)
            .select_related("store")
            .annotate(vehicle_count=Count("vehicles", distinct=True), order_count=Count("repair_orders", distinct=True))
            .order_by("created_at", "pk")
        ):
            members.setdefault((customer.store_id, getattr(customer, reason)), []).append(customer)
        groups.extend(DuplicateGroup(reason, value, members[(s, value)]) for s, value in keys)
    return groups


def customers_merge(*, survivor: Customer, duplicates: list[Customer], actor, now: datetime) -> Customer:
    """Fold duplicates into the survivor: their vehicles, orders, contacts and every other record
    pointing at them move over, empty basic data is filled in, and the duplicates are deleted."""
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        raise MergeError("没有可合并的客户 / nothing to merge")
    if any(d.store_id != survivor.store_id for d in duplicates):
        raise MergeError("只能合并同一门店的客户 / only customers of one store can be merged")
    dup_ids = [d.pk for d in duplicates]
    with transaction.atomic():
        filled = {}
        for field in FILLABLE_FIELDS:
            if getattr(survivor, field):
                continue
            value = next((getattr(d, field) for d in duplicates if getattr(d, field)), None)
            if value:
                filled[field] = value
        # dms_code is unique per store: free it on the duplicates before the survivor takes it.
        Customer.objects.filter(pk__in=dup_ids).update(dms_code="")
        _move_contacts(survivor=survivor, dup_ids=dup_ids)
        _move_related(survivor=survivor, dup_ids=dup_ids)
        for field, value in filled.items():
            setattr(survivor, field, value)
        survivor.marketing_consent = survivor.marketing_consent or any(d.marketing_consent for d in duplicates)
        contact_phones = list(survivor.contacts.exclude(phone="").values_list("phone", flat=True))
        for key, value in customer_search_keys(
            name=survivor.name,
            phones=[getattr(survivor, f) for f in PHONE_FIELDS] + contact_phones,
            occupation=survivor.occupation,
            sensitive_words=policy_for(store=survivor.store).sensitive_occupation_words,
        ).items():
            setattr(survivor, key, value)
        survivor.save()
        for duplicate in duplicates:
            audit_record(obj=duplicate, action=AuditAction.DELETE, at=now, actor=actor,
                         changes={"merged_into": survivor.pk})  # fmt: skip
        Customer.objects.filter(pk__in=dup_ids).delete()
        audit_record(
            obj=survivor,
            action=AuditAction.MERGE,
            at=now,
            actor=actor,
            changes={"merged": [f"#{d.pk} {d.name}" for d in duplicates], **{k: ["", v] for k, v in filled.items()}},
        )
    return survivor


def _move_contacts(*, survivor: Customer, dup_ids: list[int]) -> None:
    # (customer, role, name) is unique: a contact the survivor already has is dropped, not doubled.
    have = set(survivor.contacts.values_list("role", "name"))
    clashing = []
    for contact in Contact.objects.filter(customer_id__in=dup_ids).order_by("pk").only("pk", "role", "name"):
        key = (contact.role, contact.name)
        if key in have:
            clashing.append(contact.pk)
        else:
            have.add(key)
    Contact.objects.filter(pk__in=clashing).delete()
    Contact.objects.filter(customer_id__in=dup_ids).update(customer=survivor)


def _move_related(*, survivor: Customer, dup_ids: list[int]) -> None:
    # Every model that points at a customer (vehicles, orders, ownerships, and what later apps add:
    # tasks, complaints, messages) is moved with one UPDATE per relation.
    for relation in Customer._meta.related_objects:
        if relation.one_to_many and relation.related_model is not Contact:
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": dup_ids}).update(
                **{relation.field.name: survivor}
            )
