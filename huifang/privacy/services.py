"""Data-rights actions (PIPL): export everything held about a customer, erase (anonymise) customers.

Every action writes a DataRightsRequest and an audit entry, so the access log shows who did what and when."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from huifang.accounts.models import Store
from huifang.archive.erased import identities_remember
from huifang.archive.models import Customer
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many

from . import erasure, export
from .choices import ERASE_ACTION, RequestKind
from .models import DataRightsRequest, PrivacyPolicy

REASON_MAX = 1000


def policy_for(*, store: Store) -> PrivacyPolicy:
    """The store's privacy rules, created with the defaults the first time they are asked for."""
    policy, _created = PrivacyPolicy.objects.get_or_create(store=store)
    return policy


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写原因 / a reason is required"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"原因过长 / the reason is longer than {REASON_MAX} characters"})
    return reason


def customer_export(*, customer: Customer, actor, now: datetime, reason: str = "") -> tuple[bytes, str]:
    """A zip with the customer's data as XLSX and JSON; the export is logged."""
    data = export.customer_data(customer=customer)
    content = export.data_zip(customer=customer, data=data, now=now)
    rows = {key: len(block["rows"]) for key, block in data.items() if block["rows"]}
    with transaction.atomic():
        DataRightsRequest.objects.create(
            store_id=customer.store_id,
            customer=customer,
            kind=RequestKind.EXPORT,
            reason=(reason or "").strip()[:REASON_MAX],
            at=now,
            actor=actor,
            counts=rows,
        )
        audit_record(obj=customer, action=AuditAction.EXPORT, at=now, actor=actor, changes={"data_rights_export": rows})
    return content, f"customer-{customer.pk}-data.zip"


def customers_erase(*, customers: list[Customer], reason: str, actor, now: datetime) -> dict[str, int]:
    """Anonymise the customers and everything about them in one transaction, logged with the reason."""
    reason = _clean_reason(reason)
    if not customers:
        raise ValidationError({"customers": "请选择客户 / select at least one customer"})
    ids = [c.pk for c in customers]

    def record(counts: dict[str, int]) -> None:
        requests = [
            DataRightsRequest(
                store_id=c.store_id, customer_id=c.pk, kind=RequestKind.ERASE, reason=reason, at=now, actor=actor
            )
            for c in customers
        ]
        for request in requests:
            request.counts = counts
        DataRightsRequest.objects.bulk_create(requests)
        erased = Customer.objects.filter(pk__in=ids)
        audit_record_many(
            audit_entry(
                obj=c,
                action=ERASE_ACTION,
                at=now,
                actor=actor,
                changes={"reason": reason, "customers": len(ids), "rows": sum(counts.values())},
            )
            for c in erased
        )

    with transaction.atomic():
        # Before the identifiers are cleared: the DMS keeps exporting them, the next import must not
        # bring the customer back.
        identities_remember(customer_ids=ids, now=now)
        counts = erasure.erase(ids, record=record)
    return counts


def customer_erase(*, customer: Customer, reason: str, actor, now: datetime) -> dict[str, int]:
    """Anonymise one customer on request (see customers_erase)."""
    return customers_erase(customers=[customer], reason=reason, actor=actor, now=now)


def policy_update(*, policy: PrivacyPolicy, retention_years: int, actor, now: datetime) -> PrivacyPolicy:
    """Change the store's retention period (audited)."""
    if retention_years < 1:
        raise ValidationError({"retention_years": "至少一年 / at least one year"})
    # Read from the table: a bound ModelForm has already set the new value on the instance.
    before = PrivacyPolicy.objects.values_list("retention_years", flat=True).get(pk=policy.pk)
    if before == retention_years:
        return policy
    with transaction.atomic():
        PrivacyPolicy.objects.filter(pk=policy.pk).update(retention_years=retention_years)
        audit_record(
            obj=policy,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"retention_years": [before, retention_years]},
        )
    policy.refresh_from_db()
    return policy
